"""MedDRA coding of CTCAE v5.0 terms: known codes from public copies of the CTCAE term list
(NCI PRO-CTCAE / ACCRU forms; the CTCAE v5.0 table at mycsg.in) — see cdisc/meddra.py."""

from __future__ import annotations

from trialkit.cdisc.meddra import code


def test_us_spelling_llts_sit_under_the_british_preferred_terms() -> None:
    diarrhea = code("diarrhoea")  # as a British site writes it
    assert diarrhea is not None
    assert (diarrhea.term, diarrhea.code) == ("Diarrhea", 10012727)  # the CTCAE term's LLT code
    assert (diarrhea.pt, diarrhea.pt_code) == ("Diarrhoea", 10012735)
    anemia = code("Anemia")
    assert anemia is not None
    assert (anemia.code, anemia.pt, anemia.pt_code) == (10002272, "Anaemia", 10002034)


def test_llts_that_are_their_own_preferred_term_and_the_unverified_one() -> None:
    platelets = code("platelet_count_decreased")  # trialkit's CTCAE key
    assert platelets is not None
    assert (platelets.code, platelets.pt_code, platelets.soc_code) == (10035528, 10035528, 10022891)
    assert platelets.verified
    lymphocytes = code("Lymphocyte count decreased")
    assert lymphocytes is not None
    assert not lymphocytes.verified
    assert code("Headache of unknown kind") is None  # uncoded, never guessed
