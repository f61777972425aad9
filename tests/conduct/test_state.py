"""The conduct stages and their allowed transitions, over plain values (no store)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from trialkit.conduct.state import (
    TRANSITIONS,
    Stage,
    SubjectState,
    screening_state,
    subject_state,
)
from trialkit.errors import ProtocolRefusal


def state(**kw: Any) -> SubjectState:
    args: dict[str, Any] = {"status": "on_study", "given": (), "cycles": 4, **kw}
    return subject_state(**args)


def test_every_stage_is_reached_from_the_store() -> None:
    assert state().stage is Stage.ENROLLED
    assert state(given=(1,)).describe() == "cycle 2 due"
    done = state(given=(1, 2, 3, 4))
    assert done.describe() == "off treatment (all 4 cycles given)"
    early = state(given=(1,), treatment_end=date(2027, 1, 5), treatment_end_reason="toxicity")
    assert early.stage is Stage.OFF_TREATMENT
    assert state(status="follow_up").stage is Stage.FOLLOW_UP
    assert state(status="off_study").stage is Stage.OFF_STUDY
    assert screening_state(outcome="pending", signed_off=False).stage is Stage.SCREENED
    assert screening_state(outcome="pending", signed_off=True).stage is Stage.SIGNED_OFF
    assert screening_state(outcome="withdrawn", signed_off=True).stage is Stage.CLOSED


def test_no_stage_goes_back_to_treatment_and_off_study_is_final() -> None:
    after = (Stage.OFF_TREATMENT, Stage.FOLLOW_UP, Stage.OFF_STUDY)
    for stage in after:
        assert not TRANSITIONS[stage] & {Stage.ENROLLED, Stage.CYCLE_DUE}
    assert TRANSITIONS[Stage.OFF_STUDY] == frozenset()
    assert TRANSITIONS[Stage.CLOSED] == frozenset()


@pytest.mark.parametrize(
    ("kw", "rule"),
    [
        ({"given": (1, 2, 3, 4)}, "off_treatment"),
        ({"status": "follow_up", "given": (1,)}, "off_treatment"),
        ({"status": "off_study", "given": (1,)}, "off_study"),
        ({"given": (1,)}, "cycle_not_due"),
    ],
)
def test_doses_only_while_on_treatment_for_the_cycle_due(kw: dict[str, Any], rule: str) -> None:
    with pytest.raises(ProtocolRefusal) as info:
        state(**kw).require_dose(3)
    assert info.value.rule == rule


def test_all_cycles_given_is_off_treatment_without_an_explicit_end() -> None:
    done = state(given=(1, 2, 3, 4))
    with pytest.raises(ProtocolRefusal) as info:
        done.require_end_treatment()
    assert info.value.rule == "not_on_treatment"
    done.require_follow_up()


def test_an_enrolled_screening_is_not_enrolled_again() -> None:
    with pytest.raises(ProtocolRefusal) as info:
        screening_state(outcome="enrolled", signed_off=True).require_enrolment()
    assert info.value.rule == "already_enrolled"
