"""Correcting or deleting one recorded dose, lab or adverse event — always with a reason.

The form shows the record as stored and sends only what changed, so the audit
trail says exactly which values were corrected (old → new) and why. A
deletion is the service's soft delete: the record leaves the subject's page
but stays in the store and in its audit trail. Both take the version the form
was rendered with; if someone changed the record meanwhile the service answers
409 and the form comes back with the user's input and the current values.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trialkit.errors import NotFound, TrialkitError
from trialkit.services.study.service import Actor, SubjectView
from trialkit.services.study.views import CAUSALITY
from trialkit.web.auth import CurrentActor, session_actor
from trialkit.web.pages_common import (
    FormErrors,
    PostedForm,
    ServiceDep,
    can,
    form_errors,
    login_redirect,
    parse_version,
    render,
    see_other,
)

router = APIRouter()

# kind → (label, SubjectView list, editable fields as (name, label, input type))
KINDS: dict[str, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {
    "dose": (
        "Dose",
        "doses",
        (
            ("dose_date", "Given on", "date"),
            ("activity_gbq", "Activity (GBq)", "number"),
            ("calibration_time", "Calibration time", "datetime-local"),
            ("note", "Note", "text"),
        ),
    ),
    "lab": (
        "Lab result",
        "labs",
        (
            ("value", "Value", "number"),
            ("unit", "Unit (UCUM)", "text"),
            ("lab_date", "Date", "date"),
            ("uln", "ULN", "number"),
            ("lln", "LLN", "number"),
        ),
    ),
    "adverse_event": (
        "Adverse event",
        "adverse_events",
        (
            ("term", "Term", "text"),
            ("onset_date", "Onset", "date"),
            ("resolved_date", "Resolved on", "date"),
            ("grade", "Grade", "number"),
            ("serious", "Serious", "bool"),
            ("causality", "Causality (investigator)", "causality"),
            ("description", "Description", "text"),
        ),
    ),
}


def _record(subject: SubjectView, kind: str, record_id: int) -> dict[str, Any]:
    _, listing, _ = KINDS[kind]
    for view in getattr(subject, listing):
        if view.id == record_id:
            return asdict(view)
    raise NotFound(f"no {kind} {record_id} for subject {subject.subject_id}")


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "datetime-local":
        return str(value)[:16]
    return str(value)


def _fields(actor: Actor, kind: str) -> list[tuple[str, str, str]]:
    _, _, fields = KINDS[kind]
    # causality is a medical judgement: only an investigator sees (and may send) it
    return [f for f in fields if f[2] != "causality" or can(actor, "assess_causality")]


def _page(
    request: Request,
    actor: Actor,
    subject: SubjectView,
    kind: str,
    record_id: int,
    *,
    posted: dict[str, str] | None = None,
    errors: FormErrors | None = None,
) -> Response:
    errors = errors or FormErrors()
    record = _record(subject, kind, record_id)
    fields = _fields(actor, kind)
    values = {name: _text(record.get(name), kind_) for name, _, kind_ in fields}
    context = {
        "title": f"{KINDS[kind][0]} {record_id} of subject {subject.subject_id}",
        "subj": subject,
        "kind": kind,
        "record": record,
        "fields": fields,
        "values": {**values, **(posted or {})},
        "causality": [("", "— not assessed —"), *((c, c) for c in CAUSALITY)],
        "errors": errors.fields,
        "form_error": errors.form,
    }
    status = errors.status if errors else 200
    return render(request, "record_edit.html", context, status=status, section="subjects")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise NotFound(f"records of kind {kind!r} are not corrected here")


@router.get("/subjects/{subject_id}/{kind}/{record_id}")
def record_page(
    request: Request, subject_id: int, kind: str, record_id: int, service: ServiceDep
) -> Response:
    actor = session_actor(request)
    if actor is None:
        return login_redirect(request)
    _check_kind(kind)
    return _page(request, actor, service.get_subject(actor, subject_id), kind, record_id)


@router.post("/subjects/{subject_id}/{kind}/{record_id}")
def correct_record(
    request: Request,
    subject_id: int,
    kind: str,
    record_id: int,
    actor: CurrentActor,
    service: ServiceDep,
    posted: PostedForm,
) -> Response:
    _check_kind(kind)
    subject = service.get_subject(actor, subject_id)
    errors = FormErrors()
    version = parse_version(posted, errors)
    reason = posted.get("reason")
    if not reason:
        errors.fields["reason"] = "a reason for the change is required"
    delete = posted.get("action") == "delete"
    fields = _fields(actor, kind)
    current = _record(subject, kind, record_id)
    changes: dict[str, Any] = {}
    for name, _, kind_ in fields:
        if name not in posted.fields:
            continue  # not on the form: unchanged
        new = posted.get(name)
        if new == _text(current.get(name), kind_):
            continue
        changes[name] = _value(new, kind_, name, errors)
    if not delete and not changes and not errors:
        errors.form = "nothing was changed"
    if not errors:
        try:
            if delete:
                service.delete_record(actor, kind, record_id, version=version, reason=reason)
                return see_other(f"/subjects/{subject_id}", f"{KINDS[kind][0]} deleted")
            service.update_record(actor, kind, record_id, changes, version=version, reason=reason)
            return see_other(f"/subjects/{subject_id}", f"{KINDS[kind][0]} corrected")
        except TrialkitError as exc:
            errors = form_errors(exc, {name for name, _, _ in fields} | {"reason"})
    return _page(
        request, actor, subject, kind, record_id, posted=dict(posted.fields), errors=errors
    )


def _value(raw: str, kind: str, name: str, errors: FormErrors) -> Any:
    if raw == "":
        return None
    if kind == "bool":
        return raw == "true"
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            errors.fields[name] = f"{raw!r} is not a number"
            return None
        return int(number) if name == "grade" and number.is_integer() else number
    return raw
