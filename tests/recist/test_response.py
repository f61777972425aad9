"""RECIST 1.1 against clinical-facts §11 items 7–9 and the guideline's tables (§4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.recist.helpers import study
from trialkit.recist import RecistInput, TimePoint, evaluate
from trialkit.recist.best_response import best_overall_response
from trialkit.recist.timepoint import overall_response


def responses(result_study: RecistInput) -> list[str]:
    result = evaluate(result_study)
    return [t.overall for t in result.timepoints]


# --- §11 item 7: target response ------------------------------------------------------------


def test_100_to_70_is_pr_and_100_to_71_is_sd() -> None:
    assert responses(study({"L1": 100}, [(56, {"L1": 70}, "none")])) == ["PR"]
    assert responses(study({"L1": 100}, [(56, {"L1": 71}, "none")])) == ["SD"]


def test_pd_is_measured_from_the_nadir() -> None:
    # nadir 50 → 60 (+20 %, +10 mm) is PD although 60 is below the baseline 100
    s = study({"L1": 100}, [(56, {"L1": 50}, "none"), (112, {"L1": 60}, "none")])
    assert responses(s) == ["PR", "PD"]


def test_five_mm_absolute_floor() -> None:
    # nadir 20 → 24 is +20 % but only +4 mm: SD; 20 → 25 is PD
    s = study({"L1": 30}, [(56, {"L1": 20}, "none"), (112, {"L1": 24}, "none")])
    assert responses(s)[1] == "SD"
    s = study({"L1": 30}, [(56, {"L1": 20}, "none"), (112, {"L1": 25}, "none")])
    assert responses(s)[1] == "PD"


def test_nadir_includes_baseline() -> None:
    # no shrinkage: +20 % and +5 mm over the baseline sum is PD at the first visit
    assert responses(study({"L1": 25}, [(56, {"L1": 30}, "none")])) == ["PD"]
    assert responses(study({"L1": 25}, [(56, {"L1": 29}, "none")])) == ["SD"]


def test_node_cr_rule_sum_above_zero() -> None:
    # node 20 + liver 30 → node 8, liver gone: CR although the sum is 8 mm
    s = study(
        {"N1": 20, "L1": 30}, [(56, {"N1": 8, "L1": "absent"}, "none")], nodes=frozenset({"N1"})
    )
    result = evaluate(s)
    assert result.timepoints[0].target == "CR"
    assert result.timepoints[0].sum_mm == 8
    s = study(
        {"N1": 20, "L1": 30}, [(56, {"N1": 10, "L1": "absent"}, "none")], nodes=frozenset({"N1"})
    )
    assert evaluate(s).timepoints[0].target == "PR"  # a 10 mm node is not normal


def test_too_small_counts_five_mm() -> None:
    result = evaluate(study({"L1": 40}, [(56, {"L1": "too_small"}, "none")]))
    assert result.timepoints[0].sum_mm == 5
    assert result.timepoints[0].target == "PR"


# --- §11 item 8: time-point response ------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "non_target", "new", "expected"),
    [
        ("CR", "CR", "none", "CR"),
        ("CR", "non-CR/non-PD", "none", "PR"),  # §11 item 8
        ("CR", "NE", "none", "PR"),
        ("CR", None, "none", "CR"),
        ("PR", "non-CR/non-PD", "none", "PR"),
        ("PR", "NE", "none", "PR"),
        ("SD", "NE", "none", "SD"),  # §11 item 8
        ("SD", "non-CR/non-PD", "none", "SD"),
        ("NE", "non-CR/non-PD", "none", "NE"),  # §11 item 8
        ("PR", "non-CR/non-PD", "unequivocal", "PD"),  # §11 item 8
        ("PD", "CR", "none", "PD"),
        ("CR", "PD", "none", "PD"),
        ("SD", "non-CR/non-PD", "equivocal", "SD"),  # equivocal: not PD yet
        (None, "CR", "none", "CR"),  # non-target only
        (None, "non-CR/non-PD", "none", "non-CR/non-PD"),
        (None, "NE", "none", "NE"),
        (None, "non-CR/non-PD", "unequivocal", "PD"),
    ],
)
def test_time_point_table(
    target: str | None, non_target: str | None, new: str, expected: str
) -> None:
    assert overall_response(target, non_target, new) == expected


def test_missing_target_lesion_is_ne_unless_the_others_already_show_pd() -> None:
    s = study({"L1": 30, "L2": 30}, [(56, {"L1": 20}, "none")])
    assert evaluate(s).timepoints[0].target == "NE"
    s = study({"L1": 30, "L2": 30}, [(56, {"L1": 75, "L2": "not_evaluated"}, "none")])
    assert evaluate(s).timepoints[0].target == "PD"  # 75 ≥ 1.2 × 60 and +15 mm


def test_non_target_statuses() -> None:
    base = {"L1": 30}
    s = study(
        base, [(56, {"L1": 30, "B1": "unequivocal_progression"}, "none")], non_targets=("B1",)
    )
    assert evaluate(s).timepoints[0].overall == "PD"
    s = study(base, [(56, {"L1": 30}, "none")], non_targets=("B1",))  # B1 not reported
    assert evaluate(s).timepoints[0].non_target == "NE"
    s = study(base, [(56, {"L1": "absent", "B1": "absent"}, "none")], non_targets=("B1",))
    assert evaluate(s).timepoints[0].overall == "CR"


# --- §11 item 9: best overall response with confirmation -------------------------------------


@pytest.mark.parametrize(
    ("visits", "expected", "confirmed"),
    [
        ([(56, 50), (112, 50)], "PR", True),  # PR d56, PR d112
        ([(56, 50), (112, 80)], "SD", False),  # PR d56, SD d112
        ([(56, 50), (70, 50)], "SD", False),  # PR d56, PR d70: 14 days apart
        ([(21, 90)], "NE", False),  # only SD at d21 (< 42 days)
    ],
)
def test_bor_vectors_pr_sd(visits: list[tuple[int, int]], expected: str, confirmed: bool) -> None:
    s = study({"L1": 100}, [(day, {"L1": size}, "none") for day, size in visits])
    result = evaluate(s)
    assert result.best_overall_response == expected
    assert result.confirmed is confirmed


def test_bor_cr_then_pd() -> None:
    # CR d56, PD d84 → SD (SD minimum met); CR d35, PD d84 → PD
    pd_visit = {"L1": "absent"}
    s = study({"L1": 40}, [(56, {"L1": "absent"}, "none"), (84, pd_visit, "unequivocal")])
    assert evaluate(s).best_overall_response == "SD"
    s = study({"L1": 40}, [(35, {"L1": "absent"}, "none"), (84, pd_visit, "unequivocal")])
    result = evaluate(s)
    assert result.best_overall_response == "PD"
    assert result.progression_date is not None


def test_confirmed_cr_and_response_date() -> None:
    s = study({"L1": 40}, [(56, {"L1": "absent"}, "none"), (112, {"L1": "absent"}, "none")])
    result = evaluate(s)
    assert result.best_overall_response == "CR"
    assert result.confirmed
    assert result.response_date == result.timepoints[0].date


def test_cr_then_pr_reads_as_pr() -> None:
    # a 4 mm lesion after a CR is below the 5 mm PD floor: the time point is PR, and the
    # earlier "CR" is read as PR (guideline note) — confirmed PR
    s = study({"L1": 40}, [(56, {"L1": "absent"}, "none"), (112, {"L1": 4}, "none")])
    result = evaluate(s)
    assert [t.overall for t in result.timepoints] == ["CR", "PR"]
    assert result.best_overall_response == "PR"
    assert result.confirmed


def test_reappearance_after_cr_is_pd() -> None:
    # nadir 0 after a CR: a lesion "too small to measure" (5 mm) is +5 mm → PD
    s = study({"L1": 40}, [(56, {"L1": "absent"}, "none"), (112, {"L1": "too_small"}, "none")])
    assert [t.overall for t in evaluate(s).timepoints] == ["CR", "PD"]


def test_equivocal_new_lesion_confirmed_later_dates_progression_back() -> None:
    s = study({"L1": 40}, [(56, {"L1": 38}, "equivocal"), (112, {"L1": 38}, "unequivocal")])
    result = evaluate(s)
    # RECIST 1.1 §4.3.3: once confirmed, the equivocal scan's time point is PD too
    assert [t.overall for t in result.timepoints] == ["PD", "PD"]
    assert result.best_overall_response == "PD"
    assert result.progression_date == result.timepoints[0].date


def test_baseline_validation_is_reported_not_fixed() -> None:
    s = study({"A": 20, "B": 20, "C": 20, "D": 20, "E": 20, "F": 20}, [(56, {}, "none")])
    result = evaluate(s)
    assert not result.baseline_valid
    assert any("6 target lesions" in i for i in result.baseline_issues)
    s = study({"N1": 12, "L1": 9}, [], nodes=frozenset({"N1"}))
    issues = evaluate(s).baseline_issues
    assert any("N1" in i and "15 mm" in i for i in issues)
    assert any("L1" in i and "10 mm" in i for i in issues)


# --- properties -----------------------------------------------------------------------------------

sizes = st.lists(st.floats(min_value=10, max_value=200), min_size=1, max_size=5)


@given(sizes, st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=4))
def test_shrinking_every_lesion_never_yields_pd_without_new_lesions(
    baseline: list[float], factors: list[float]
) -> None:
    targets = {f"L{i}": size for i, size in enumerate(baseline)}
    visits = []
    current = dict(targets)
    for k, factor in enumerate(factors, start=1):
        current = {lid: round(v * factor, 1) for lid, v in current.items()}  # never grows
        visits.append((56 * k, dict(current), "none"))
    result = evaluate(study(targets, visits))
    assert "PD" not in [t.overall for t in result.timepoints]
    assert result.best_overall_response != "PD"


@given(st.floats(min_value=10, max_value=200), st.floats(min_value=0, max_value=400))
def test_target_response_is_consistent_with_the_thresholds(base: float, after: float) -> None:
    result = evaluate(study({"L1": base}, [(56, {"L1": after}, "none")]))
    response = result.timepoints[0].target
    change = (after - base) / base * 100
    if after >= base * 1.2 and after - base >= 5:
        assert response == "PD"
    elif after == 0:
        assert response == "CR"
    elif change <= -30:
        assert response == "PR"
    else:
        assert response == "SD"


# --- the best-overall-response table of clinical-facts §4 (first → subsequent) ------------------


def _tp(day: int, overall: str) -> TimePoint:
    from datetime import timedelta

    from tests.recist.helpers import FIRST_DOSE

    return TimePoint(
        FIRST_DOSE + timedelta(days=day), None, None, None, None, None, "none", overall
    )


@pytest.mark.parametrize(
    ("first", "second", "min_met", "expected"),
    [
        ("CR", "CR", True, "CR"),
        ("CR", "SD", True, "SD"),
        ("CR", "SD", False, "PD"),  # disease back after a CR, SD minimum not met
        ("CR", "PD", True, "SD"),
        ("CR", "PD", False, "PD"),
        ("CR", "NE", True, "SD"),
        ("CR", "NE", False, "NE"),
        ("PR", "CR", True, "PR"),
        ("PR", "PR", True, "PR"),
        ("PR", "SD", True, "SD"),
        ("PR", "PD", True, "SD"),
        ("PR", "PD", False, "PD"),
        ("PR", "NE", True, "SD"),
        ("PR", "NE", False, "NE"),
        ("NE", "NE", True, "NE"),
    ],
)
def test_best_overall_response_table(first: str, second: str, min_met: bool, expected: str) -> None:
    # the first response on day 49 (SD minimum of 42 met) or day 14 (not met); the second 35 days
    # later (a confirmation, ≥ 28) when the minimum is met, 21 days later (none) when not
    day1, day2 = (49, 84) if min_met else (14, 35)
    result = best_overall_response(
        [_tp(day1, first), _tp(day2, second)],
        reference=_tp(0, "NE").date,
        confirmation_min_days=28,
        sd_min_days=42,
        has_targets=True,
    )
    assert result.response == expected
