"""Simulate a whole study on the embedded defaults (the demo): a screened population,
enrolment, dosing, scans, labs and adverse events shaped like NETTER-2's published
results (clinical-facts §2: median PFS 22.8 months, ORR 43 %, grade 3/4 lymphopenia
38 %, leukopenia 4.1 %, neutropenia 3.4 %, thrombocytopenia 2.0 %, anaemia 1.4 %).

Screening is real: generated patient records go through the eligibility engine,
and only those it finds eligible are enrolled. Everything is seeded.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from trialkit.conduct.dosing import window
from trialkit.conduct.reasons import OFF_STUDY_PREFIX
from trialkit.ctcae.analytes import analyte
from trialkit.dosing.parameters import DosingParameters
from trialkit.eligibility.screening import PatientResult, screen_record
from trialkit.eligibility.verdict import Status
from trialkit.model.codes import ICD10CM, LOINC, SNOMED, Code
from trialkit.model.record import ConditionFact, Crf, CrfAnswer, Measurement, PatientRecord
from trialkit.model.time import DateSpan
from trialkit.protocol import Protocol
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.study.model import (
    AdverseEvent,
    AssessmentRow,
    DeviationRow,
    Dose,
    LabRow,
    LesionMeasurement,
    ScreeningRow,
    Study,
    Subject,
    Therapy,
)
from trialkit.study.vitals import body_measures, screening_row

MEDIAN_PFS_MONTHS = 22.8
ORR = 0.43
GRADE34 = {  # NETTER-2 Lu arm grade 3/4 laboratory rates (clinical-facts §2)
    "lymphocyte_count_decreased": 0.381,
    "white_blood_cell_decreased": 0.041,
    "neutrophil_count_decreased": 0.034,
    "platelet_count_decreased": 0.020,
    "anemia": 0.014,
}
AE_RATES = {
    "Nausea": (0.55, 0.03),
    "Fatigue": (0.35, 0.02),
    "Abdominal pain": (0.18, 0.03),
    "Diarrhoea": (0.15, 0.01),
    "Vomiting": (0.12, 0.01),
    "Alopecia": (0.08, 0.0),
}
CHOICE = f"urn:trialkit:codes:{DEFAULT_PROTOCOL}"  # the CRF answer system the simulated study uses
DAY = timedelta(days=1)


@dataclass(frozen=True)
class SimulatedStudy:
    study: Study
    screened: tuple[PatientResult, ...]


def _answer(link: str, value: Any, when: date) -> CrfAnswer:
    kind = {
        bool: "valueBoolean",
        int: "valueInteger",
        Decimal: "valueDecimal",
        date: "valueDate",
        Code: "valueCoding",
        str: "valueString",
    }[type(value)]
    return CrfAnswer(link, value, "QuestionnaireResponse/sim", DateSpan.day(when), kind)


def screening_record(rng: random.Random, pid: str, as_of: date) -> PatientRecord:
    """A plausible GEP-NET referral: most meet the criteria, some do not, some lack data."""
    lab_day = DateSpan.day(as_of - timedelta(days=rng.randint(1, 20)))

    def lab(loinc: str, value: float, unit: str) -> Measurement:
        return Measurement(
            f"Observation/{pid}-{loinc}",
            (Code(LOINC, loinc),),
            lab_day,
            "final",
            value=Decimal(f"{value:.2f}"),
            unit=unit,
        )

    age = rng.randint(35, 79)
    sex = rng.choice(["female", "male"])
    ki67 = round(rng.uniform(7, 58), 1)
    ecog = rng.choices([0, 1, 2], weights=[55, 37, 8])[0]
    labs = [
        lab("718-7", rng.gauss(128, 16), "g/L"),
        lab("6690-2", rng.gauss(6, 1.8), "10*9/L"),
        lab("777-3", rng.gauss(235, 65), "10*9/L"),
        lab("2160-0", rng.gauss(0.9, 0.3), "mg/dL"),
        lab("29463-7", rng.gauss(66, 11), "kg"),
        lab("1975-2", rng.gauss(11, 5), "umol/L"),
        lab("1751-7", rng.gauss(41, 4), "g/L"),
        lab("1742-6", rng.gauss(28, 12), "U/L"),
        lab("1920-8", rng.gauss(28, 12), "U/L"),
        lab("6301-6", rng.gauss(1.0, 0.08), "{INR}"),
        lab("3173-2", rng.gauss(31, 4), "s"),
        lab("1558-6", rng.gauss(5.6, 0.8), "mmol/L"),
    ]
    # body height (FHIR vital signs, LOINC 8302-2) from its own generator, so that every other
    # simulated value is the same with or without it; NHANES-like adult means by sex
    tall = random.Random(f"{pid}-height")
    labs.append(lab("8302-2", tall.gauss(176 if sex == "male" else 163, 7), "cm"))
    negative = (Code(SNOMED, "260385009"),)
    for loinc in ("5196-1", "13955-0"):
        labs.append(
            Measurement(
                f"Observation/{pid}-{loinc}",
                (Code(LOINC, loinc),),
                lab_day,
                "final",
                value_codes=negative,
            )
        )
    crf_values: dict[str, Any] = {
        "consent-date": as_of - timedelta(days=3),
        "disease-extent": Code(CHOICE, "metastatic"),
        "differentiation": Code(CHOICE, rng.choices(["well", "poor"], weights=[92, 8])[0]),
        "ki67-percent": Decimal(str(ki67)),
        "central-pathology-confirmed": True,
        "prior-systemic-therapy-current-stage": rng.random() < 0.1,
        "ecog": ecog,
        "childbearing-potential": False,
        "pregnant": False,
        "lactating": False,
        "prior-prrt": False,
        "prior-local-therapy": False,
        "prior-systemic-therapy": False,
        "prior-toxicity-above-grade-1": False,
        "prior-bone-ebrt": False,
        "marrow-irradiated-percent": Decimal(0),
        "brain-metastases": Code(CHOICE, "none"),
        "chf-uncontrolled": False,
        "diabetes-uncontrolled": False,
        "octreotide-short-interruptible": True,
        "octreotide-lar-interruptible": True,
        "other-malignancy": rng.random() < 0.04,
        "hypersensitivity-study-drug": False,
        "contrast-contraindicated": False,
        "active-infection": False,
        "hbv-dna-positive-site": False,
        "prior-investigational-drug": False,
        "investigator-ex24": False,
        "investigator-ex25": rng.random() < 0.05,
        "investigator-ex26": False,
        "planned-first-dose-date": as_of + timedelta(days=7),
    }
    if rng.random() < 0.08:  # a CRF handed in incomplete
        crf_values.pop(rng.choice(sorted(crf_values)))
    answers = {k: _answer(k, v, as_of) for k, v in crf_values.items()}
    lesions = []
    for i in range(rng.randint(1, 3)):
        node = rng.random() < 0.25
        krenning = rng.choices([2, 3, 4], weights=[6, 44, 50])[0]
        group = {
            "lesion-id": f"L{i + 1}",
            "lesion-organ": "lymph node" if node else "liver",
            "lesion-is-node": node,
            "lesion-diameter-mm": Decimal(rng.randint(16, 70)),
            "lesion-method": Code(CHOICE, "CT"),
            "lesion-slice-mm": Decimal(5),
            "lesion-previously-irradiated": False,
            "lesion-target": True,
            "lesion-krenning": krenning,
        }
        lesions.append({k: _answer(k, v, as_of) for k, v in group.items()})
    birth = date(as_of.year - age, rng.randint(1, 12), rng.randint(1, 28))
    site = rng.choice(["C7A.012", "C7A.010", "C25.4", "C7A.026", "C7A.092"])
    conditions = (
        ConditionFact(
            f"Condition/{pid}-net",
            (Code(ICD10CM, site),),
            "active",
            "confirmed",
            DateSpan.day(as_of - timedelta(days=rng.randint(60, 900))),
            None,
        ),
        ConditionFact(
            f"Condition/{pid}-mets",
            (Code(ICD10CM, "C7B.02"),),
            "active",
            "confirmed",
            DateSpan.day(as_of - timedelta(days=rng.randint(20, 200))),
            None,
        ),
    )
    return PatientRecord(
        pid,
        "simulated",
        DateSpan.day(birth),
        sex,
        tuple(labs),
        conditions,
        crf=Crf(answers, tuple(lesions)),
    )


def _reason(result: PatientResult) -> str:
    for c in result.criteria:
        if (c.kind == "inclusion" and c.status is Status.NOT_MET) or (
            c.kind == "exclusion" and c.status is Status.MET
        ):
            return f"{c.id}: {c.reason}"
    unknown = [c.id for c in result.criteria if c.status is Status.UNKNOWN]
    return "missing data: " + ", ".join(unknown) if unknown else ""


def simulate_study(
    protocol: Protocol, *, seed: int = 2026, screened: int = 100, cutoff: date = date(2027, 9, 30)
) -> SimulatedStudy:
    rng = random.Random(seed)
    params = protocol.defaults()
    results: list[PatientResult] = []
    subjects: list[Subject] = []
    rows: list[ScreeningRow] = []
    records: dict[str, tuple[PatientRecord, PatientResult]] = {}
    for i in range(screened):
        as_of = date(2025, 1, 6) + timedelta(days=int(i * 540 / screened))
        # the screening number, and the (simulated) source record's own patient id
        screening_id, patient_id = f"SCR{i + 1:03d}", f"sim-{i + 1:03d}"
        record = screening_record(rng, patient_id, as_of)
        result = screen_record(record, protocol, params, as_of=as_of)
        results.append(result)
        measures = body_measures(record, as_of)
        rows.append(
            screening_row(
                screening_id, patient_id, result.status.value, _reason(result), as_of, measures
            )
        )
        if result.status.value == "eligible":
            subjects.append(_subject(f"S{len(subjects) + 1:03d}", record, as_of, screening_id))
        else:
            records[screening_id] = (record, result)
    screening = tuple(rows)
    parts: dict[str, list[Any]] = {
        k: [] for k in ("doses", "lesions", "assessments", "aes", "labs", "therapies")
    }
    final_subjects = [_course(rng, s, cutoff, parts) for s in subjects]
    # Deviations draw from their own generator, so the simulated course above (and every
    # number the report computes from it) is the same with or without them.
    conduct_rng = random.Random(seed * 7919 + 1)
    # a few ineligible patients enrolled on an investigator's documented waiver: numbered after
    # the others, their courses drawn from the waiver generator (the others' stay the same)
    waiver_rng = random.Random(seed * 7919 + 2)
    waived, waivers = _waivers(waiver_rng, records, len(subjects))
    final_subjects += [_course(waiver_rng, s, cutoff, parts) for s in waived]
    deviations = waivers + _window_deviations(conduct_rng, parts["doses"], final_subjects)
    study = Study(
        protocol.id,
        tuple(final_subjects),
        tuple(parts["doses"]),
        tuple(parts["lesions"]),
        tuple(parts["assessments"]),
        tuple(parts["aes"]),
        tuple(parts["labs"]),
        tuple(parts["therapies"]),
        screening,
        source="simulated",
        metadata={"seed": str(seed), "cutoff": cutoff.isoformat()},
        deviations=tuple(deviations),
    )
    return SimulatedStudy(study, tuple(results))


def _subject(number: str, record: PatientRecord, as_of: date, screening_id: str) -> Subject:
    """The subject enrolled from a screening (on its as-of date, first dose a week later)."""
    age = int((as_of - (record.birth_date.low if record.birth_date else as_of)).days // 365.25)
    ki67 = record.crf.get("ki67-percent")
    ecog = record.crf.get("ecog")
    return Subject(
        subject_id=number,
        sex=record.sex or "",
        age=age,
        enrolled=as_of,
        first_dose=as_of + timedelta(days=7),
        primary_site=record.conditions[0].codes[0].code,
        ecog=int(str(ecog.value)) if ecog else None,
        screening_id=screening_id,
        baseline=(
            ("grade", "G2" if ki67 is not None and float(str(ki67.value)) <= 20 else "G3"),
            *((("ki67", float(str(ki67.value))),) if ki67 else ()),
        ),
    )


WAIVERS = 3  # how many ineligible patients the simulated investigators enrol on a waiver
WAIVER_REASONS = (
    "single result just outside the limit, repeat pending; the investigator judged the "
    "patient fit for treatment and the medical monitor agreed",
    "sponsor-approved protocol exception for this patient, filed in the trial master file",
    "limit missed by a margin within the laboratory's measurement uncertainty; investigator's "
    "judgement, agreed with the medical monitor",
)


def _waivers(
    rng: random.Random, records: dict[str, tuple[PatientRecord, PatientResult]], enrolled: int
) -> tuple[list[Subject], list[DeviationRow]]:
    """Enrol a few ineligible patients whose verdict has exactly one criterion not satisfied,
    decided by a laboratory result, and nothing unknown: the investigator waives that
    criterion with a reason at sign-off (an eligibility deviation, docs/study-conduct.md)."""
    candidates = []
    for number, (record, result) in records.items():
        blocking = [
            c
            for c in result.criteria
            if (c.kind == "inclusion" and c.status is Status.NOT_MET)
            or (c.kind == "exclusion" and c.status is Status.MET)
        ]
        unknown = [c for c in result.criteria if c.status is Status.UNKNOWN]
        if (
            len(blocking) == 1
            and not unknown
            and any(e.source.startswith("Observation/") for e in blocking[0].evidence)
        ):
            candidates.append((number, record, result, blocking[0]))
    chosen = sorted(rng.sample(candidates, min(WAIVERS, len(candidates))), key=lambda c: c[0])
    subjects, deviations = [], []
    for i, (number, record, result, criterion) in enumerate(chosen, start=1):
        subject = _subject(f"S{enrolled + i:03d}", record, result.as_of, number)
        subjects.append(subject)
        deviations.append(
            DeviationRow(
                subject.subject_id,
                result.as_of,
                "eligibility",
                "eligibility_waiver",
                criterion.id,
                f"{criterion.id} not satisfied at sign-off (verdict ineligible): "
                f"{criterion.reason}; waived by the investigator",
                rng.choice(WAIVER_REASONS),
                "investigator (simulated)",
                screening_id=number,
            )
        )
    return subjects, deviations


WINDOW_REASONS = (
    "patient's travel; investigator judged the delay safe",
    "radiopharmacy delivery postponed",
    "public holiday at the nuclear medicine unit",
    "intercurrent infection (not drug-related), dose given after recovery",
)


def _window_deviations(
    rng: random.Random, doses: list[Dose], subjects: list[Subject]
) -> list[DeviationRow]:
    """A dose later than its window with no toxicity holding it is a dosing-window deviation,
    recorded by the investigator with a reason (docs/study-conduct.md)."""
    params = DosingParameters()
    first = {s.subject_id: s.first_dose for s in subjects}
    out = []
    for d in doses:
        start = first.get(d.subject_id)
        if start is None or d.cycle == 1:
            continue
        earliest, nominal, latest = window(start, d.cycle, params)
        if d.date > latest:
            out.append(
                DeviationRow(
                    d.subject_id,
                    d.date,
                    "dosing_window",
                    "dose_after_window",
                    "",
                    f"cycle {d.cycle} on {d.date} is after its window {earliest} – {latest} "
                    f"({(d.date - nominal).days} days after the due date, no toxicity holding it)",
                    rng.choice(WINDOW_REASONS),
                    "investigator (simulated)",
                )
            )
    return out


def _course(rng: random.Random, s: Subject, cutoff: date, out: dict[str, list[Any]]) -> Subject:
    assert s.first_dose is not None
    start = s.first_dose
    pfs_days = rng.expovariate(math.log(2) / (MEDIAN_PFS_MONTHS * 30.4375))
    progression = start + timedelta(days=int(pfs_days))
    survival_after = rng.expovariate(math.log(2) / (24 * 30.4375))
    death = progression + timedelta(days=int(survival_after))
    death_date = death if death <= cutoff else None
    last_contact = min(cutoff, death_date or cutoff)
    # dosing: 4 cycles every 8 weeks, some stop early or are reduced
    stop_after = 4 if rng.random() > 0.12 else rng.randint(1, 3)
    reduced_from = rng.randint(2, 4) if rng.random() < 0.08 else 99
    for cycle in range(1, stop_after + 1):
        delay = rng.choice([0, 0, 0, 0, 3, 5, 14]) if cycle > 1 else 0
        when = start + timedelta(days=56 * (cycle - 1) + delay)
        if when > min(progression, cutoff):
            break
        reduced = cycle >= reduced_from
        out["doses"].append(
            Dose(s.subject_id, cycle, when, 3.7 if reduced else 7.4, reduced, delay)
        )
    # tumour: baseline, then weeks 16, 24 and every 12 weeks (NETTER-2)
    targets = [
        (f"T{i + 1}", rng.random() < 0.2, float(rng.randint(15, 60)))
        for i in range(rng.randint(1, 4))
    ]
    base_day = start - timedelta(days=rng.randint(3, 21))
    for lid, node, size in targets:
        out["lesions"].append(
            LesionMeasurement(
                s.subject_id,
                base_day,
                lid,
                True,
                "lymph node" if node else "liver",
                node,
                max(size, 15.0) if node else size,
                None,
                "CT",
                5.0,
                True,
            )
        )
    out["lesions"].append(
        LesionMeasurement(
            s.subject_id, base_day, "NT1", False, "bone", False, None, "present", "CT", 5.0, True
        )
    )
    responder = rng.random() < ORR
    nadir = rng.uniform(-0.8, -0.32) if responder else rng.uniform(-0.28, 0.12)
    weeks = [16, 24, *range(36, 260, 12)]
    progressed, progressed_on = False, None
    for w in weeks:
        when = start + timedelta(weeks=w)
        if when > last_contact or progressed:
            break
        frac = min(1.0, w / 24)
        change = nadir * frac
        new = "none"
        if when >= progression:
            change = nadir + abs(nadir) * 0.1 + 0.45 * (1 + nadir)
            new = "unequivocal" if rng.random() < 0.5 else "none"
            progressed, progressed_on = True, when
        for lid, node, size in targets:
            value = round(max(0.0, size * (1 + change)), 1)
            out["lesions"].append(
                LesionMeasurement(
                    s.subject_id,
                    when,
                    lid,
                    True,
                    "lymph node" if node else "liver",
                    node,
                    value,
                    None,
                )
            )
        status = (
            "unequivocal_progression"
            if progressed and new == "none" and rng.random() < 0.3
            else "present"
        )
        out["lesions"].append(
            LesionMeasurement(s.subject_id, when, "NT1", False, "bone", False, None, status)
        )
        out["assessments"].append(AssessmentRow(s.subject_id, when, new))
    if not progressed and rng.random() < 0.05:
        out["therapies"].append(
            Therapy(s.subject_id, min(cutoff, start + timedelta(days=400)), "everolimus")
        )
    # labs: nadir values after the doses
    for term, rate in GRADE34.items():
        severe = rng.random() < rate
        value, unit, lln = _lab_nadir(rng, term, severe)
        loinc, name = analyte(term)
        out["labs"].append(
            LabRow(
                s.subject_id,
                start + timedelta(days=rng.randint(20, 200)),
                term,
                value,
                unit,
                None,
                lln,
                loinc,
                name,
            )
        )
    for term, (any_rate, severe_rate) in AE_RATES.items():
        if rng.random() < any_rate:
            g = 3 if rng.random() < severe_rate / any_rate else rng.choice([1, 1, 2])
            onset = start + timedelta(days=rng.randint(1, 120))
            out["aes"].append(
                AdverseEvent(
                    s.subject_id,
                    term,
                    g,
                    onset,
                    onset + timedelta(days=rng.randint(2, 30)),
                    g >= 3 and rng.random() < 0.3,
                    True,
                )
            )
    given = [d.date for d in out["doses"] if d.subject_id == s.subject_id]
    return _stages(
        replace(s, death_date=death_date, last_contact=last_contact),
        given,
        progression,
        progressed_on,
        cutoff,
    )


def _stages(
    s: Subject, given: list[date], progression: date, progressed_on: date | None, cutoff: date
) -> Subject:
    """The conduct stages after dosing, as the study application would have recorded them
    (services/study/subjects_conduct.py), drawn from the course without another random number
    (the simulated study stays the same): treatment ends early on the date the first cycle
    not given was due — for progression if it came first, else toxicity (an adverse event),
    or on the death date; follow-up starts then, or one cycle (8 weeks) after the fourth
    dose; off study on the death date or the scan that showed progression. A subject off
    study while on treatment ends it that day, for the same reason (as the service does)."""
    assert s.first_dose is not None
    cycles, interval = DosingParameters().cycles, DosingParameters().interval_days
    end: date | None = None
    end_reason = ""
    if len(given) < cycles:
        due = s.first_dose + timedelta(days=interval * len(given))
        if s.death_date and s.death_date <= due:
            end, end_reason = s.death_date, "death"
        elif due <= cutoff:
            end = due
            end_reason = "progressive disease" if progression <= due else "adverse event"
    follow = end if end_reason != "death" else None
    if len(given) == cycles:
        follow = max(given) + timedelta(days=interval)
    if follow and (follow > cutoff or (s.death_date and follow >= s.death_date)):
        follow = None
    off, reason = None, ""
    if s.death_date:
        off, reason = s.death_date, "death"
    elif progressed_on:
        off, reason = progressed_on, "progressive disease"
    if off:
        if (end is None and len(given) < cycles) or (end and end > off):
            end, end_reason = off, f"{OFF_STUDY_PREFIX}{reason}"
        if follow and follow > off:
            follow = None
    return replace(
        s,
        treatment_end_date=end,
        treatment_end_reason=end_reason,
        follow_up_date=follow,
        off_study_date=off,
        off_study_reason=reason,
    )


def _lab_nadir(rng: random.Random, term: str, severe: bool) -> tuple[float, str, float]:
    """(value, unit, LLN): a grade 3–4 value when ``severe``, else grade 0–2 (CTCAE v5 §5)."""
    ranges = {
        "lymphocyte_count_decreased": ((0.05, 0.49), (0.5, 1.4), "10*9/L", 1.0),
        "white_blood_cell_decreased": ((0.6, 1.9), (2.0, 7.0), "10*9/L", 4.0),
        "neutrophil_count_decreased": ((0.3, 0.95), (1.0, 5.0), "10*9/L", 2.0),
        "platelet_count_decreased": ((10.0, 49.0), (50.0, 300.0), "10*9/L", 150.0),
        "anemia": ((65.0, 79.0), (80.0, 150.0), "g/L", 120.0),
    }
    severe_range, mild_range, unit, lln = ranges[term]
    low, high = severe_range if severe else mild_range
    return round(rng.uniform(low, high), 2), unit, lln
