"""CTCAE v5.0 grading against clinical-facts §11 items 10–11 and the v5.0 band edges (§5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkit.ctcae import TERMS, grade
from trialkit.errors import InputError


@pytest.mark.parametrize(
    ("term", "value", "unit", "limits", "expected"),
    [
        # clinical-facts §11 item 10
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
        ("hypoglycemia", 30, "mg/dL", {}, 4),  # 1.67 mmol/L < 1.7
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
    assert grade("anemia", 79, "g/L").grade == 3  # no LLN needed below 100 g/L


def test_uln_needed_and_missing_is_undeterminable() -> None:
    g = grade("alanine_aminotransferase_increased", 130, "U/L")
    assert g.grade is None
    assert "ULN" in g.rule


def test_unknown_term_and_unconvertible_unit_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown CTCAE term"):
        grade("headache", 1, "1")
    with pytest.raises(InputError, match="cannot convert"):
        grade("anemia", 5, "mmol/L")
    with pytest.raises(InputError, match="negative"):
        grade("anemia", -5, "g/L")


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
