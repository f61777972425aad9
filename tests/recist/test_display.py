"""Unconfirmed responses are said (RECIST 1.1: single-arm trials need a confirming scan)."""

from __future__ import annotations

from typing import Any

from trialkit.recist.display import response_label, unconfirmed


def result(bor: str, confirmed: bool, *overall: str) -> dict[str, Any]:
    return {
        "best_overall_response": bor,
        "confirmed": confirmed,
        "timepoints": [{"overall": o} for o in overall],
    }


def test_a_single_pr_is_an_unconfirmed_pr_and_the_best_response_says_so() -> None:
    r = result("SD", False, "PR")
    assert unconfirmed(r) == "PR"
    assert response_label(r) == "SD — PR not confirmed"


def test_a_confirmed_pr_is_labelled_confirmed() -> None:
    r = result("PR", True, "PR", "PR")
    assert unconfirmed(r) is None
    assert response_label(r) == "PR (confirmed)"


def test_a_confirmed_pr_with_a_later_single_cr_shows_the_cr_unconfirmed() -> None:
    assert unconfirmed(result("PR", True, "PR", "PR", "CR")) == "CR"


def test_responses_after_progression_do_not_count() -> None:
    r = result("SD", False, "SD", "PD", "PR")
    assert unconfirmed(r) is None
    assert response_label(r) == "SD"
