"""Subject-page forms for the stages after dosing: end of treatment, follow-up, off study, and
the baseline scan date of a subject enrolled without one.

Each form is one call of the service's transition (services/study/subjects_conduct.py): the
state machine, the role, the dates (not after today at the site, not before the previous
stage) and the audit event are the service's, as for the REST API. The page only turns the
form into the call: a date, and a reason from the one controlled list
(:mod:`trialkit.conduct.reasons`); a refusal is shown beside the field it names.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trialkit.conduct.reasons import reason_text
from trialkit.errors import InputError
from trialkit.web.auth import CurrentActor
from trialkit.web.pages_common import (
    FormErrors,
    Posted,
    PostedForm,
    ServiceDep,
    parse_date,
    parse_version,
)
from trialkit.web.pages_subjects import _act
from trialkit.wording import day as day_text

router = APIRouter()


def _reason(posted: Posted, form: str, errors: FormErrors) -> str | None:
    """The reason chosen from the list (``other`` with its text), or an error beside it."""
    try:
        return reason_text(
            posted.get(f"{form}_reason"), posted.get(f"{form}_reason_other"), f"{form}_reason"
        )
    except InputError as exc:
        field = exc.field or f"{form}_reason"
        errors.fields[field] = str(exc).removeprefix(f"{field}: ")
        return None


@router.post("/subjects/{subject_id}/end-treatment")
def end_treatment(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        version = parse_version(posted, errors)
        day = parse_date(posted, "eot_date", errors, required=True)
        reason = _reason(posted, "eot", errors)
        if errors or day is None or reason is None:
            return None
        view = service.end_treatment(
            actor, subject_id, treatment_end_date=day, reason=reason, version=version
        )
        return f"Treatment ended on {day_text(view.treatment_end_date)}: {view.state}"

    return _act(request, actor, service, subject_id, "eot", posted, call)


@router.post("/subjects/{subject_id}/follow-up")
def start_follow_up(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        version = parse_version(posted, errors)
        day = parse_date(posted, "fu_date", errors, required=True)
        if errors or day is None:
            return None
        view = service.start_follow_up(actor, subject_id, follow_up_date=day, version=version)
        return f"Follow-up started on {day_text(view.follow_up_date)}"

    return _act(request, actor, service, subject_id, "fu", posted, call)


@router.post("/subjects/{subject_id}/off-study")
def take_off_study(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        version = parse_version(posted, errors)
        day = parse_date(posted, "offstudy_date", errors, required=True)
        reason = _reason(posted, "offstudy", errors)
        if errors or day is None or reason is None:
            return None
        view = service.take_off_study(
            actor, subject_id, off_study_date=day, reason=reason, version=version
        )
        return f"Off study on {day_text(view.off_study_date)} ({reason})"

    return _act(request, actor, service, subject_id, "offstudy", posted, call)


@router.post("/subjects/{subject_id}/baseline-scan")
def record_baseline_scan(
    request: Request, subject_id: int, actor: CurrentActor, service: ServiceDep, posted: PostedForm
) -> Response:
    def call(errors: FormErrors) -> str | None:
        version = parse_version(posted, errors)
        day = parse_date(posted, "bl_date", errors, required=True)
        if errors or day is None:
            return None
        view = service.record_baseline_scan(
            actor, subject_id, baseline_scan_date=day, version=version
        )
        return f"Baseline scan of {day_text(view.baseline_date)} recorded"

    return _act(request, actor, service, subject_id, "bl", posted, call)
