"""CTCAE v5.0 terms found as people write them; grade definitions in the CTCAE's own words.

Known answers: CTCAE v5.0 (clinical-facts §5) — platelet count decreased is grade 1
<LLN–75, grade 2 <75–50, grade 3 <50–25, grade 4 <25 ×10⁹/L; the general grades 1–5 read
"Mild … Moderate … Severe or medically significant … Life-threatening … Death related to AE".
"""

from __future__ import annotations

import pytest

from trialkit.ctcae.lookup import GENERAL_GRADES, find_term, grade_definitions


@pytest.mark.parametrize(
    "typed",
    [
        "Platelet count decreased",
        "platelet count decreased",
        "PLATELET  COUNT decreased ",
        "platelet_count_decreased",  # the key pages offered before, and stored records hold
    ],
)
def test_platelet_term_found_however_typed(typed: str) -> None:
    term = find_term(typed)
    assert term is not None
    assert term.label == "Platelet count decreased"


def test_british_spelling_and_unknown_terms() -> None:
    anaemia = find_term("Anaemia")
    assert anaemia is not None
    assert anaemia.label == "Anemia"
    assert find_term("Nausea") is None  # not a lab term: no bands to grade it from a value
    assert find_term("") is None


def test_platelet_grade_definitions_are_the_ctcae_bands_in_clinical_units() -> None:
    term = find_term("platelet count decreased")
    assert term is not None
    assert grade_definitions(term) == [
        (1, "≥ 75 ×10⁹/L and < LLN"),
        (2, "≥ 50 ×10⁹/L and < 75 ×10⁹/L"),
        (3, "≥ 25 ×10⁹/L and < 50 ×10⁹/L"),
        (4, "< 25 ×10⁹/L"),
    ]
    for _, text in grade_definitions(term):
        assert "10*" not in text


def test_general_grades_are_ctcae_words() -> None:
    assert GENERAL_GRADES[1].startswith("Mild")
    assert GENERAL_GRADES[2].startswith("Moderate")
    assert GENERAL_GRADES[3].startswith("Severe or medically significant")
    assert GENERAL_GRADES[4].startswith("Life-threatening")
    assert GENERAL_GRADES[5] == "Death related to AE."
