"""Clopper–Pearson intervals, response rates and the single-stage exact binomial design."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis.reference import binom_at_least, exact_single_stage
from trialkit.analysis.binomial import clopper_pearson, response_rate, single_stage_design
from trialkit.errors import InputError


@pytest.mark.parametrize(
    ("x", "n", "confidence", "lower", "upper"),
    [
        (65, 151, 0.95, 0.3503, 0.5135),
        (12, 43, 0.95, 0.1533, 0.4367),
        (3, 13, 0.95, 0.0504, 0.5381),
        (0, 20, 0.95, 0.0, 0.1684),
        (20, 20, 0.95, 0.8316, 1.0),
        (9, 30, 0.95, 0.1473, 0.4940),
        (9, 30, 0.90, 0.1663, 0.4651),
    ],
)
def test_clopper_pearson_against_clinical_facts_vector_14(
    x: int, n: int, confidence: float, lower: float, upper: float
) -> None:
    interval = clopper_pearson(x, n, confidence)
    assert round(interval.lower, 4) == lower
    assert round(interval.upper, 4) == upper
    assert interval.estimate == x / n
    assert interval.confidence == confidence


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_clopper_pearson_limits_are_where_the_binomial_tails_equal_half_alpha(
    case: tuple[int, int], confidence: float
) -> None:
    # The exact interval inverts two one-sided binomial tests (Clopper & Pearson 1934):
    # P(X ≥ x | lower) = α/2 and P(X ≤ x | upper) = α/2 — checked with math.comb sums.
    x, n = case
    interval = clopper_pearson(x, n, confidence)
    tail = (1 - confidence) / 2
    assert interval.lower <= x / n <= interval.upper
    if x == 0:
        assert interval.lower == 0.0
    else:
        assert binom_at_least(x, n, interval.lower) == pytest.approx(tail, rel=1e-7)
    if x == n:
        assert interval.upper == 1.0
    else:
        assert 1 - binom_at_least(x + 1, n, interval.upper) == pytest.approx(tail, rel=1e-7)


def test_response_rate_netter2_orr_65_of_151() -> None:
    # clinical-facts §2 (NETTER-2 ORR 43.0%) and §11 item 14 (65/151 → [0.3503, 0.5135])
    rate = response_rate(65, 151)
    assert (rate.count, rate.n) == (65, 151)
    assert round(rate.estimate, 3) == 0.430
    assert (round(rate.lower, 4), round(rate.upper, 4)) == (0.3503, 0.5135)


@pytest.mark.parametrize(("x", "n"), [(-1, 10), (11, 10), (0, 0)])
def test_impossible_counts_are_input_errors(x: int, n: int) -> None:
    with pytest.raises(InputError):
        clopper_pearson(x, n)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, float("nan")])
def test_confidence_outside_zero_one_is_an_input_error(confidence: float) -> None:
    with pytest.raises(InputError, match="confidence"):
        clopper_pearson(3, 10, confidence)


@pytest.mark.parametrize(
    ("p0", "p1", "alpha", "power"),
    [
        ("0.2", "0.4", "0.05", "0.8"),
        ("0.1", "0.3", "0.05", "0.8"),
        ("0.3", "0.5", "0.05", "0.9"),
        ("0.05", "0.25", "0.10", "0.8"),
    ],
)
def test_single_stage_design_against_exact_rational_search(
    p0: str, p1: str, alpha: str, power: str
) -> None:
    # reference: exhaustive search in exact rational arithmetic (tests/analysis/reference.py)
    expected = exact_single_stage(Fraction(p0), Fraction(p1), Fraction(alpha), Fraction(power), 80)
    design = single_stage_design(float(p0), float(p1), float(alpha), float(power))
    assert (design.n, design.r) == expected
    assert design.alpha <= float(alpha)
    assert design.power >= float(power)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.05, 0.6),
    st.floats(0.15, 0.35),
    st.sampled_from([0.05, 0.1]),
    st.sampled_from([0.8, 0.9]),
)
def test_single_stage_design_is_the_smallest_that_meets_both_error_rates(
    p0: float, delta: float, alpha: float, power: float
) -> None:
    p1 = min(p0 + delta, 0.95)
    design = single_stage_design(p0, p1, alpha, power)
    # recomputed with math.comb: the design meets both rates ...
    assert binom_at_least(design.r + 1, design.n, p0) == pytest.approx(design.alpha, abs=1e-12)
    assert binom_at_least(design.r + 1, design.n, p1) == pytest.approx(design.power, abs=1e-12)
    assert design.alpha <= alpha
    assert design.power >= power
    # ... and no smaller n has a critical value that does
    for n in range(1, design.n):
        for r in range(n + 1):
            if binom_at_least(r + 1, n, p0) <= alpha:
                assert binom_at_least(r + 1, n, p1) < power
                break


def test_single_stage_design_out_of_reach_is_an_input_error() -> None:
    needed = single_stage_design(0.2, 0.4, 0.05, 0.8).n
    with pytest.raises(InputError, match="nmax"):
        single_stage_design(0.2, 0.4, 0.05, 0.8, nmax=needed - 1)


@pytest.mark.parametrize(
    ("p0", "p1", "alpha", "power", "field"),
    [
        (0.4, 0.2, 0.05, 0.8, "--p1"),
        (0.2, 0.2, 0.05, 0.8, "--p1"),
        (0.0, 0.4, 0.05, 0.8, "--p0"),
        (0.2, 1.0, 0.05, 0.8, "--p1"),
        (0.2, 0.4, 0.0, 0.8, "--alpha"),
        (0.2, 0.4, 0.05, 1.2, "--power"),
    ],
)
def test_design_arguments_are_checked(
    p0: float, p1: float, alpha: float, power: float, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        single_stage_design(p0, p1, alpha, power)
    assert caught.value.field == field
