"""``/api/v1/subjects`` and ``/api/v1/records``: subjects, their conduct (baseline scan, end of
treatment, follow-up, off study), dose check and doses, labs, assessments, adverse events;
edits and deletions of any record.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from trialkit.services.study.views import (
    AEView,
    AssessmentView,
    DoseCheckView,
    DoseView,
    LabView,
    SubjectView,
)
from trialkit.web import api_models as models
from trialkit.web.api_models import Id
from trialkit.web.auth import CurrentActor, Service

router = APIRouter()


@router.get("/subjects", response_model=list[SubjectView], tags=["subjects"])
def list_subjects(service: Service, actor: CurrentActor) -> list[SubjectView]:
    return service.list_subjects(actor)


@router.get("/subjects/{subject_record_id}", response_model=SubjectView, tags=["subjects"])
def get_subject(subject_record_id: Id, service: Service, actor: CurrentActor) -> SubjectView:
    """Calendar, doses, labs, assessments with RECIST response, AEs, queries."""
    return service.get_subject(actor, subject_record_id)


@router.get(
    "/subjects/{subject_record_id}/dose-check", response_model=DoseCheckView, tags=["subjects"]
)
def dose_check(
    subject_record_id: Id,
    service: Service,
    actor: CurrentActor,
    cycle: Annotated[int, Query(ge=1, le=20, description="1 to the regimen's cycles")],
    check_date: Annotated[
        date | None, Query(description="The dose date (default: the cycle's planned date)")
    ] = None,
) -> DoseCheckView:
    """The pre-cycle dose check as of the dose date, over the labs dated after the previous
    cycle's dose (``labs_from_date``, ``previous_dose_date``, ``labs_ignored`` say which)."""
    return service.dose_check(actor, subject_record_id, cycle, check_date=check_date)


@router.post(
    "/subjects/{subject_record_id}/baseline-scan", response_model=SubjectView, tags=["subjects"]
)
def record_baseline_scan(
    subject_record_id: Id, body: models.BaselineScanRequest, service: Service, actor: CurrentActor
) -> SubjectView:
    """Date the baseline scan of the screening CRF's lesions (when enrolment had none)."""
    return service.record_baseline_scan(
        actor, subject_record_id, baseline_scan_date=body.baseline_scan_date, version=body.version
    )


@router.post(
    "/subjects/{subject_record_id}/end-treatment", response_model=SubjectView, tags=["subjects"]
)
def end_treatment(
    subject_record_id: Id, body: models.TreatmentEndRequest, service: Service, actor: CurrentActor
) -> SubjectView:
    """End the treatment early, dated, with the reason (422 ``not_on_treatment`` otherwise)."""
    return service.end_treatment(
        actor,
        subject_record_id,
        treatment_end_date=body.treatment_end_date,
        reason=body.reason,
        version=body.version,
    )


@router.post(
    "/subjects/{subject_record_id}/follow-up", response_model=SubjectView, tags=["subjects"]
)
def start_follow_up(
    subject_record_id: Id, body: models.FollowUpRequest, service: Service, actor: CurrentActor
) -> SubjectView:
    """Start follow-up once off treatment (422 ``not_off_treatment`` otherwise)."""
    return service.start_follow_up(
        actor, subject_record_id, follow_up_date=body.follow_up_date, version=body.version
    )


@router.post(
    "/subjects/{subject_record_id}/off-study", response_model=SubjectView, tags=["subjects"]
)
def take_off_study(
    subject_record_id: Id, body: models.OffStudyRequest, service: Service, actor: CurrentActor
) -> SubjectView:
    """Take the subject off study, dated, with the reason (the treatment ends with it)."""
    return service.take_off_study(
        actor,
        subject_record_id,
        off_study_date=body.off_study_date,
        reason=body.reason,
        version=body.version,
    )


@router.post(
    "/subjects/{subject_record_id}/doses",
    response_model=DoseView,
    status_code=201,
    tags=["subjects"],
)
def record_dose(
    subject_record_id: Id, body: models.DoseCreate, service: Service, actor: CurrentActor
) -> DoseView:
    return service.record_dose(
        actor,
        subject_record_id,
        cycle=body.cycle,
        dose_date=body.dose_date,
        activity_gbq=body.activity_gbq,
        calibration_time=body.calibration_time,
        note=body.note,
        deviation_reason=body.deviation_reason,
    )


@router.post(
    "/subjects/{subject_record_id}/labs", response_model=LabView, status_code=201, tags=["subjects"]
)
def record_lab(
    subject_record_id: Id, body: models.LabCreate, service: Service, actor: CurrentActor
) -> LabView:
    return service.record_lab(
        actor,
        subject_record_id,
        analyte=body.analyte,
        value=body.value,
        unit=body.unit,
        lab_date=body.lab_date,
        uln=body.uln,
        lln=body.lln,
    )


@router.post(
    "/subjects/{subject_record_id}/assessments",
    response_model=AssessmentView,
    status_code=201,
    tags=["subjects"],
)
def record_assessment(
    subject_record_id: Id, body: models.AssessmentCreate, service: Service, actor: CurrentActor
) -> AssessmentView:
    """A follow-up scan; the response carries the RECIST 1.1 time-point response."""
    return service.record_assessment(
        actor,
        subject_record_id,
        assessment_date=body.assessment_date,
        lesions=[lesion.model_dump() for lesion in body.lesions],
        new_lesions=body.new_lesions,
    )


@router.post(
    "/subjects/{subject_record_id}/adverse-events",
    response_model=AEView,
    status_code=201,
    tags=["subjects"],
)
def record_ae(
    subject_record_id: Id, body: models.AECreate, service: Service, actor: CurrentActor
) -> AEView:
    """An adverse event; a lab value with a CTCAE lab term is graded by CTCAE v5.0."""
    return service.record_ae(actor, subject_record_id, **body.model_dump())


EditableKind = Literal["dose", "lab", "assessment", "adverse_event", "subject"]


@router.patch("/records/{kind}/{record_id}", tags=["records"])
def update_record(
    kind: EditableKind,
    record_id: Id,
    body: models.RecordUpdate,
    service: Service,
    actor: CurrentActor,
) -> dict[str, Any]:
    """Edit fields of a record (version read + reason for change); returns its fresh view."""
    view = service.update_record(
        actor, kind, record_id, body.changes, version=body.version, reason=body.reason
    )
    return _plain(view)


@router.delete("/records/{kind}/{record_id}", status_code=204, tags=["records"])
def delete_record(
    kind: EditableKind,
    record_id: Id,
    service: Service,
    actor: CurrentActor,
    version: Annotated[int, Query(ge=1)],
    reason: Annotated[str, Query(min_length=1, max_length=2000, pattern=models.NO_NUL)],
) -> Response:
    """Soft delete (the record stays in the database and the audit trail)."""
    service.delete_record(actor, kind, record_id, version=version, reason=reason)
    return Response(status_code=204)


def _plain(view: Any) -> dict[str, Any]:
    to_json = getattr(view, "to_json", None)
    if callable(to_json):
        result: dict[str, Any] = to_json()
        return result
    raise TypeError(f"not a view: {type(view).__name__}")
