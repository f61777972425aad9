"""Typed study records (one class per CSV table of docs/analysis.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Subject:
    subject_id: str
    sex: str
    age: int
    enrolled: date
    first_dose: date | None  # None: enrolled, never treated
    primary_site: str = ""
    ecog: int | None = None
    death_date: date | None = None
    last_contact: date | None = None
    off_study_reason: str = ""
    screening_id: str = ""  # the screening (screening.csv screening_id) the subject came from
    # the conduct stages after dosing (trialkit.conduct.state): treatment ended early (a date
    # and reason; empty when every cycle was given or still on treatment), follow-up started,
    # off study (the reason is off_study_reason)
    treatment_end_date: date | None = None
    treatment_end_reason: str = ""
    follow_up_date: date | None = None
    off_study_date: date | None = None
    # the protocol's baseline characteristics (its ``baseline: columns:``, e.g. a tumour grade):
    # (subjects.csv column, value: a number or a choice), the recorded ones only
    baseline: tuple[tuple[str, float | str], ...] = ()

    def value_of(self, column: str) -> float | str | None:
        """A baseline characteristic by its subjects.csv column, the engine's or the protocol's
        (None: not recorded)."""
        if column in ("sex", "age", "primary_site", "ecog"):
            value: float | str | None = getattr(self, column)
            return None if value == "" else value
        return dict(self.baseline).get(column)


@dataclass(frozen=True)
class Dose:
    subject_id: str
    cycle: int
    date: date
    activity_gbq: float
    reduced: bool = False
    delay_days: int = 0


@dataclass(frozen=True)
class LesionMeasurement:
    subject_id: str
    date: date
    lesion_id: str
    target: bool
    organ: str
    is_node: bool
    diameter_mm: float | None
    status: str | None
    method: str | None = None
    slice_mm: float | None = None
    baseline: bool = False  # the baseline scan (column visit = baseline)


@dataclass(frozen=True)
class AssessmentRow:
    subject_id: str
    date: date
    new_lesions: str


@dataclass(frozen=True)
class AdverseEvent:
    subject_id: str
    term: str
    grade: int
    onset: date
    resolved: date | None = None
    serious: bool = False
    related: bool | None = None  # None: causality not assessed (exported as an empty cell)


@dataclass(frozen=True)
class LabRow:
    subject_id: str
    date: date
    ctcae_term: str  # the CTCAE term the result is graded under (e.g. anemia for haemoglobin)
    value: float
    unit: str
    uln: float | None = None
    lln: float | None = None
    loinc: str = ""  # the analyte: its LOINC code (one the CTCAE term grades) …
    analyte_name: str = ""  # … and its name (e.g. Hemoglobin)


@dataclass(frozen=True)
class Therapy:
    subject_id: str
    date: date
    therapy: str


@dataclass(frozen=True)
class ScreeningRow:
    """One screening of the log; weight and height as the screening record holds them
    (value, unit as recorded, date), the source of SDTM VS."""

    screening_id: str  # the screening number
    patient_id: str  # the source record's patient id
    status: str  # eligible / ineligible / incomplete
    reason: str  # first blocking criterion, or what is missing
    as_of: date | None = None  # the screening's date (the result contract's as_of)
    weight: float | None = None
    weight_unit: str = ""
    weight_date: date | None = None
    height: float | None = None
    height_unit: str = ""
    height_date: date | None = None


@dataclass(frozen=True)
class DeviationRow:
    """A protocol deviation taken on purpose (waiver, override) — docs/study-conduct.md."""

    subject_id: str  # the subject number; empty before enrolment (then screening_id says who)
    date: date  # the clinical date (sign-off day, dose date)
    category: str  # eligibility / dosing_window / dose_activity / assessment
    rule: str  # the rule overridden, e.g. eligibility_waiver, dose_check_withhold
    criterion: str  # eligibility: the criterion waived; else empty
    description: str  # what the protocol said
    reason: str  # the investigator's reason
    recorded_by: str
    screening_id: str = ""  # the screening the deviation belongs to (eligibility waivers)


@dataclass(frozen=True)
class Study:
    protocol_id: str
    subjects: tuple[Subject, ...]
    doses: tuple[Dose, ...] = ()
    lesions: tuple[LesionMeasurement, ...] = ()
    assessments: tuple[AssessmentRow, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    labs: tuple[LabRow, ...] = ()
    therapies: tuple[Therapy, ...] = ()
    screening: tuple[ScreeningRow, ...] = ()
    source: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    deviations: tuple[DeviationRow, ...] = ()
