"""Random patient records for the differential tests: the eligible record of
``tests/eligibility/builders`` with edge cases mixed in on purpose (boundaries, units,
stale/future/partial dates, statuses, conflicts, wrong answer types, history records)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.eligibility.builders import (
    AS_OF,
    ELIGIBLE_CRF,
    ELIGIBLE_LABS,
    ELIGIBLE_OTHER,
    answer,
    choice,
    lab,
    lesion,
    qualitative,
    record,
)
from trialkit.model.codes import ATC, ICD10CM, SNOMED, Code
from trialkit.model.record import (
    AllergyFact,
    ConditionFact,
    ConsentFact,
    Crf,
    Measurement,
    MedicationFact,
    PatientRecord,
    ProcedureFact,
)
from trialkit.model.time import DateSpan

ITEMS = sorted(set(ELIGIBLE_LABS) | set(ELIGIBLE_CRF) | set(ELIGIBLE_OTHER))
# (label, loinc, canonical boundary, units with factors to express it, lookback-relevant)
LABS: dict[str, tuple[str, float, list[tuple[str | None, float]]]] = {
    "hemoglobin": ("718-7", 80.0, [("g/L", 1), ("g/dL", 0.1), ("mmol/L", 0.0621)]),
    "wbc": ("6690-2", 2.0, [("10*9/L", 1), ("10*3/uL", 1), ("/uL", 1000), ("K/uL", 1)]),
    "platelets": ("777-3", 75.0, [("10*9/L", 1), ("/mm3", 1000), ("10*3/uL", 1)]),
    "creatinine": ("2160-0", 150.0, [("umol/L", 1), ("mg/dL", 1 / 88.4), (None, 1)]),
    "bilirubin": ("1975-2", 63.0, [("umol/L", 1), ("mg/dL", 1 / 17.1)]),
    "albumin": ("1751-7", 30.0, [("g/L", 1), ("g/dL", 0.1)]),
    "alt": ("1742-6", 100.0, [("U/L", 1), ("IU/L", 1), ("[IU]/L", 1)]),
    "ast": ("1920-8", 100.0, [("U/L", 1), ("IU/L", 1)]),
    "inr": ("6301-6", 1.5, [("{INR}", 1), (None, 1), ("1", 1), ("s", 1)]),
    "aptt": ("3173-2", 60.0, [("s", 1), ("min", 1 / 60)]),
    "fasting_glucose": ("1558-6", 12.2, [("mmol/L", 1), ("mg/dL", 18.016)]),
    "weight": ("29463-7", 65.0, [("kg", 1), ("[lb_av]", 2.20462)]),
    "ki67_obs": ("29593-1", 10.0, [("%", 1)]),
}


def _lab(rng: random.Random, key: str) -> Measurement:
    loinc, boundary, units = LABS[key]
    unit, factor = rng.choice(units)
    canonical = boundary * rng.choice([1.0, 1.0, 0.999, 1.001, 0.5, 1.6, 1.004, 0.996])
    value = round(canonical * factor, rng.choice([1, 2, 3]))
    days = rng.choice([0, 2, 3, 3, 14, 27, 28, 29, 40, -1])
    status = rng.choice(["final"] * 6 + ["amended", "preliminary", "entered-in-error", "cancelled"])
    ref = rng.choice([None, None, None, boundary / 2.5, boundary / 3])
    m = lab(
        loinc,
        value,
        unit,
        days_ago=days,
        status=status,
        ref_high=ref,
        rid=f"{key}-{rng.randrange(10**6)}",
    )
    if rng.random() < 0.05:
        m = replace(
            m, time=DateSpan(date(AS_OF.year, AS_OF.month, 1), AS_OF.replace(day=28), "2026-11")
        )
    if rng.random() < 0.03:
        m = replace(m, data_absent=True)
    return m


def _conditions(rng: random.Random) -> tuple[ConditionFact, ...]:
    options = [
        ("I50.9", "active", None),
        ("E11.9", "active", None),
        ("C79.31", "active", None),
        ("C50.911", "resolved", date(2021, 11, 24)),
        ("C50.911", "resolved", date(2021, 11, 25)),
        ("C50.911", "resolved", date(2015, 1, 1)),
        ("C7A.090", "active", None),
        ("C18.9", None, None),
        ("C7B.02", "active", None),
        ("C25.4", "active", None),
        ("I50.9", "inactive", date(2020, 1, 1)),
    ]
    out = []
    for i in range(rng.choice([0, 0, 1, 2])):
        code, status, abated = rng.choice(options)
        abatement = DateSpan.day(abated) if abated else None
        if abated and rng.random() < 0.2:
            abatement = DateSpan(
                date(abated.year, 1, 1), date(abated.year, 12, 31), str(abated.year)
            )
        verification = rng.choice(["confirmed", "confirmed", "refuted", None])
        onset = DateSpan.day(AS_OF - timedelta(days=rng.choice([10, 400, -5])))
        out.append(
            ConditionFact(
                f"Condition/g{i}", (Code(ICD10CM, code),), status, verification, onset, abatement
            )
        )
    return tuple(out)


def _medications(rng: random.Random) -> tuple[MedicationFact, ...]:
    out = []
    for i in range(rng.choice([0, 0, 1, 2])):
        code, text = rng.choice(
            [
                ("L01EX01", "sunitinib"),
                ("L01BC06", "capecitabine"),
                ("H01CB02", "Sandostatin LAR"),
                ("H01CB02", "octreotide 100 mcg"),
                ("H01CB03", "lanreotide"),
                ("V10XX04", "Lutathera"),
            ]
        )
        start = AS_OF - timedelta(days=rng.choice([5, 30, 60, 200, 800]))
        end = rng.choice([None, start + timedelta(days=rng.choice([3, 20, 40, 100]))])
        status = rng.choice(["active", "completed", "stopped", "entered-in-error", "intended"])
        route = rng.choice([(), (Code(SNOMED, "78421000"),), (Code(SNOMED, "34206005"),)])
        per_day = rng.choice([None, Decimal(3)])
        out.append(
            MedicationFact(
                f"MedicationRequest/g{i}",
                "MedicationRequest",
                (Code(ATC, code),),
                text,
                status,
                DateSpan.day(start),
                DateSpan.day(end) if end else None,
                route,
                None,
                rng.choice([None, Decimal(28)]),
                per_day,
            )
        )
    return tuple(out)


def _procedures(rng: random.Random) -> tuple[ProcedureFact, ...]:
    out = []
    for i in range(rng.choice([0, 0, 1])):
        code, text = rng.choice(
            [
                ("387713003", "Hemicolectomy"),
                ("387713003", "Liver biopsy"),
                ("399315003", "Radionuclide therapy"),
            ]
        )
        when = AS_OF - timedelta(days=rng.choice([1, 20, 25, 60]))
        out.append(
            ProcedureFact(
                f"Procedure/g{i}",
                (Code(SNOMED, code, text),),
                rng.choice(["completed", "not-done"]),
                DateSpan.day(when),
                text=text,
            )
        )
    return tuple(out)


def _crf(rng: random.Random) -> dict[str, Any]:
    crf: dict[str, Any] = {}
    for _ in range(rng.choice([0, 1, 2, 3])):
        link = rng.choice(sorted(ELIGIBLE_CRF))
        crf[link] = rng.choice(
            [
                True,
                False,
                None,
                "junk",
                7.0,
                12.0,
                AS_OF - timedelta(days=3),
                AS_OF + timedelta(days=2),
                choice("treated"),
                choice("untreated"),
                60.0,
                25.1,
            ]
        )
    if rng.random() < 0.2:
        crf["last-local-therapy-date"] = AS_OF - timedelta(days=rng.choice([1, 20, 40]))
    if rng.random() < 0.2:
        crf["planned-first-dose-date"] = AS_OF + timedelta(days=rng.choice([-3, 0, 7, 30]))
    if rng.random() < 0.1:
        crf["brain-metastases-stable-since"] = AS_OF - timedelta(days=rng.choice([100, 168, 169]))
    return crf


def random_record(rng: random.Random, pid: str) -> PatientRecord:
    drop = set(rng.sample(ITEMS, rng.choice([0, 0, 0, 1, 2, 4])))
    labs: dict[str, Measurement | None] = {
        k: _lab(rng, k) for k in LABS if k in ELIGIBLE_LABS and rng.random() < 0.25
    }
    extra = tuple(_lab(rng, rng.choice(sorted(LABS))) for _ in range(rng.choice([0, 0, 1, 2])))
    if rng.random() < 0.1:
        labs["hcg"] = qualitative("2106-3", rng.random() < 0.5, days_ago=rng.choice([3, 14, 15]))
    if rng.random() < 0.1:
        labs["hiv"] = qualitative(
            "56888-1", rng.random() < 0.5, via=rng.choice(["value", "interpretation"])
        )
    lesions = None
    if rng.random() < 0.3:
        lesions = tuple(
            lesion(
                f"L{i}",
                rng.choice([9.9, 10, 14, 15, 20, 40]),
                node=rng.random() < 0.3,
                method=rng.choice(["CT", "MRI", "X-ray", "caliper"]),
                slice_mm=rng.choice([None, 5, 8]),
                target=rng.random() < 0.8,
                krenning=rng.choice([None, 2, 3, 4]),
                irradiated=rng.random() < 0.1,
            )
            for i in range(rng.choice([0, 1, 2]))
        )
    birth = date(
        rng.choice([1950, 1951, 1960, 1990, 2008, 2009]),
        rng.choice([1, 11, 12]),
        rng.choice([24, 25, 1]),
    )
    rec = record(
        drop=drop,
        labs=labs,
        crf=_crf(rng),
        extra_measurements=extra,
        conditions=_conditions(rng),
        medications=_medications(rng),
        lesions=lesions,
        birth=birth,
        sex=rng.choice(["female", "male", "female", "other"]),
    )
    if rng.random() < 0.05 and rec.birth_date:
        rec = replace(
            rec,
            birth_date=DateSpan(date(birth.year, 1, 1), date(birth.year, 12, 31), str(birth.year)),
        )
    if rng.random() < 0.2:
        rec = replace(rec, procedures=_procedures(rng))
    if rng.random() < 0.1:
        rec = replace(
            rec,
            allergies=(
                AllergyFact(
                    "AllergyIntolerance/a",
                    (),
                    rng.choice(["octreotide", "iodinated contrast", "penicillin"]),
                    rng.choice(["active", "resolved"]),
                    "confirmed",
                ),
            ),
        )
    if rng.random() < 0.1:
        rec = replace(
            rec,
            consents=(
                ConsentFact(
                    "Consent/x",
                    rng.choice(["active", "rejected"]),
                    (Code("http://terminology.hl7.org/CodeSystem/consentscope", "research"),),
                    (),
                    DateSpan.day(AS_OF + timedelta(days=rng.choice([-2, 3]))),
                ),
            ),
        )
    if rng.random() < 0.05:
        crf = dict(rec.crf.answers)
        crf["ecog"] = answer("ecog", "one")
        rec = replace(rec, crf=Crf(crf, rec.crf.lesions))
    return replace(rec, patient_id=pid)
