"""``/api/v1`` protocol and screening log: the protocol in force, its Questionnaire, screenings
(JSON or an uploaded FHIR Bundle), the CRF, sign-off, outcome and enrolment.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from trialkit.errors import AuthError, InputError, NotFound
from trialkit.protocol import load_protocol
from trialkit.safe_io import parse_json
from trialkit.services.study.views import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    ScreeningPageView,
    ScreeningView,
    SubjectView,
)
from trialkit.web import api_models as models
from trialkit.web.api_models import Id
from trialkit.web.auth import CurrentActor, Service

router = APIRouter()


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


MAX_BUNDLE = 20 * 1024 * 1024  # bytes; a FHIR Bundle of one patient is far smaller


def _json_object(text: str, field: str) -> dict[str, Any]:
    value = parse_json(text, field=field)
    if not isinstance(value, dict):
        raise InputError("expected a JSON object", field=field)
    return value
