"""``/api/v1`` monitoring: queries, export, the audit trail and its verification, deviations and
the dashboard.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from trialkit.errors import InputError
from trialkit.services.study.views import (
    AuditReport,
    AuditView,
    DashboardView,
    DeviationView,
    QueryView,
)
from trialkit.store.audit import Head
from trialkit.web import api_models as models
from trialkit.web.api_models import Id
from trialkit.web.auth import CurrentActor, Service

router = APIRouter()


@router.get("/queries", response_model=list[QueryView], tags=["queries"])
def list_queries(service: Service, actor: CurrentActor, open_only: bool = False) -> list[QueryView]:
    return service.list_queries(actor, open_only=open_only)


@router.post("/queries", response_model=QueryView, status_code=201, tags=["queries"])
def raise_query(body: models.QueryCreate, service: Service, actor: CurrentActor) -> QueryView:
    """A monitor's data query on a record."""
    return service.raise_query(actor, body.kind, body.record_id, body.text)


@router.post("/queries/{query_id}/answer", response_model=QueryView, tags=["queries"])
def answer_query(
    query_id: Id, body: models.QueryAnswer, service: Service, actor: CurrentActor
) -> QueryView:
    return service.answer_query(actor, query_id, body.answer, version=body.version)


@router.post("/queries/{query_id}/close", response_model=QueryView, tags=["queries"])
def close_query(
    query_id: Id, body: models.QueryClose, service: Service, actor: CurrentActor
) -> QueryView:
    return service.close_query(actor, query_id, version=body.version)


@router.get(
    "/export",
    tags=["export"],
    responses={
        200: {
            "content": {"application/zip": {}, "application/fhir+json": {}},
            "description": "csv: a zip of the study CSV folder; fhir: a FHIR R4 Bundle; "
            "cdisc: a zip of the CDISC package",
        }
    },
)
def export(
    service: Service,
    actor: CurrentActor,
    format: Literal["csv", "fhir", "cdisc"] = "csv",
) -> Response:
    """The study data: ``csv`` (zip of CSV files), ``fhir`` (FHIR R4 collection Bundle) or
    ``cdisc`` (zip of the CDISC package: SDTM, ADaM, define.xml, ODM CRF)."""
    data = service.export(actor, format)
    if format in ("csv", "cdisc"):
        name = "trialkit-export.zip" if format == "csv" else "trialkit-cdisc.zip"
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(
        data,
        media_type="application/fhir+json",
        headers={"Content-Disposition": 'attachment; filename="trialkit-export.json"'},
    )


Kind = Literal[
    "screening", "subject", "dose", "lab", "assessment", "adverse_event", "query", "deviation"
]


@router.get("/audit", response_model=list[AuditView], tags=["audit"])
def audit_trail(
    service: Service,
    actor: CurrentActor,
    kind: Kind | None = None,
    record_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[AuditView]:
    """Audit events (who, when, old → new, reason), oldest first; filter by kind / record."""
    return service.audit_trail(actor, kind, record_id)


@router.get("/audit/verify", response_model=AuditReport, tags=["audit"])
def verify_audit(
    service: Service,
    actor: CurrentActor,
    head: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A head kept elsewhere (SEQ:HASH, as `trialkit audit head` or "
            "GET /audit/head printed it): the trail up to it must be unchanged.",
        ),
    ] = None,
) -> AuditReport:
    """Recompute the hash chain and replay every record: does the trail still match the
    data, and (with ``head``) is the event kept elsewhere still in it, unchanged?"""
    try:
        anchor = Head.parse(head) if head is not None else None
    except ValueError as exc:
        raise InputError(str(exc), field="head") from None
    return service.check_audit(actor, anchor)


@router.get("/audit/head", response_model=models.AuditHeadInfo, tags=["audit"])
def audit_head(service: Service, actor: CurrentActor) -> models.AuditHeadInfo:
    """The chain's last event as SEQ:HASH: keep it outside this server (a monitor's record)
    and pass it to ``/audit/verify?head=`` later."""
    current = service.current_audit_head(actor)
    return models.AuditHeadInfo(seq=current.seq, hash=current.hash, head=str(current))


@router.get("/deviations", response_model=list[DeviationView], tags=["deviations"])
def list_deviations(
    service: Service,
    actor: CurrentActor,
    category: Literal["eligibility", "dosing_window", "dose_activity", "assessment"] | None = None,
    subject_record_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    screening_record_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[DeviationView]:
    """The deviation log: every waiver and override (rule, what it said, reason, who, when);
    filter by the internal key of a subject or screening."""
    return service.list_deviations(
        actor, category=category, subject_id=subject_record_id, screening_id=screening_record_id
    )


@router.get("/dashboard", response_model=DashboardView, tags=["dashboard"])
def dashboard(service: Service, actor: CurrentActor) -> DashboardView:
    """Funnel, enrolment over time, waterfall and Kaplan–Meier data."""
    return service.dashboard(actor)
