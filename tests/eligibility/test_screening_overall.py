"""Overall status rules (data dictionary §3) on a complete, eligible patient and variations."""

from __future__ import annotations

from tests.eligibility.builders import lab, record
from tests.eligibility.helpers import PROTOCOL, criterion, screen


def test_the_complete_record_is_eligible_with_every_criterion_decided() -> None:
    result = screen(record())
    undecided = [
        (c.id, c.reason, c.missing) for c in result.criteria if c.status.value == "unknown"
    ]
    assert undecided == []
    assert result.status.value == "eligible"


def test_criteria_appear_in_record_order_34_of_them() -> None:
    ids = [c.id for c in screen(record()).criteria]
    assert ids == [f"IN{i}" for i in range(1, 9)] + [f"EX{i}" for i in range(1, 27)]
    assert len(PROTOCOL.criteria) == 34


def test_an_exclusion_met_makes_ineligible_even_with_other_data_missing() -> None:
    rec = record(
        drop={"creatinine", "ecog", "ecog_obs", "lesions", "consent", "consent-date"},
        labs={"hemoglobin": lab("718-7", 70, "g/L")},
    )
    result = screen(rec)
    assert criterion(result, "EX2").status.value == "met"
    assert criterion(result, "IN5").status.value == "unknown"
    assert result.status.value == "ineligible"


def test_an_inclusion_not_met_makes_ineligible() -> None:
    result = screen(record(crf={"ecog": 2}, drop={"ecog_obs"}))
    assert criterion(result, "IN7").status.value == "not_met"
    assert result.status.value == "ineligible"


def test_one_unknown_makes_incomplete_never_eligible() -> None:
    result = screen(record(drop={"investigator-ex25"}))
    assert criterion(result, "EX25").status.value == "unknown"
    assert "investigator" in " ".join(criterion(result, "EX25").missing)
    assert result.status.value == "incomplete"


def test_every_verdict_names_its_data() -> None:
    result = screen(record())
    ex2 = criterion(result, "EX2")
    hb = next(e for e in ex2.evidence if e.element == "hemoglobin")
    assert (hb.source, hb.value, hb.unit, hb.original) == (
        "Observation/718-7-3",
        130,
        "g/L",
        "130 g/L",
    )
    assert hb.time == "2026-11-21"
    for c in result.criteria:
        assert c.evidence, f"{c.id} names no evidence"
