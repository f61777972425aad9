"""The REST API (``/api/v1``): one endpoint per service operation, JSON in and out.

Each endpoint parses its request (pydantic models in :mod:`api_models`), calls
one :class:`StudyService` method as the authenticated actor, and returns the
service's view. Role checks, versions, audit and every clinical rule are the
service's; errors are mapped to 4xx JSON by :mod:`trialkit.web.errors`.
Endpoints are plain ``def``: FastAPI runs them in its thread pool, so a slow
database call never blocks the event loop.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response

from trialkit.errors import AuthError, InputError, NotFound
from trialkit.protocol import load_protocol
from trialkit.safe_io import parse_json
from trialkit.services.study.views import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    AEView,
    AssessmentView,
    AuditReport,
    AuditView,
    DashboardView,
    DeviationView,
    DoseCheckView,
    DoseView,
    LabView,
    QueryView,
    ScreeningPageView,
    ScreeningView,
    SubjectView,
)
from trialkit.store.audit import Head
from trialkit.web import api_models as models
from trialkit.web.api_users import router as users_router
from trialkit.web.auth import CurrentActor, Service
from trialkit.web.auth import api_router as auth_router

Kind = Literal[
    "screening", "subject", "dose", "lab", "assessment", "adverse_event", "query", "deviation"
]
EditableKind = Literal["dose", "lab", "assessment", "adverse_event", "subject"]

MAX_BUNDLE = 20 * 1024 * 1024  # bytes; a FHIR Bundle of one patient is far smaller
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": models.ErrorBody, "description": text}
    for status, text in (
        (400, "Unusable input (names the field)"),
        (401, "Not authenticated, wrong credentials or account locked"),
        (403, "The role may not do this, or the CSRF token is missing"),
        (404, "No such record"),
        (409, "Stale version (someone changed the record) or duplicate"),
        (422, "Request does not match the schema, or the protocol refuses it (code: the rule)"),
    )
}

router = APIRouter(responses=ERRORS)
router.include_router(auth_router)
router.include_router(users_router)

# Ids beyond a 32-bit integer column cannot exist: refuse them as input, never as a DB error.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


# --- protocol ------------------------------------------------------------------------------


@router.get("/protocol", response_model=models.ProtocolInfo, tags=["protocol"])
def protocol_info(request: Request, actor: CurrentActor) -> models.ProtocolInfo:
    """The protocol in force: id, version, parameters with defaults, criteria texts."""
    protocol = load_protocol(request.app.state.protocol)
    return models.ProtocolInfo(
        id=protocol.id,
        version=protocol.version,
        title=protocol.title,
        parameters={
            name: {"default": p.default, "type": p.type, "unit": p.unit, "source": p.source}
            for name, p in protocol.parameters.items()
        },
        criteria=[{"id": c.id, "kind": c.kind, "text": c.text} for c in protocol.criteria],
    )


@router.get("/protocol/questionnaire", tags=["protocol"])
def questionnaire(request: Request, actor: CurrentActor) -> dict[str, Any]:
    """The screening CRF as a FHIR R4 Questionnaire (linkIds are the CRF answer keys)."""
    return load_protocol(request.app.state.protocol).questionnaire


# --- screening log -------------------------------------------------------------------------


@router.get("/screenings", response_model=ScreeningPageView, tags=["screening"])
def list_screenings(
    service: Service,
    actor: CurrentActor,
    page: Annotated[int, Query(ge=1, le=2**31 - 1, description="1-based page number")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description="screenings per page")
    ] = DEFAULT_PER_PAGE,
) -> ScreeningPageView:
    """The screening log, newest first, one page at a time: light rows without the verdict,
    CRF or bundle (``GET /screenings/{id}`` has everything). A page past the end is empty."""
    return service.list_screenings(actor, page=page, per_page=per_page)


@router.post("/screenings", response_model=ScreeningView, status_code=201, tags=["screening"])
def screen(body: models.ScreeningCreate, service: Service, actor: CurrentActor) -> ScreeningView:
    """Screen a patient (FHIR Bundle and/or CRF answers as JSON) and log the verdict."""
    bundle = json.dumps(body.bundle).encode() if body.bundle is not None else None
    return service.screen(
        actor,
        bundle=bundle,
        crf=body.crf,
        as_of=body.as_of,
        first_dose=body.first_dose,
        screening_number=body.screening_id,
        overrides=body.overrides,
    )


@router.post(
    "/screenings/upload", response_model=ScreeningView, status_code=201, tags=["screening"]
)
def screen_upload(
    service: Service,
    actor: CurrentActor,
    bundle: Annotated[UploadFile | None, File(description="FHIR R4 Bundle JSON file")] = None,
    crf: Annotated[str | None, Form(description="CRF answers as a JSON object")] = None,
    as_of: Annotated[date | None, Form()] = None,
    first_dose: Annotated[date | None, Form()] = None,
    screening_id: Annotated[
        str | None,
        Form(
            min_length=1,
            max_length=32,
            pattern=models.NO_NUL,
            description="The screening number (default: the next one)",
        ),
    ] = None,
) -> ScreeningView:
    """Screen from a multipart upload (a Bundle file and/or CRF answers as JSON text)."""
    data = bundle.file.read(MAX_BUNDLE + 1) if bundle is not None else None
    if data is not None and len(data) > MAX_BUNDLE:
        raise InputError(f"bundle larger than {MAX_BUNDLE} bytes", field="bundle")
    return service.screen(
        actor,
        bundle=data or None,
        crf=_json_object(crf, "crf") if crf else None,
        as_of=as_of,
        first_dose=first_dose,
        screening_number=screening_id,
    )


@router.get("/screenings/{screening_record_id}", response_model=ScreeningView, tags=["screening"])
def get_screening(screening_record_id: Id, service: Service, actor: CurrentActor) -> ScreeningView:
    return service.get_screening(actor, screening_record_id)


@router.get(
    "/screenings/{screening_record_id}/bundle",
    tags=["screening"],
    responses={200: {"content": {"application/fhir+json": {}}}},
)
def get_screening_bundle(
    screening_record_id: Id, service: Service, actor: CurrentActor
) -> Response:
    """The uploaded FHIR Bundle as stored (404 if the screening had none)."""
    data = service.screening_bundle(actor, screening_record_id)
    if data is None:
        raise NotFound(f"screening {screening_record_id} has no uploaded bundle")
    return Response(data, media_type="application/fhir+json")


@router.patch(
    "/screenings/{screening_record_id}/crf", response_model=ScreeningView, tags=["screening"]
)
def update_crf(
    screening_record_id: Id, body: models.CrfUpdate, service: Service, actor: CurrentActor
) -> ScreeningView:
    """Change CRF answers (version + reason) and re-screen; clears an earlier signature."""
    return service.update_crf(
        actor, screening_record_id, body.answers, version=body.version, reason=body.reason
    )


@router.post(
    "/screenings/{screening_record_id}/sign", response_model=ScreeningView, tags=["screening"]
)
def sign(
    request: Request,
    screening_record_id: Id,
    body: models.SignRequest,
    service: Service,
    actor: CurrentActor,
) -> ScreeningView:
    """Investigator's electronic signature of eligibility (password re-entered, meaning)."""
    judgments = {str(k): v for k, v in body.judgments.items()} if body.judgments else None
    try:
        return service.sign_eligibility(
            actor,
            screening_record_id,
            password=body.password,
            meaning=body.meaning,
            version=body.version,
            judgments=judgments,
            waive=body.waive,
            waiver_reason=body.waiver_reason,
        )
    except AuthError:
        # a wrong signing password counts toward lockout: drop cached Basic successes
        request.app.state.basic_cache.clear()
        raise


