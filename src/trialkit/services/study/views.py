"""What the study service returns: frozen records of plain JSON-able values.

Dates are ISO strings (``YYYY-MM-DD``), timestamps ISO 8601 in UTC, so the web
layer can serialise a view with ``dataclasses.asdict`` and nothing else. Every
record that can be edited carries its ``version``: pass it back to edit or
delete, a stale one gives :class:`trialkit.errors.Conflict` (HTTP 409).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# ok, events, records, problems (the first names the broken event seq or record "kind id")
from trialkit.store.audit import AuditReport as AuditReport

# Record kinds that update_record / delete_record / audit_trail / raise_query accept.
RecordKind = Literal[
    "screening", "subject", "dose", "lab", "assessment", "adverse_event", "query", "deviation"
]
RECORD_KINDS: tuple[str, ...] = (
    "screening",
    "subject",
    "dose",
    "lab",
    "assessment",
    "adverse_event",
    "query",
    "deviation",
)
# Screening outcome: pending until enrolled or a reason is recorded.
Outcome = Literal["pending", "enrolled", "screen_failed", "withdrawn", "not_enrolled"]
OUTCOMES: tuple[str, ...] = ("pending", "enrolled", "screen_failed", "withdrawn", "not_enrolled")
# AE causality (investigator only): the usual five-point WHO-UMC-like scale.
CAUSALITY: tuple[str, ...] = ("unrelated", "unlikely", "possible", "probable", "definite")
# the causality answers that say the event is related to the study drug
RELATED: tuple[str, ...] = ("possible", "probable", "definite")
# Meanings an investigator may attach to the eligibility signature (21 CFR 11.50).
SIGNATURE_MEANINGS: tuple[str, ...] = (
    "I confirm the patient is eligible",
    "I confirm the patient is not eligible",
    "I have reviewed the eligibility checklist",
)


class _View:
    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class UserView(_View):
    id: int
    username: str
    role: str
    active: bool
    failed_logins: int
    locked_until: str | None  # UTC timestamp while locked out
    created_at: str
    full_name: str = ""  # the printed name shown with the user's signatures ("" = not set)
    status: str = "enabled"  # enabled / disabled / locked (locked: until locked_until)
    last_login: str | None = None  # UTC time of the last successful sign-in (audit trail)


@dataclass(frozen=True)
class SignatureView(_View):
    id: int
    user_id: int
    username: str  # the signer's login name
    role: str
    meaning: str
    signed_at: str  # UTC
    status_signed: str  # the verdict status the signer saw: eligible / ineligible / incomplete
    judgments: dict[str, bool]  # judgement criterion → the investigator's answer (True = met)
    confirms_eligibility: bool = False  # the meaning is the sign-off that allows enrolment
    waived: list[str] = field(default_factory=list)  # criteria waived at this sign-off
    current: bool = True  # the signed hash (protocol, parameters, input data, verdict) matches
    validity: str = "valid"  # "valid" or "stale — data changed after signing"
    signer_name: str = ""  # the signer's full name when signing (21 CFR 11.50: printed name)
    # the signature in words: "Signed by Dr Jane Doe (jdoe), investigator, … UTC — meaning “…”"
    statement: str = ""


@dataclass(frozen=True)
class DeviationView(_View):
    """A protocol deviation, as the monitor reads it: taken on purpose (waiver, override), or
    derived from the data (a missed or late assessment: ``derived``, no id)."""

    id: int | None  # None: derived, not a stored record
    category: str  # eligibility / dosing_window / dose_activity / assessment
    category_label: str
    rule: str  # the rule overridden (machine-readable)
    criterion: str | None  # eligibility: the criterion waived
    description: str  # what the protocol said, and what was done instead
    reason: str  # the investigator's reason
    screening_record_id: int | None  # internal key of the screening (API paths)
    screening_id: str | None  # the screening number
    subject_record_id: int | None  # internal key of the subject (API paths)
    subject_id: str | None  # the study subject number
    record_kind: str  # signature / dose / assessment / subject …
    record_id: int | None
    deviation_date: str  # the clinical date (sign-off day, dose date, scan date)
    recorded_by: str
    role: str
    recorded_at: str  # UTC (derived: when the log was computed)
    derived: bool = False  # computed from the schedule and the data, not recorded by a user


@dataclass(frozen=True)
class PatientScreeningView(_View):
    """Another screening of the same patient (same source patient id): the page warns."""

    id: int
    screening_id: str  # the screening number (S-0001)
    as_of: str
    status: str
    outcome: str


@dataclass(frozen=True)
class ScreeningView(_View):
    id: int
    version: int
    screening_id: str  # the screening number (S-0001)
    patient_id: str
    status: str  # eligible / ineligible / incomplete (the engine's overall status)
    outcome: str  # one of OUTCOMES
    outcome_reason: str
    as_of: str
    first_dose: str | None
    protocol_id: str
    protocol_version: str
    parameters: dict[str, Any]  # {"in_force": {...}, "overridden": {...}} as in the contract JSON
    verdict: dict[str, Any]  # the contract §3 PatientResult JSON (criteria with evidence)
    blocking: list[str]  # ids of criteria that make the patient ineligible
    unknown: list[str]  # ids of criteria still unknown
    crf: dict[str, Any]  # CRF answers entered here: linkId → value; "lesion" → list of dicts
    has_bundle: bool
    signature: SignatureView | None  # the latest valid signature (cleared when data change)
    subject_record_id: int | None  # internal key of the subject once enrolled (API paths)
    subject_id: str | None  # the study subject number once enrolled
    created_at: str
    created_by: str
    updated_at: str
    deviations: list[DeviationView] = field(default_factory=list)
    patient_name: str | None = None  # Patient.name of the uploaded record (None: not recorded)
    mrn: str | None = None  # Patient.identifier of type MR (None: not recorded)
    # the patient's other screenings in this study, oldest first (a second screening warns)
    other_screenings: list[PatientScreeningView] = field(default_factory=list)


@dataclass(frozen=True)
class ScreeningSummaryView(_View):
    """One line of the screening log: what the list shows, without verdict, CRF or bundle
    (those are in :class:`ScreeningView`, from ``get_screening``)."""

    id: int
    version: int
    screening_id: str  # the screening number (S-0001)
    patient_id: str
    status: str  # eligible / ineligible / incomplete (the engine's overall status)
    outcome: str  # one of OUTCOMES
    outcome_reason: str
    as_of: str
    first_dose: str | None
    protocol_id: str
    protocol_version: str
    blocking: list[str]  # ids of criteria that make the patient ineligible
    unknown: list[str]  # ids of criteria still unknown
    has_bundle: bool
    signed_by: str | None  # signer of the latest valid signature (None: not signed)
    signed_at: str | None
    subject_record_id: int | None  # internal key of the subject once enrolled (API paths)
    subject_id: str | None  # the study subject number once enrolled
    created_at: str
    created_by: str
    updated_at: str
    signer_name: str | None = None  # the signer's full name (None: not signed, or no name)
    patient_name: str | None = None  # Patient.name of the uploaded record (None: not recorded)
    mrn: str | None = None  # Patient.identifier of type MR (None: not recorded)


# Screening log pages: rows per page unless asked, and the most one request may ask for.
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class ScreeningPageView(_View):
    """One page of the screening log, newest first."""

    items: list[ScreeningSummaryView]
    page: int  # 1-based
    per_page: int
    total: int  # live screenings in the whole log
    pages: int  # number of pages (0 when the log is empty)


@dataclass(frozen=True)
class DoseView(_View):
    id: int
    version: int
    subject_record_id: int  # internal key of the subject (API paths)
    cycle: int
    dose_date: str
    activity_gbq: float
    calibration_time: str | None
    reduced: bool
    delay_days: int
    note: str


@dataclass(frozen=True)
class LabView(_View):
    id: int
    version: int
    subject_record_id: int  # internal key of the subject (API paths)
    analyte: str  # dosing lab key: hemoglobin, wbc, platelets, neutrophils, creatinine, alt, …
    analyte_name: str  # the analyte in words (CDISC LBTEST): Hemoglobin, Platelets, …
    loinc: str | None  # LOINC code of the analyte (718-7 for haemoglobin)
    value: float
    unit: str
    lab_date: str
    uln: float | None
    lln: float | None
    ctcae_term: str | None  # the CTCAE v5.0 term the analyte is graded under (anemia, …)
    ctcae_grade: int | None  # None when the grade needs a limit that was not given


@dataclass(frozen=True)
class LesionView(_View):
    lesion_id: str
    diameter_mm: float | None
    status: str | None  # too_small / absent / not_evaluated (target); present / … (non-target)


@dataclass(frozen=True)
class BaselineLesionView(_View):
    lesion_id: str
    organ: str
    is_node: bool
    target: bool
    diameter_mm: float | None
    method: str | None
    slice_mm: float | None


@dataclass(frozen=True)
class AssessmentView(_View):
    id: int
    version: int
    subject_record_id: int  # internal key of the subject (API paths)
    assessment_date: str
    new_lesions: str  # none / equivocal / unequivocal
    lesions: list[LesionView]
    # RECIST 1.1 time point (recist.evaluate over baseline + every assessment so far):
    # sum_mm, change_from_baseline_pct, change_from_nadir_pct, target, non_target, overall
    timepoint: dict[str, Any] | None


@dataclass(frozen=True)
class AEView(_View):
    id: int
    version: int
    subject_record_id: int  # internal key of the subject (API paths)
    term: str
    onset_date: str
    resolved_date: str | None
    grade: int | None
    grade_rule: str  # how the grade was obtained (CTCAE rule text, or "entered")
    lab_value: float | None
    lab_unit: str | None
    serious: bool
    causality: str | None  # one of CAUSALITY; set by an investigator only; None: not assessed
    description: str


@dataclass(frozen=True)
class QueryView(_View):
    id: int
    version: int
    kind: str
    record_id: int
    text: str
    status: str  # open / answered / closed
    raised_by: str
    raised_at: str
    answer: str | None
    answered_by: str | None


@dataclass(frozen=True)
class SubjectView(_View):
    id: int
    version: int
    subject_id: str  # the study subject number (001)
    screening_record_id: int  # internal key of the screening (API paths)
    screening_id: str  # the screening number
    patient_id: str
    sex: str | None
    age: int | None
    weight_kg: float | None
    enrolment_date: str
    first_dose: str | None
    status: str  # on_study / follow_up / off_study (the stage is ``stage``)
    off_study_reason: str
    plan: dict[str, Any] | None  # dosing.make_plan(...).to_json(): cycles with windows, imaging
    next_due: (
        dict[str, Any] | None
    )  # {"what": "cycle 2", "due_date": …, "earliest_date": …, "latest_date": …}
    doses: list[DoseView]
    labs: list[LabView]
    baseline_lesions: list[BaselineLesionView]
    baseline_date: str | None
    assessments: list[AssessmentView]
    recist: dict[str, Any] | None  # recist.evaluate(...).to_json(); None without a baseline
    adverse_events: list[AEView]
    queries: list[QueryView]
    signed_off: str = ""  # the eligibility signature of its screening, in words ("" = none)
    state: str = ""  # the conduct state in words: "cycle 2 due", "off treatment (…)", …
    stage: str = ""  # trialkit.conduct.Stage: enrolled, cycle due, off treatment, follow-up, …
    treatment_end_date: str | None = None  # treatment ended early (None: not, or all given)
    treatment_end_reason: str = ""
    follow_up_date: str | None = None
    off_study_date: str | None = None
    deviations: list[DeviationView] = field(default_factory=list)


@dataclass(frozen=True)
class DoseCheckView(_View):
    subject_record_id: int  # internal key of the subject (API paths)
    cycle: int
    check_date: str
    decision: dict[str, Any]  # dosing.check_dose(...).to_json(): decision, activity, findings
    labs_from_date: str = ""  # the earliest lab date the check could use
    # labs on or before this date (the last dose) are not used
    previous_dose_date: str | None = None
    labs_ignored: int = 0  # stored labs left out because they predate the previous dose


@dataclass(frozen=True)
class AuditView(_View):
    seq: int
    at: str
    username: str
    role: str
    action: str  # create / update / delete / sign / login / login_failed / enrol / …
    kind: str
    record_id: int | None
    changes: dict[str, Any]  # field (the view's name: dose_date, …) → [old, new]
    reason: str
    prev_hash: str
    hash: str
    # the record in words, as its own page names it ("Subject 003 · lab result Hemoglobin
    # 19 Nov 2026"), from its audited values (a deleted record keeps its name); "" for none
    record_label: str = ""
    record_page: str | None = None  # the web page the record is read on


@dataclass(frozen=True)
class DashboardView(_View):
    funnel: dict[str, int]  # screened, eligible, ineligible, incomplete, signed, enrolled, dosed
    enrolment: list[dict[str, Any]]  # [{"enrolment_date": ..., "enrolled": cumulative}]
    waterfall: list[dict[str, Any]]  # [{"subject": ..., "best_change_pct": ..., "response": ...}]
    km: list[dict[str, Any]]  # PFS Kaplan–Meier steps [{"months": t, "survival": s}]
    notes: list[str] = field(default_factory=list)
    deviations: dict[str, int] = field(default_factory=dict)  # category → number recorded
