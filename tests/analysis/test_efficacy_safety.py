"""Efficacy (PFS censoring rules, ORR) and safety on small hand-made studies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from trialkit.analysis.efficacy import analyse_efficacy, months
from trialkit.analysis.safety import analyse_safety
from trialkit.study.model import (
    AdverseEvent,
    AssessmentRow,
    LabRow,
    LesionMeasurement,
    Study,
    Subject,
    Therapy,
)

START = date(2026, 1, 5)


def scans(
    sid: str, sizes: list[tuple[int, float]], new: dict[int, str] | None = None
) -> tuple[list[LesionMeasurement], list[AssessmentRow]]:
    """Baseline 50 mm liver target, then (week, size) follow-ups."""
    lesions = [
        LesionMeasurement(
            sid, START - timedelta(days=5), "T1", True, "liver", False, 50.0, None, "CT", 5.0, True
        )
    ]
    assessments = []
    for week, size in sizes:
        when = START + timedelta(weeks=week)
        lesions.append(LesionMeasurement(sid, when, "T1", True, "liver", False, size, None))
        assessments.append(AssessmentRow(sid, when, (new or {}).get(week, "none")))
    return lesions, assessments


def study_of(
    *parts: tuple[Subject, list[LesionMeasurement], list[AssessmentRow]],
    therapies: tuple[Therapy, ...] = (),
) -> Study:
    return Study(
        "nct05894486",
        tuple(p[0] for p in parts),
        lesions=tuple(x for p in parts for x in p[1]),
        assessments=tuple(x for p in parts for x in p[2]),
        therapies=therapies,
    )


def subject(sid: str, death: date | None = None, last: date | None = None) -> Subject:
    return Subject(
        sid,
        "female",
        60,
        START - timedelta(days=7),
        START,
        death_date=death,
        last_contact=last or START + timedelta(weeks=60),
    )


def test_progression_is_an_event_at_the_pd_scan() -> None:
    s = study_of((subject("A"), *scans("A", [(16, 30), (24, 30), (36, 40)])))
    e = analyse_efficacy(s)
    pfs = e.pfs[0]
    assert pfs.event
    assert pfs.months == pytest.approx(months(START, START + timedelta(weeks=36)))
    assert e.responses[0].recist.best_overall_response == "PR"  # confirmed at weeks 16 and 24


def test_no_progression_censors_at_last_adequate_assessment() -> None:
    e = analyse_efficacy(study_of((subject("A"), *scans("A", [(16, 45), (24, 44)]))))
    assert not e.pfs[0].event
    assert e.pfs[0].months == pytest.approx(months(START, START + timedelta(weeks=24)))


def test_new_therapy_before_progression_censors_before_it() -> None:
    therapy = (Therapy("A", START + timedelta(weeks=30), "everolimus"),)
    s = study_of((subject("A"), *scans("A", [(16, 45), (24, 44), (36, 80)])), therapies=therapy)
    pfs = analyse_efficacy(s).pfs[0]
    assert not pfs.event
    assert "therapy" in pfs.rule
    assert pfs.months == pytest.approx(months(START, START + timedelta(weeks=24)))


def test_event_after_two_missed_assessments_is_censored() -> None:
    # scans at week 16, then nothing until PD at week 60 (weeks 24, 36, 48 missed)
    pfs = analyse_efficacy(study_of((subject("A"), *scans("A", [(16, 45), (60, 80)])))).pfs[0]
    assert not pfs.event
    assert "missed" in pfs.rule
    assert pfs.months == pytest.approx(months(START, START + timedelta(weeks=16)))


def test_death_without_progression_is_an_event() -> None:
    death = START + timedelta(weeks=30)
    pfs = analyse_efficacy(
        study_of((subject("A", death=death), *scans("A", [(16, 45), (24, 44)])))
    ).pfs[0]
    assert pfs.event
    assert "death" in pfs.rule


def test_orr_counts_confirmed_responses_with_exact_interval() -> None:
    parts = [
        (subject("R1"), *scans("R1", [(16, 30), (24, 30)])),
        (subject("U1"), *scans("U1", [(16, 30), (24, 45)])),  # unconfirmed → SD
        (subject("S1"), *scans("S1", [(16, 48), (24, 48)])),
    ]
    e = analyse_efficacy(study_of(*parts))
    assert e.evaluable == 3
    assert e.orr is not None
    assert e.dcr is not None
    assert e.orr.estimate == pytest.approx(1 / 3)
    assert round(e.orr.lower, 4) == 0.0084  # Clopper–Pearson 1/3 (R: binom.test(1, 3))
    assert round(e.orr.upper, 4) == 0.9057
    assert e.dcr.estimate == 1.0


def test_safety_worst_grade_per_patient_and_lab_grading() -> None:
    s = Study(
        "nct05894486",
        (subject("A"), subject("B")),
        adverse_events=(
            AdverseEvent("A", "Nausea", 1, START),
            AdverseEvent("A", "Nausea", 3, START),
            AdverseEvent("B", "Nausea", 2, START),
        ),
        labs=(
            LabRow("A", START, "lymphocyte_count_decreased", 0.4, "10*9/L", None, 1.0),
            LabRow("B", START, "lymphocyte_count_decreased", 0.9, "10*9/L", None, 1.0),
        ),
    )
    safety = analyse_safety(s)
    nausea = next(t for t in safety.adverse_events if t.term == "Nausea")
    assert (nausea.any_grade, nausea.grade3plus) == (2, 1)
    lympho = next(t for t in safety.lab_toxicities if t.term == "Lymphocyte count decreased")
    assert (lympho.any_grade, lympho.grade3plus) == (2, 1)  # 0.4 → G3, 0.9 → G1 (CTCAE v5)