@router.post(
    "/screenings/{screening_record_id}/outcome", response_model=ScreeningView, tags=["screening"]
)
def record_outcome(
    screening_record_id: Id, body: models.OutcomeRequest, service: Service, actor: CurrentActor
) -> ScreeningView:
    """Close a screening without enrolment (screen failed, withdrawn, not enrolled)."""
    return service.record_outcome(
        actor, screening_record_id, outcome=body.outcome, reason=body.reason, version=body.version
    )


@router.post(
    "/screenings/{screening_record_id}/enrol",
    response_model=SubjectView,
    status_code=201,
    tags=["screening"],
)
def enrol(
    screening_record_id: Id, body: models.EnrolRequest, service: Service, actor: CurrentActor
) -> SubjectView:
    """Enrol a signed, eligible screening as a subject."""
    return service.enrol(
        actor,
        screening_record_id,
        version=body.version,
        subject_number=body.subject_id,
        weight_kg=body.weight_kg,
        first_dose=body.first_dose,
        baseline_scan_date=body.baseline_scan_date,
    )


# --- subjects ------------------------------------------------------------------------------


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


# --- edits and deletions of any record -----------------------------------------------------


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


# --- queries -------------------------------------------------------------------------------


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


# --- export, audit, dashboard --------------------------------------------------------------


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


# --- helpers -------------------------------------------------------------------------------


def _json_object(text: str, field: str) -> dict[str, Any]:
    value = parse_json(text, field=field)
    if not isinstance(value, dict):
        raise InputError("expected a JSON object", field=field)
    return value


def _plain(view: Any) -> dict[str, Any]:
    to_json = getattr(view, "to_json", None)
    if callable(to_json):
        result: dict[str, Any] = to_json()
        return result
    raise TypeError(f"not a view: {type(view).__name__}")
