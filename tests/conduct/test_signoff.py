"""The sign-off and enrolment rules, from the protocol's wording: an eligible sign-off only over
an established verdict, or with every open criterion waived with a reason."""

from __future__ import annotations

import pytest

from trialkit.conduct import ELIGIBLE_MEANING, check_enrolment, check_sign_off
from trialkit.errors import InputError, ProtocolRefusal

JUDGEMENT = ("EX24", "EX25", "EX26")


def sign(status: str, blocking: list[str], unknown: list[str], **kw: object) -> list[str]:
    args: dict[str, object] = {"meaning": ELIGIBLE_MEANING, "waive": (), "reason": ""} | kw
    breaches = check_sign_off(
        status=status,
        blocking=blocking,
        unknown=unknown,
        judgement=JUDGEMENT,
        **args,  # type: ignore[arg-type]
    )
    return [b.criterion or "" for b in breaches]


def test_an_eligible_verdict_is_signed_off_cleanly() -> None:
    assert sign("eligible", [], []) == []


def test_an_incomplete_verdict_is_refused_naming_the_unknown_criterion() -> None:
    with pytest.raises(ProtocolRefusal, match=r"incomplete \(EX1 unknown\)") as info:
        sign("incomplete", [], ["EX1"])
    assert info.value.rule == "eligibility_not_established"
    assert info.value.field == "meaning"


def test_an_ineligible_verdict_is_refused_naming_both_kinds() -> None:
    with pytest.raises(ProtocolRefusal, match=r"EX2 not satisfied; EX1 unknown"):
        sign("ineligible", ["EX2"], ["EX1"])


def test_a_partial_waiver_is_refused_naming_what_is_left() -> None:
    with pytest.raises(ProtocolRefusal, match=r"\(EX1 unknown\)"):
        sign("ineligible", ["EX2"], ["EX1"], waive=["EX2"], reason="r")


def test_a_full_waiver_needs_a_reason_and_gives_one_deviation_per_criterion() -> None:
    with pytest.raises(ProtocolRefusal) as info:
        sign("ineligible", ["EX2"], ["EX1"], waive=["EX2", "ex1"], reason="  ")
    assert info.value.rule == "waiver_reason_required"
    assert sign("ineligible", ["EX2"], ["EX1"], waive=["EX2", "ex1"], reason="PI decision") == [
        "EX2",
        "EX1",
    ]


def test_judgement_criteria_are_answered_never_waived() -> None:
    with pytest.raises(ProtocolRefusal) as info:
        sign("incomplete", [], ["EX1", "EX24"], waive=["EX1"], reason="r")
    assert info.value.rule == "judgement_unanswered"
    with pytest.raises(ProtocolRefusal):
        sign("incomplete", [], ["EX24"], waive=["EX24"], reason="r")


def test_waiving_a_decided_criterion_or_without_the_eligible_meaning_is_bad_input() -> None:
    with pytest.raises(InputError, match="nothing to waive"):
        sign("incomplete", [], ["EX1"], waive=["EX1", "IN1"], reason="r")
    with pytest.raises(InputError, match="goes with the sign-off"):
        sign("incomplete", [], ["EX1"], meaning="I have reviewed it", waive=["EX1"], reason="r")


def test_other_meanings_are_signatures_not_sign_offs() -> None:
    review = "I have reviewed the eligibility checklist"
    assert sign("incomplete", [], ["EX1"], meaning=review) == []


def enrol(**kw: object) -> None:
    args: dict[str, object] = {
        "status": "eligible",
        "blocking": [],
        "unknown": [],
        "signed": True,
        "confirms": True,
        "current": True,
        "waived": set(),
    } | kw
    check_enrolment(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "rule"),
    [
        ({"signed": False, "confirms": False}, "sign_off_required"),
        ({"confirms": False}, "sign_off_required"),
        ({"current": False}, "sign_off_stale"),
        ({"status": "incomplete", "unknown": ["EX1"]}, "eligibility_not_established"),
    ],
)
def test_enrolment_needs_a_current_sign_off_of_an_established_verdict(
    kw: dict[str, object], rule: str
) -> None:
    with pytest.raises(ProtocolRefusal) as info:
        enrol(**kw)
    assert info.value.rule == rule


def test_enrolment_after_a_waiver_of_every_open_criterion() -> None:
    enrol()
    enrol(status="incomplete", unknown=["EX1"], waived={"EX1"})
