"""Grading a patient's laboratory results (hand-built Measurements); worst grade over time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from trialkit.ctcae import grade_measurements, grade_record, worst_grades
from trialkit.model.codes import LOINC, Code
from trialkit.model.record import Measurement, PatientRecord
from trialkit.model.time import DateSpan


def lab(
    source: str,
    loinc: str,
    value: str | None,
    unit: str | None,
    day: int | None = 1,
    *,
    status: str = "final",
    low: str | None = None,
    high: str | None = None,
    data_absent: bool = False,
) -> Measurement:
    return Measurement(
        source=f"Observation/{source}",
        codes=(Code(LOINC, loinc),),
        time=DateSpan.day(date(2026, 3, day)) if day is not None else None,
        status=status,
        value=Decimal(value) if value is not None else None,
        unit=unit,
        ref_low=Decimal(low) if low is not None else None,
        ref_high=Decimal(high) if high is not None else None,
        data_absent=data_absent,
    )


def test_reference_range_gives_the_limits_and_says_so() -> None:
    # platelets 60 ×10⁹/L → G2 and 75 with LLN 150 → G1 (clinical-facts §11 item 10)
    [r75, r60] = grade_measurements(  # oldest first
        [
            lab("p60", "777-3", "60", "10*9/L", 2, low="150", high="400"),
            lab("p75", "26515-7", "75000", "/uL", 1, low="150000", high="400000"),
        ]
    )
    assert (r75.source, r75.grading and r75.grading.grade) == ("Observation/p75", 1)
    assert r75.grading is not None
    assert r75.grading.lln_canonical == 150
    assert r75.lln_source == "Observation/p75 referenceRange.low"
    assert (r60.source, r60.grading and r60.grading.grade) == ("Observation/p60", 2)


def test_site_default_uln_is_used_and_named_when_no_range() -> None:
    # ALT 130 U/L with the data-dictionary §1 default ULN 40 → G2 (clinical-facts §11 item 11)
    [r] = grade_measurements([lab("alt", "1742-6", "130", "U/L")])
    assert r.grading is not None
    assert r.grading.grade == 2
    assert r.uln_source == "site default ULN (data dictionary §1)"
    [given] = grade_measurements(
        [lab("alt", "1742-6", "130", "U/L")], site_uln={"alanine_aminotransferase_increased": 30}
    )
    assert given.grading is not None
    assert given.grading.grade == 2
    assert given.uln_source == "site ULN given on the command line"


def test_a_reference_range_starting_at_zero_is_usable() -> None:
    # ALT 130 with range 0–40 U/L → G2 (clinical-facts §11 item 11)
    [r] = grade_measurements([lab("alt", "1742-6", "130", "U/L", low="0", high="40")])
    assert r.problem is None
    assert r.grading is not None
    assert r.grading.grade == 2
    assert r.uln_source == "Observation/alt referenceRange.high"


def test_site_lln_makes_grade_1_determinable() -> None:
    [without] = grade_measurements([lab("hb", "718-7", "11", "g/dL")])
    [with_lln] = grade_measurements([lab("hb", "718-7", "11", "g/dL")], site_lln={"anemia": 120})
    assert without.grading is not None
    assert without.grading.grade is None
    assert with_lln.grading is not None
    assert with_lln.grading.grade == 1


def test_unusable_results_are_warnings_never_grades() -> None:
    results = grade_measurements(
        [
            lab("err", "718-7", "7.0", "g/dL", status="entered-in-error"),
            lab("pre", "718-7", "7.0", "g/dL", status="preliminary"),
            lab("abs", "718-7", None, None, data_absent=True),
            lab("unit", "718-7", "7.0", "furlong"),
            lab("neg", "718-7", "-3", "g/dL"),
            lab("ok", "718-7", "7.9", "g/dL"),
        ]
    )
    by_source = {r.source.split("/")[1]: r for r in results}
    for bad in ("err", "pre", "abs", "unit", "neg"):
        assert by_source[bad].grading is None
        assert by_source[bad].problem
    assert "entered-in-error" in (by_source["err"].problem or "")
    assert "furlong" in (by_source["unit"].problem or "")
    ok = by_source["ok"].grading
    assert ok is not None
    assert ok.grade == 3
    [worst] = worst_grades(results)
    assert (worst.grade, worst.source) == (3, "Observation/ok")


def test_unrelated_codes_are_not_graded() -> None:
    assert grade_measurements([lab("bmi", "39156-5", "22", "kg/m2")]) == []


def test_worst_grade_over_time_is_the_earliest_of_the_highest() -> None:
    results = grade_measurements(
        [
            lab("d9", "751-8", "0.9", "10*9/L", 9),  # G3
            lab("d5", "751-8", "0.6", "10*9/L", 5),  # G3, earlier: reported
            lab("d1", "751-8", "1.2", "10*9/L", 1),  # G2
            lab("d7", "751-8", "4.0", "10*9/L", 7),  # needs the LLN
        ]
    )
    assert [r.source for r in results] == [
        "Observation/d1",
        "Observation/d5",
        "Observation/d7",
        "Observation/d9",
    ]
    [worst] = worst_grades(results)
    assert (worst.grade, worst.source, worst.time) == (3, "Observation/d5", "2026-03-05")
    assert worst.undeterminable == ("Observation/d7",)
    assert worst.highest_possible == 3


def test_a_term_with_only_undeterminable_results_says_how_high_it_could_be() -> None:
    [worst] = worst_grades(grade_measurements([lab("plt", "777-3", "120", "10*9/L")]))
    assert worst.grade is None
    assert worst.highest_possible == 1  # 120 is at most "<LLN – 75"


def test_grade_record_wraps_a_patient() -> None:
    record = PatientRecord(
        patient_id="p1",
        source_file="x.json",
        birth_date=None,
        sex=None,
        measurements=(
            lab("bili", "1975-2", "40", "umol/L"),  # ULN default 21 → G2 (§11 item 11)
            lab("cr", "2160-0", "2.0", "mg/dL", status="cancelled"),
        ),
    )
    graded = grade_record(record)
    assert graded.patient_id == "p1"
    assert [(w.term, w.grade) for w in graded.worst] == [("blood_bilirubin_increased", 2)]
    assert [w.source for w in graded.warnings] == ["Observation/cr"]


def test_same_day_results_that_disagree_are_a_stated_conflict_in_every_order() -> None:
    # issue 12 reproduction 1 (grade-record): platelets 200 and 40 ×10⁹/L on one day
    a, b = lab("plt-a", "777-3", "200", "10*9/L", 3), lab("plt-b", "777-3", "40", "10*9/L", 3)
    for order in ([a, b], [b, a]):
        [worst] = worst_grades(
            grade_measurements(order, site_lln={"platelet_count_decreased": 150})
        )
        assert worst.grade == 3  # the worse of the two counts: toxicity is never under-reported
        [conflict] = worst.conflicts
        assert (
            "2 Platelet count decreased results on the same day (3 Mar 2026) disagree" in conflict
        )
        assert "Observation/plt-a" in conflict
        assert "Observation/plt-b" in conflict


def test_non_finite_and_negative_values_are_warnings_never_grades() -> None:
    results = grade_measurements(
        [
            lab("nan", "718-7", "NaN", "g/L"),
            lab("inf", "718-7", "Infinity", "g/L"),
            lab("neg", "777-3", "-5", "10*9/L"),
        ]
    )
    assert [r.grading for r in results] == [None, None, None]
    assert all(r.problem and "not graded" in r.problem for r in results)
