"""Request bodies and small responses of the REST API (the views are the service's own).

Field limits are generous for real use and bound what a client can make the
server hold; every constraint shows up in ``/openapi.json``, which is what
API clients and the schemathesis fuzz test read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

# Ids beyond a 32-bit integer column cannot exist: refuse them as input, never as a DB error.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]

# PostgreSQL text cannot hold NUL characters (SQLite can): refuse them at the edge, for both.
NO_NUL = r"^[^\x00]*$"


class ErrorDetail(BaseModel):
    code: str = Field(
        description="Machine-readable: unauthenticated, forbidden, conflict, …; a protocol "
        "refusal (422) names its rule: eligibility_not_established, dose_check_withhold, …"
    )
    message: str
    field: str | None = Field(default=None, description="The input field at fault, if known.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScreeningCreate(_Body):
    bundle: dict[str, Any] | None = Field(
        default=None, description="A FHIR R4 Bundle of one patient (JSON object)."
    )
    crf: dict[str, Any] | None = Field(
        default=None,
        description="Screening CRF answers: linkId → value (``lesion`` → list of groups), "
        "or a FHIR QuestionnaireResponse. Wins over a CRF inside the bundle.",
    )
    as_of: date | None = Field(default=None, description="Screening date (default today, UTC).")
    first_dose: date | None = None
    screening_id: str | None = Field(
        pattern=NO_NUL,
        default=None,
        min_length=1,
        max_length=32,
        description="The screening number (default: the next one, S-0001…).",
    )
    overrides: dict[str, str] | None = Field(
        default=None, description="Protocol parameter overrides: name → value."
    )


class CrfUpdate(_Body):
    answers: dict[str, Any] = Field(description="linkId → value; null removes an answer.")
    version: int = Field(ge=1, description="The screening version read.")
    reason: str = Field(
        pattern=NO_NUL, min_length=1, max_length=2000, description="Reason for change (audited)."
    )


class SignRequest(_Body):
    password: str = Field(
        pattern=NO_NUL, min_length=1, max_length=1000, description="Re-entered password."
    )
    meaning: str = Field(
        pattern=NO_NUL, min_length=1, max_length=500, description="Meaning of the signature."
    )
    version: int = Field(ge=1)
    judgments: (
        dict[Annotated[str, Field(pattern=NO_NUL, min_length=1, max_length=32)], bool] | None
    ) = Field(
        default=None,
        max_length=100,
        description="The protocol's judgement criteria (its attestation criteria, by id), "
        "True = the exclusion applies; any other id is refused (422, naming the known ones).",
    )
    waive: list[Annotated[str, Field(pattern=NO_NUL, min_length=1, max_length=32)]] = Field(
        default_factory=list,
        max_length=100,
        description="Criterion ids the investigator waives at an eligible sign-off of a verdict "
        "that is not eligible (each becomes an eligibility deviation); all open ones needed.",
    )
    waiver_reason: str = Field(
        pattern=NO_NUL, default="", max_length=2000, description="Why the criteria are waived."
    )


class OutcomeRequest(_Body):
    outcome: Literal["screen_failed", "withdrawn", "not_enrolled"]
    reason: str = Field(pattern=NO_NUL, min_length=1, max_length=2000)
    version: int = Field(ge=1)


class TreatmentEndRequest(_Body):
    treatment_end_date: date
    reason: str = Field(pattern=NO_NUL, min_length=1, max_length=2000)
    version: int = Field(ge=1)


class FollowUpRequest(_Body):
    follow_up_date: date
    version: int = Field(ge=1)


class OffStudyRequest(_Body):
    off_study_date: date
    reason: str = Field(pattern=NO_NUL, min_length=1, max_length=2000)
    version: int = Field(ge=1)


class EnrolRequest(_Body):
    version: int = Field(ge=1)
    subject_id: str | None = Field(
        pattern=NO_NUL,
        default=None,
        min_length=1,
        max_length=32,
        description="The study subject number (default: the next one).",
    )
    weight_kg: float | None = Field(default=None, gt=0, le=500)
    first_dose: date | None = None
    baseline_scan_date: date | None = Field(
        default=None,
        description="The date of the baseline scan the CRF's lesions were measured on "
        "(without it no baseline scan is recorded).",
    )


class BaselineScanRequest(_Body):
    baseline_scan_date: date
    version: int = Field(ge=1)


class DoseCreate(_Body):
    cycle: int = Field(ge=1, le=20, description="The cycle (1 to the regimen's cycles).")
    dose_date: date
    activity_gbq: float = Field(gt=0, le=20)
    calibration_time: datetime | None = None
    note: str = Field(pattern=NO_NUL, default="", max_length=2000)
    deviation_reason: str = Field(
        pattern=NO_NUL,
        default="",
        max_length=2000,
        description="Investigator only: give a dose the protocol refuses (outside its window, "
        "against the dose check) as a recorded protocol deviation with this reason.",
    )


class LabCreate(_Body):
    analyte: str = Field(
        pattern=NO_NUL,
        min_length=1,
        max_length=32,
        description="Pre-dose lab key: one of the labs the protocol's regimen declares "
        "(regimen.yaml labs:; docs/dosing.md).",
    )
    value: float = Field(ge=0, le=1e9)
    unit: str = Field(
        pattern=NO_NUL, min_length=1, max_length=32, description="UCUM unit as recorded."
    )
    lab_date: date
    uln: float | None = Field(default=None, gt=0, le=1e9)
    lln: float | None = Field(default=None, ge=0, le=1e9)


class LesionMeasurement(_Body):
    id: str = Field(
        pattern=NO_NUL, min_length=1, max_length=32, description="Baseline lesion id (CRF)."
    )
    diameter_mm: float | None = Field(default=None, ge=0, le=1000)
    status: str | None = Field(pattern=NO_NUL, default=None, max_length=32)


class AssessmentCreate(_Body):
    assessment_date: date
    lesions: list[LesionMeasurement] = Field(max_length=100)
    new_lesions: Literal["none", "equivocal", "unequivocal"] = "none"


class AECreate(_Body):
    term: str = Field(pattern=NO_NUL, min_length=1, max_length=128)
    onset_date: date
    grade: int | None = Field(default=None, ge=1, le=5)
    lab_value: float | None = Field(default=None, ge=0, le=1e9)
    lab_unit: str | None = Field(pattern=NO_NUL, default=None, min_length=1, max_length=32)
    uln: float | None = Field(default=None, gt=0, le=1e9)
    lln: float | None = Field(default=None, ge=0, le=1e9)
    causality: Literal["unrelated", "unlikely", "possible", "probable", "definite"] | None = Field(
        default=None, description="Investigator only; null: not assessed (never 'unrelated')."
    )
    serious: bool = False
    resolved_date: date | None = None
    description: str = Field(pattern=NO_NUL, default="", max_length=5000)


class RecordUpdate(_Body):
    changes: dict[str, Any] = Field(min_length=1, description="field → new value.")
    version: int = Field(ge=1)
    reason: str = Field(pattern=NO_NUL, min_length=1, max_length=2000)


class QueryCreate(_Body):
    kind: Literal["screening", "subject", "dose", "lab", "assessment", "adverse_event"]
    record_id: int = Field(ge=1)
    text: str = Field(pattern=NO_NUL, min_length=1, max_length=5000)


class QueryAnswer(_Body):
    answer: str = Field(pattern=NO_NUL, min_length=1, max_length=5000)
    version: int = Field(ge=1)


class QueryClose(_Body):
    version: int = Field(ge=1)


RoleName = Literal["coordinator", "investigator", "monitor", "statistician", "admin"]
Reason = Annotated[
    str,
    Field(pattern=NO_NUL, min_length=1, max_length=2000, description="Why (audited)."),
]


class UserCreate(_Body):
    username: str = Field(pattern=NO_NUL, min_length=1, max_length=64)
    password: str = Field(
        pattern=NO_NUL,
        min_length=1,
        max_length=1000,
        description="At least 12 characters, not the user name, not a common password.",
    )
    role: RoleName
    full_name: str = Field(
        default="",
        pattern=NO_NUL,
        max_length=128,
        description="The name in words shown with the user's signatures (needed to sign).",
    )


class AccountChange(_Body):
    reason: Reason


class RoleChange(_Body):
    role: RoleName
    reason: Reason


class PasswordReset(_Body):
    password: str = Field(
        pattern=NO_NUL,
        min_length=1,
        max_length=1000,
        description="At least 12 characters, not the user name, not a common password.",
    )
    reason: Reason


class NameChange(_Body):
    full_name: str = Field(pattern=NO_NUL, min_length=1, max_length=128)
    reason: Reason


class AuditHeadInfo(BaseModel):
    seq: int
    hash: str
    head: str = Field(description="SEQ:HASH, the form /audit/verify?head= takes")


class ProtocolInfo(BaseModel):
    id: str
    version: str
    title: str
    parameters: dict[str, Any]
    criteria: list[dict[str, str]]
