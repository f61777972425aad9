"""CTCAE v5.0 grading against clinical-facts §11 items 10–11 and the v5.0 band edges (§5)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkit.ctcae import TERMS, grade
from trialkit.errors import InputError


@pytest.mark.parametrize(
    ("term", "value", "unit", "limits", "expected"),
    [
        # clinical-facts §11 item 10 (75 is grade 1 only below an LLN: "<LLN – 75"; any
        # real platelet LLN, e.g. 150, is; without one it is undeterminable, tested below)
        ("platelet_count_decreased", 75, "10*9/L", {"lln": 150}, 1),
        ("platelet_count_decreased", 60, "10*9/L", {}, 2),
        ("neutrophil_count_decreased", 0.9, "10*9/L", {}, 3),
        ("white_blood_cell_decreased", 1.8, "10*9/L", {}, 3),
        ("lymphocyte_count_decreased", 0.45, "10*9/L", {}, 3),
        ("anemia", 85, "g/L", {}, 2),
        ("anemia", 79, "g/L", {}, 3),
        ("hypoalbuminemia", 28, "g/L", {}, 2),
        ("inr_increased", 1.6, "1", {}, 2),
        ("aptt_prolonged", 50, "s", {"uln": 35}, 1),
        # clinical-facts §11 item 11
        ("alanine_aminotransferase_increased", 130, "U/L", {"uln": 40}, 2),
        ("alanine_aminotransferase_increased", 130, "U/L", {"uln": 40, "baseline": 80}, 1),
        ("blood_bilirubin_increased", 40, "umol/L", {"uln": 21}, 2),
        ("creatinine_increased", 250, "umol/L", {"uln": 100, "baseline": 90}, 2),
    ],
)
def test_clinical_facts_vectors(
    term: str, value: float, unit: str, limits: dict[str, float], expected: int
) -> None:
    assert grade(term, value, unit, **limits).grade == expected


@pytest.mark.parametrize(
    ("term", "value", "unit", "limits", "expected"),
    [
        ("anemia", 100, "g/L", {"lln": 120}, 1),  # "<LLN – 100": 100 is grade 1
        ("anemia", 99.9, "g/L", {}, 2),
        ("anemia", 80, "g/L", {}, 2),
        ("anemia", 8.0, "g/dL", {}, 2),  # units converted first
        ("anemia", 120, "g/L", {"lln": 120}, 0),
        ("platelet_count_decreased", 24.9, "10*9/L", {}, 4),
        ("platelet_count_decreased", 25, "10*9/L", {}, 3),
        ("platelet_count_decreased", 50000, "/mm3", {}, 2),
        ("alanine_aminotransferase_increased", 120, "U/L", {"uln": 40}, 1),  # 3 × ULN is G1
        ("alanine_aminotransferase_increased", 801, "IU/L", {"uln": 40}, 4),  # > 20 × ULN
        ("alanine_aminotransferase_increased", 40, "U/L", {"uln": 40}, 0),
        ("alanine_aminotransferase_increased", 110, "U/L", {"uln": 40, "baseline": 80}, 0),
        ("blood_bilirubin_increased", 1.5, "mg/dL", {"uln": 1.2}, 1),  # 1.25 × ULN
        ("creatinine_increased", 140, "umol/L", {"uln": 100, "baseline": 40}, 3),  # 3.5 × baseline
        ("creatinine_increased", 601, "umol/L", {"uln": 100}, 4),
        # within the ULN but > 1.5 × baseline: the baseline reading gives grade 2
        ("creatinine_increased", 95, "umol/L", {"uln": 100, "baseline": 60}, 2),
        # limits are in the value's unit: 1.7 mg/dL over a 1.0 mg/dL ULN is 1.7 × ULN
        ("creatinine_increased", 1.7, "mg/dL", {"uln": 1.0}, 2),
        # baseline abnormal (> ULN): bilirubin "> 1.0 – 1.5 × baseline" is grade 1
        ("blood_bilirubin_increased", 30, "umol/L", {"uln": 21, "baseline": 25}, 1),
        ("blood_bilirubin_increased", 25, "umol/L", {"uln": 21, "baseline": 25}, 0),
        # AST baseline abnormal: "1.5 – 3.0 × baseline" includes 1.5 × (admiral: >= 1.5*BASE)
        ("aspartate_aminotransferase_increased", 120, "U/L", {"uln": 40, "baseline": 80}, 1),
        ("aspartate_aminotransferase_increased", 241, "U/L", {"uln": 40, "baseline": 80}, 2),
        # 30 mg/dL ÷ 18.016 (§7) = 1.665 mmol/L < 1.7: grade 4 by the mmol/L column of
        # v5.0, which clinical-facts §5 and admiral ncictcaev5.json ("AVAL < 1.7 ~ 4") use
        ("hypoglycemia", 30, "mg/dL", {}, 4),
        ("hypoglycemia", 2.2, "mmol/L", {}, 2),  # "<3.0 – 2.2": 2.2 is grade 2
        ("inr_increased", 1.2, "{INR}", {}, 0),
        ("aptt_prolonged", 100, "s", {"uln": 40}, 2),  # exactly 2.5 × ULN is still G2
        ("aptt_prolonged", 101, "s", {"uln": 40}, 3),
    ],
)
def test_band_edges(
    term: str, value: float, unit: str, limits: dict[str, float], expected: int
) -> None:
    assert grade(term, value, unit, **limits).grade == expected


def test_lln_needed_and_missing_is_undeterminable_not_guessed() -> None:
    g = grade("platelet_count_decreased", 120, "10*9/L")
    assert g.grade is None
    assert "LLN" in g.rule
    assert g.possible_grades == (0, 1)
    assert grade("platelet_count_decreased", 75, "10*9/L").grade is None
    assert grade("anemia", 79, "g/L").grade == 3  # no LLN needed below 100 g/L
    assert grade("anemia", 79, "g/L").possible_grades == (3,)


def test_creatinine_without_uln_is_undeterminable_even_with_baseline() -> None:
    # 5 × baseline is grade 3 by baseline, but > 6 × ULN (grade 4) cannot be excluded
    g = grade("creatinine_increased", 250, "umol/L", baseline=50)
    assert g.grade is None
    assert g.possible_grades == (3, 4)


def test_rule_text_names_the_band_and_what_was_not_considered() -> None:
    g = grade("creatinine_increased", 250, "umol/L", uln=100)
    assert g.grade == 2
    assert "grade 2: > 1.5 × ULN and ≤ 3 × ULN (ULN 100 umol/L)" in g.rule
    assert "baseline not given" in g.rule
    assert "clinical judgement" in grade("anemia", 70, "g/L").rule
    assert (
        "baseline-normal rule"
        in grade("alanine_aminotransferase_increased", 50, "U/L", uln=40).rule
    )


def test_uln_needed_and_missing_is_undeterminable() -> None:
    g = grade("alanine_aminotransferase_increased", 130, "U/L")
    assert g.grade is None
    assert "ULN" in g.rule


def test_unknown_term_and_unconvertible_unit_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown CTCAE term"):
        grade("headache", 1, "1")
    with pytest.raises(InputError, match="cannot convert"):
        grade("anemia", 5, "mmol/L")
    with pytest.raises(InputError, match="≥ 0"):
        grade("anemia", -5, "g/L")
    with pytest.raises(InputError, match="≥ 0"):
        grade("anemia", math.nan, "g/L")
    with pytest.raises(InputError, match="--uln must be a number > 0"):
        grade("alanine_aminotransferase_increased", 50, "U/L", uln=0)
    with pytest.raises(InputError, match="--lln"):
        grade("anemia", 110, "g/L", lln=-120)


DECREASED = [
    "anemia",
    "platelet_count_decreased",
    "neutrophil_count_decreased",
    "white_blood_cell_decreased",
    "lymphocyte_count_decreased",
    "hypoalbuminemia",
    "hypoglycemia",
]
INCREASED = [
    "alanine_aminotransferase_increased",
    "aspartate_aminotransferase_increased",
    "blood_bilirubin_increased",
    "creatinine_increased",
    "aptt_prolonged",
    "inr_increased",
]
values = st.floats(min_value=0, max_value=1000, allow_nan=False)
limits = st.floats(min_value=0.01, max_value=1000, allow_nan=False)


@given(st.sampled_from(DECREASED), values, values)
def test_decreased_terms_a_lower_value_never_grades_lower(term: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    unit = TERMS[term].unit
    lln = 1000.0
    g_lo = grade(term, lo, unit, lln=lln).grade
    g_hi = grade(term, hi, unit, lln=lln).grade
    assert g_lo is not None
    assert g_hi is not None
    assert g_lo >= g_hi


@given(st.sampled_from(INCREASED), values, values, st.one_of(st.none(), st.floats(1, 500)))
def test_increased_terms_a_higher_value_never_grades_lower(
    term: str, a: float, b: float, baseline: float | None
) -> None:
    lo, hi = sorted((a, b))
    unit = TERMS[term].unit
    kwargs = {"uln": 40.0, "baseline": baseline}
    g_lo = grade(term, lo, unit, **kwargs).grade
    g_hi = grade(term, hi, unit, **kwargs).grade
    assert g_lo is not None
    assert g_hi is not None
    assert g_hi >= g_lo


@given(st.sampled_from(DECREASED + INCREASED), values, limits, st.one_of(st.none(), limits))
def test_a_missing_limit_never_guesses(
    term: str, value: float, limit: float, baseline: float | None
) -> None:
    """Without the LLN/ULN, the grade is either the one every limit would give, or None
    with the true grade among ``possible_grades``."""
    unit = TERMS[term].unit
    kind = "lln" if term in DECREASED else "uln"
    without = grade(term, value, unit, baseline=baseline)
    with_limit = grade(term, value, unit, baseline=baseline, **{kind: limit})
    assert with_limit.grade is not None
    assert with_limit.grade in without.possible_grades
    if without.grade is not None:
        assert without.grade == with_limit.grade
