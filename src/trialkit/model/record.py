"""One patient's facts as the eligibility engine reads them, independent of the source format.

Adapters (FHIR bundle, Bulk FHIR NDJSON, OMOP) produce these records; the
engine never sees source JSON. Every fact keeps ``source`` (e.g.
``"Observation/123"``) so that every verdict can name the data it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from trialkit.model.codes import Code
from trialkit.model.time import DateSpan


@dataclass(frozen=True)
class DataWarning:
    """A bad value inside a usable record: reported, never used to decide anything."""

    source: str  # file, or file + resource, e.g. "bundle.json Observation/17"
    field: str  # e.g. "effectiveDateTime"
    message: str

    def __str__(self) -> str:
        return f"{self.source} {self.field}: {self.message}"


@dataclass(frozen=True)
class Measurement:
    """An Observation (lab, vital sign, score, qualitative test)."""

    source: str
    codes: tuple[Code, ...]
    time: DateSpan | None
    status: str  # FHIR Observation.status as recorded
    value: Decimal | None = None  # valueQuantity.value / valueInteger
    unit: str | None = None  # UCUM code when coded in UCUM, else the unit text as recorded
    value_codes: tuple[Code, ...] = ()  # valueCodeableConcept codings
    value_text: str | None = None  # valueString / valueCodeableConcept.text
    value_bool: bool | None = None
    interpretation: tuple[Code, ...] = ()
    ref_low: Decimal | None = None
    ref_high: Decimal | None = None
    ref_unit: str | None = None
    data_absent: bool = False  # dataAbsentReason present


@dataclass(frozen=True)
class ConditionFact:
    source: str
    codes: tuple[Code, ...]
    clinical_status: str | None  # active / recurrence / relapse / inactive / remission / resolved
    verification_status: str | None  # confirmed / provisional / refuted / entered-in-error / ...
    onset: DateSpan | None
    abatement: DateSpan | None
    recorded: DateSpan | None = None
    text: str | None = None


@dataclass(frozen=True)
class MedicationFact:
    """MedicationRequest / MedicationStatement / MedicationAdministration / MedicationDispense."""

    source: str
    resource_type: str
    codes: tuple[Code, ...]  # the medication's codings, including a referenced Medication
    text: str  # every free text about the product (code text, Medication text, form), joined
    status: str | None
    start: DateSpan | None
    end: DateSpan | None
    route_codes: tuple[Code, ...] = ()
    route_text: str | None = None
    interval_days: Decimal | None = None  # from dosage timing repeat period, when given
    doses_per_day: Decimal | None = None  # from dosage timing repeat frequency/period


@dataclass(frozen=True)
class ProcedureFact:
    source: str
    codes: tuple[Code, ...]
    status: str | None
    time: DateSpan | None
    category_codes: tuple[Code, ...] = ()
    text: str | None = None


@dataclass(frozen=True)
class AllergyFact:
    source: str
    codes: tuple[Code, ...]
    text: str | None
    clinical_status: str | None
    verification_status: str | None


@dataclass(frozen=True)
class ConsentFact:
    source: str
    status: str | None
    scope_codes: tuple[Code, ...]
    category_codes: tuple[Code, ...]
    time: DateSpan | None
    # Identifiers of the research studies the consent is to (FHIR extension
    # consent-ResearchStudyContext, a logical reference: identifier system + value).
    study_codes: tuple[Code, ...] = ()


CrfValue = bool | int | Decimal | date | str | Code


@dataclass(frozen=True)
class CrfAnswer:
    """One answer of the screening CRF (a QuestionnaireResponse item)."""

    link_id: str
    value: CrfValue
    source: str  # "QuestionnaireResponse/<id>"
    authored: DateSpan | None
    value_type: str  # the FHIR answer[x] it came from, e.g. "valueDecimal"


@dataclass(frozen=True)
class Crf:
    """The screening CRF after merging every QuestionnaireResponse (latest ``authored`` wins).

    ``answers`` maps a linkId to its answer (first answer of the item);
    ``lesions`` holds one mapping per repeating ``lesion`` group, taken whole
    from the latest response that has any lesion group.
    """

    answers: dict[str, CrfAnswer] = field(default_factory=dict)
    lesions: tuple[dict[str, CrfAnswer], ...] = ()

    def get(self, link_id: str) -> CrfAnswer | None:
        return self.answers.get(link_id)


@dataclass(frozen=True)
class PatientRecord:
    """Everything known about one patient at screening."""

    patient_id: str
    source_file: str
    birth_date: DateSpan | None
    sex: str | None  # FHIR administrative gender: male / female / other / unknown
    measurements: tuple[Measurement, ...] = ()
    conditions: tuple[ConditionFact, ...] = ()
    medications: tuple[MedicationFact, ...] = ()
    procedures: tuple[ProcedureFact, ...] = ()
    allergies: tuple[AllergyFact, ...] = ()
    consents: tuple[ConsentFact, ...] = ()
    crf: Crf = field(default_factory=Crf)
    warnings: tuple[DataWarning, ...] = ()
    name: str | None = None  # Patient.name, for people to recognise the patient
    mrn: str | None = None  # Patient.identifier of type MR (medical record number)
