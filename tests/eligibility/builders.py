"""Build PatientRecords by hand for engine tests: every value here is typed in from the
data dictionary's codes, not produced by trialkit's own adapters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from trialkit.model.codes import ICD10CM, LOINC, SNOMED, V2_INTERPRETATION, Code
from trialkit.model.record import (
    ConditionFact,
    ConsentFact,
    Crf,
    CrfAnswer,
    Measurement,
    MedicationFact,
    PatientRecord,
)
from trialkit.model.time import DateSpan

AS_OF = date(2026, 11, 24)
FIRST_DOSE = date(2026, 12, 1)
QR = "QuestionnaireResponse/qr1"


def day(days_ago: int) -> DateSpan:
    return DateSpan.day(AS_OF - timedelta(days=days_ago))


def lab(
    loinc: str,
    value: float | int | None,
    unit: str | None,
    *,
    days_ago: int = 3,
    status: str = "final",
    ref_high: float | None = None,
    ref_unit: str | None = None,
    rid: str | None = None,
) -> Measurement:
    return Measurement(
        source=f"Observation/{rid or loinc + '-' + str(days_ago)}",
        codes=(Code(LOINC, loinc),),
        time=day(days_ago),
        status=status,
        value=None if value is None else Decimal(str(value)),
        unit=unit,
        ref_high=None if ref_high is None else Decimal(str(ref_high)),
        ref_unit=ref_unit,
    )


def qualitative(
    loinc: str, positive: bool, *, days_ago: int = 5, via: str = "value"
) -> Measurement:
    code = Code(SNOMED, "10828004" if positive else "260385009")
    interp = Code(V2_INTERPRETATION, "POS" if positive else "NEG")
    return Measurement(
        source=f"Observation/{loinc}-q{days_ago}",
        codes=(Code(LOINC, loinc),),
        time=day(days_ago),
        status="final",
        value_codes=(code,) if via == "value" else (),
        interpretation=(interp,) if via == "interpretation" else (),
    )


def answer(link: str, value: Any) -> CrfAnswer:
    kinds = {
        bool: "valueBoolean",
        int: "valueInteger",
        Decimal: "valueDecimal",
        date: "valueDate",
        str: "valueString",
        Code: "valueCoding",
    }
    if isinstance(value, float):
        value = Decimal(str(value))
    return CrfAnswer(link, value, QR, DateSpan.day(AS_OF), kinds[type(value)])


def choice(code: str) -> Code:
    return Code("urn:trialkit:codes:nct05894486", code)


def lesion(
    lid: str,
    diameter: float,
    *,
    node: bool = False,
    method: str = "CT",
    slice_mm: float | None = 5,
    target: bool = True,
    krenning: int | None = 3,
    irradiated: bool = False,
) -> dict[str, CrfAnswer]:
    items: dict[str, Any] = {
        "lesion-id": lid,
        "lesion-organ": "lymph node" if node else "liver",
        "lesion-is-node": node,
        "lesion-diameter-mm": diameter,
        "lesion-method": choice(method),
        "lesion-slice-mm": slice_mm,
        "lesion-previously-irradiated": irradiated,
        "lesion-target": target,
        "lesion-krenning": krenning,
    }
    return {k: answer(k, v) for k, v in items.items() if v is not None}


# Every item an eligible female patient of 55 brings; property tests drop subsets by name.
ELIGIBLE_LABS: dict[str, Measurement] = {
    "creatinine": lab("2160-0", 80, "umol/L"),
    "weight": lab("29463-7", 65, "kg"),
    "hemoglobin": lab("718-7", 130, "g/L"),
    "wbc": lab("6690-2", 6.0, "10*9/L"),
    "platelets": lab("777-3", 250, "10*9/L"),
    "bilirubin": lab("1975-2", 10, "umol/L"),
    "albumin": lab("1751-7", 40, "g/L"),
    "alt": lab("1742-6", 25, "U/L"),
    "ast": lab("1920-8", 25, "U/L"),
    "inr": lab("6301-6", 1.0, "{INR}"),
    "aptt": lab("3173-2", 30, "s"),
    "fasting_glucose": lab("1558-6", 5.5, "mmol/L"),
    "ecog_obs": lab("89247-1", 0, None),
    "ki67_obs": lab("29593-1", 15, "%", days_ago=40),
    "hbsag": qualitative("5196-1", False),
    "hcv": qualitative("13955-0", False),
    "hiv": qualitative("56888-1", False),
    "hcg": qualitative("2118-8", False),
}

ELIGIBLE_CRF: dict[str, Any] = {
    "consent-date": AS_OF - timedelta(days=4),
    "disease-extent": choice("metastatic"),
    "differentiation": choice("well"),
    "ki67-percent": 15.0,
    "central-pathology-confirmed": True,
    "advanced-disease-date": date(2026, 9, 1),
    "prior-systemic-therapy-current-stage": False,
    "ecog": 0,
    "childbearing-potential": False,
    "contraception-agreed": True,
    "pregnant": False,
    "lactating": False,
    "prior-prrt": False,
    "prior-local-therapy": False,
    "prior-systemic-therapy": False,
    "prior-toxicity-above-grade-1": False,
    "prior-bone-ebrt": False,
    "marrow-irradiated-percent": 0.0,
    "brain-metastases": choice("none"),
    "chf-uncontrolled": False,
    "diabetes-uncontrolled": False,
    "octreotide-short-interruptible": True,
    "octreotide-lar-interruptible": True,
    "other-malignancy": False,
    "hypersensitivity-study-drug": False,
    "contrast-contraindicated": False,
    "active-infection": False,
    "hbv-dna-positive-site": False,
    "prior-investigational-drug": False,
    "investigator-ex24": False,
    "investigator-ex25": False,
    "investigator-ex26": False,
}

GEP_NET = ConditionFact(
    "Condition/net",
    (Code(ICD10CM, "C7A.012", "Malignant carcinoid tumor of the ileum"),),
    "active",
    "confirmed",
    DateSpan.day(date(2025, 1, 10)),
    None,
)
LIVER_METS = ConditionFact(
    "Condition/mets",
    (Code(ICD10CM, "C7B.02", "Secondary carcinoid tumors of liver"),),
    "active",
    "confirmed",
    DateSpan.day(date(2026, 9, 1)),
    None,
)
CONSENT = ConsentFact(
    "Consent/c1",
    "active",
    (Code("http://terminology.hl7.org/CodeSystem/consentscope", "research"),),
    (),
    day(4),
    # consent to this study (consent-ResearchStudyContext; issue 12: any other is not)
    (Code("https://clinicaltrials.gov", "NCT05894486"),),
)

ELIGIBLE_OTHER = ("birth_date", "sex", "gep_net", "liver_mets", "consent", "lesions")


def record(
    *,
    drop: frozenset[str] | set[str] = frozenset(),
    labs: Mapping[str, Measurement | None] | None = None,
    crf: Mapping[str, Any] | None = None,
    extra_measurements: tuple[Measurement, ...] = (),
    conditions: tuple[ConditionFact, ...] = (),
    medications: tuple[MedicationFact, ...] = (),
    lesions: tuple[dict[str, CrfAnswer], ...] | None = None,
    birth: date = date(1971, 3, 10),
    sex: str = "female",
) -> PatientRecord:
    """The eligible patient, minus the items named in ``drop``, with ``labs``/``crf`` replaced
    (a value of None removes the item)."""
    lab_items = {**ELIGIBLE_LABS, **(labs or {})}
    crf_items = {**ELIGIBLE_CRF, **(crf or {})}
    measurements = (
        tuple(m for k, m in lab_items.items() if k not in drop and m is not None)
        + extra_measurements
    )
    answers = {k: answer(k, v) for k, v in crf_items.items() if k not in drop and v is not None}
    base_conditions = tuple(
        c for k, c in (("gep_net", GEP_NET), ("liver_mets", LIVER_METS)) if k not in drop
    )
    default_lesions = (lesion("L1", 32), lesion("N1", 18, node=True, krenning=4))
    return PatientRecord(
        patient_id="p1",
        source_file="built-in-test",
        birth_date=None if "birth_date" in drop else DateSpan.day(birth),
        sex=None if "sex" in drop else sex,
        measurements=measurements,
        conditions=base_conditions + conditions,
        medications=medications,
        consents=() if "consent" in drop else (CONSENT,),
        crf=Crf(
            answers,
            () if "lesions" in drop else (lesions if lesions is not None else default_lesions),
        ),
    )


def with_measurements(rec: PatientRecord, *extra: Measurement) -> PatientRecord:
    return replace(rec, measurements=rec.measurements + extra)
