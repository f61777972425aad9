"""Decay correction (clinical-facts §11 item 6) and the dosing plan (§2–§3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkit.dosing import (
    DosingParameters,
    decay_corrected_activity,
    decayed,
    gbq_to_mci,
    make_plan,
)


@pytest.mark.parametrize(
    ("days", "expected"),
    [(1, 6.6672), (6.647, 3.7), (7, 3.5663)],  # clinical-facts §11 item 6
)
def test_decay_vectors(days: float, expected: float) -> None:
    start = datetime(2026, 1, 1, 8, 0)
    result = decay_corrected_activity(7.4, start, start + timedelta(days=days))
    assert round(result.gbq, 4) == expected


def test_mci_conversion_one_mci_is_37_mbq() -> None:
    assert gbq_to_mci(7.4) == pytest.approx(200.0)  # label: 7.4 GBq (200 mCi)


def test_injection_before_calibration_is_hotter_and_noted() -> None:
    start = datetime(2026, 1, 2, 8, 0)
    result = decay_corrected_activity(7.4, start, start - timedelta(days=1))
    assert result.gbq > 7.4
    assert "before the calibration" in result.note


@given(st.floats(0.1, 20), st.floats(0, 60), st.floats(0, 60))
def test_activity_decreases_with_time_and_halves_per_half_life(
    a0: float, t1: float, t2: float
) -> None:
    lo, hi = sorted((t1, t2))
    assert decayed(a0, hi) <= decayed(a0, lo)
    assert decayed(a0, lo + 6.647) == pytest.approx(decayed(a0, lo) / 2)


def test_plan_four_cycles_every_eight_weeks() -> None:
    plan = make_plan(date(2026, 12, 1), DosingParameters())
    assert [c.nominal for c in plan.cycles] == [
        date(2026, 12, 1),
        date(2027, 1, 26),
        date(2027, 3, 23),
        date(2027, 5, 18),
    ]
    assert all(c.activity_gbq == 7.4 for c in plan.cycles)
    assert plan.cycles[1].earliest == date(2027, 1, 19)
    assert plan.cycles[1].latest == date(2027, 2, 2)
    weeks = [v.week for v in plan.imaging]
    assert weeks[:5] == [0, 16, 24, 36, 48]  # NETTER-2: baseline, 16, 24, then every 12
    assert "2026-10-20" in plan.before_first_dose[0]  # LAR ≥ 42 days before


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)))
def test_plan_cycles_sit_on_the_eight_week_grid_within_a_week(first: date) -> None:
    plan = make_plan(first, DosingParameters())
    for c in plan.cycles:
        grid = first + timedelta(days=56 * (c.cycle - 1))
        assert c.nominal == grid
        assert grid - timedelta(days=7) <= c.earliest <= c.latest <= grid + timedelta(days=7)
