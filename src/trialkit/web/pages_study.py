"""Study-wide pages: the dashboard, data export and the audit trail of any record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trialkit.conduct.deviations import CATEGORY_LABELS
from trialkit.errors import NotFound
from trialkit.services.study.views import RECORD_KINDS
from trialkit.web.auth import session_actor
from trialkit.web.pages_common import ServiceDep, can, login_redirect, render
from trialkit.web.pages_figures import enrolment_png, km_png, waterfall_png

router = APIRouter()

# Funnel steps in the order a patient moves through them.
FUNNEL = (
    ("screened", "Screened"),
    ("eligible", "Eligible"),
    ("ineligible", "Ineligible"),
    ("incomplete", "Incomplete"),
    ("signed", "Signed off"),
    ("enrolled", "Enrolled"),
    ("dosed", "Dosed"),
)
EXPORTS = {
    "csv": ("application/zip", "trialkit-study-csv.zip", "Study CSV folder (zip)"),
    "fhir": ("application/fhir+json", "trialkit-study.fhir.json", "FHIR R4 Bundle (JSON)"),
    "cdisc": (
        "application/zip",
        "trialkit-study-cdisc.zip",
        "CDISC package: SDTM, ADaM, define.xml (zip)",
    ),
}


@router.get("/dashboard")
def dashboard(request: Request, service: ServiceDep) -> Response:
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    view = service.dashboard(actor)
    context = {
        "title": "Study dashboard",
        "d": view,
        "funnel": [(label, view.funnel.get(key, 0)) for key, label in FUNNEL],
        "enrolment_img": enrolment_png(view.enrolment),
        "waterfall_img": waterfall_png(view.waterfall),
        "km_img": km_png(view.km),
        "deviation_labels": CATEGORY_LABELS,
    }
    return render(request, "dashboard.html", context, section="dashboard")


@router.get("/deviations")
def deviations_page(request: Request, service: ServiceDep) -> Response:
    """The deviation log: every waiver and override, for the monitor (all roles may read it)."""
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    rows = service.list_deviations(actor)
    return render(
        request,
        "deviations.html",
        {"title": "Protocol deviations", "rows": rows, "labels": CATEGORY_LABELS},
        section="deviations",
    )


@router.get("/export")
def export_page(request: Request) -> Response:
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    formats = [(fmt, label) for fmt, (_, _, label) in EXPORTS.items()]
    return render(
        request,
        "export.html",
        {"title": "Export", "formats": formats, "allowed": can(actor, "export")},
        section="export",
    )


@router.get("/export/{fmt}")
def export_download(request: Request, fmt: str, service: ServiceDep) -> Response:
    """The export file as a download (the service checks the role)."""
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    if fmt not in EXPORTS:
        raise NotFound(f"no export format {fmt!r}; formats: {', '.join(EXPORTS)}")
    media, filename, _ = EXPORTS[fmt]
    data = service.export(actor, "csv" if fmt == "csv" else "cdisc" if fmt == "cdisc" else "fhir")
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


AUDIT_PER_PAGE = 50


@router.get("/audit")
def audit_all(request: Request, service: ServiceDep, kind: str | None = None) -> Response:
    return _audit(request, service, kind if kind in RECORD_KINDS else None, None)


def _filtered(request: Request, events: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """Events by the user and the date range (UTC days, inclusive) the page was asked for."""
    q = request.query_params
    shown = {k: q.get(k, "").strip() for k in ("user", "from", "to")}
    if shown["user"]:
        events = [e for e in events if e.username == shown["user"]]
    if shown["from"]:
        events = [e for e in events if e.at[:10] >= shown["from"]]
    if shown["to"]:
        events = [e for e in events if e.at[:10] <= shown["to"]]
    return events, shown


@router.get("/audit/{kind}/{record_id}")
def audit_record(request: Request, kind: str, record_id: int, service: ServiceDep) -> Response:
    return _audit(request, service, kind, record_id)


def _audit(
    request: Request, service: ServiceDep, kind: str | None, record_id: int | None
) -> Response:
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    events = service.audit_trail(actor, kind, record_id)
    if kind == "screening" and record_id is not None:
        # the investigator's signature is its own record; its events belong on this page too
        signature = service.get_screening(actor, record_id).signature
        if signature is not None:
            events += service.audit_trail(actor, "signature", signature.id)
            events.sort(key=lambda e: e.seq)
    users = sorted({e.username for e in events})
    events, shown = _filtered(request, events)
    total = len(events)
    pages = max(1, -(-total // AUDIT_PER_PAGE))
    try:
        page = min(max(int(request.query_params.get("page", 1)), 1), pages)
    except ValueError:
        page = 1
    newest = list(reversed(events))[(page - 1) * AUDIT_PER_PAGE : page * AUDIT_PER_PAGE]
    rows = [(e, _changes(e.changes)) for e in newest]
    keep = {k: v for k, v in shown.items() if v}
    if kind and record_id is None:
        keep["kind"] = kind
    query = "&".join(f"{k}={quote(v)}" for k, v in keep.items())
    named = next((e.record_label for e in events if e.kind == kind and e.record_label), None)
    if record_id is not None:
        what = named or f"{kind} {record_id}"
    else:
        what = (kind or "all records").replace("_", " ")
    return render(
        request,
        "audit.html",
        {
            "title": f"Audit trail: {what}",
            "events": rows,
            "kind": kind,
            "record_id": record_id,
            "kinds": RECORD_KINDS,
            "users": users,
            "shown": shown,
            "page": page,
            "pages": pages,
            "total": total,
            "page_query": query,
        },
        section="audit",
    )


def _changes(changes: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) rows; an edited mapping (the CRF answers) shows only its changed keys."""
    rows: list[tuple[str, Any, Any]] = []
    for name, change in changes.items():
        if not (isinstance(change, list | tuple) and len(change) == 2):
            rows.append((name, None, change))
            continue
        old, new = change
        if old is None and new is None:
            continue  # e.g. deleted_at of a new record: nothing to read
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    rows.append((f"{name}.{key}", old.get(key), new.get(key)))
            continue
        rows.append((name, old, new))
    return rows
