"""Exact binomial inference: Clopper–Pearson intervals, response rates and the
single-stage exact binomial design (clinical-facts §10).

The single-stage design tests H0: p ≤ p0 against H1: p = p1 with a one-sided
exact binomial test: treat ``n`` patients and declare the drug worth further
study if more than ``r`` respond. Type I error is P(X > r | p0) ≤ α and power
is P(X > r | p1) ≥ 1 − β, both computed exactly from the binomial
distribution (A'Hern, Stat Med 2001;20:859 tabulates the same designs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import beta, binom

from trialkit.errors import InputError


@dataclass(frozen=True)
class Interval:
    estimate: float
    lower: float
    upper: float
    confidence: float


@dataclass(frozen=True)
class Proportion:
    """``count`` of ``n`` with its point estimate and Clopper–Pearson interval."""

    count: int
    n: int
    estimate: float
    lower: float
    upper: float
    confidence: float


@dataclass(frozen=True)
class SingleStageDesign:
    n: int
    r: int  # declare activity if more than r of n respond
    alpha: float  # actual one-sided type I error P(X > r | p0)
    power: float  # actual power P(X > r | p1)


def clopper_pearson(x: int, n: int, confidence: float = 0.95) -> Interval:
    """Exact interval (clinical-facts §10): lower = Beta(α/2; x, n−x+1), 0 when x = 0;
    upper = Beta(1−α/2; x+1, n−x), 1 when x = n; α = 1 − confidence."""
    _check_count(x, n)
    _check_probability(confidence, "confidence")
    tail = (1 - confidence) / 2
    lower = 0.0 if x == 0 else float(beta.ppf(tail, x, n - x + 1))
    upper = 1.0 if x == n else float(beta.ppf(1 - tail, x + 1, n - x))
    return Interval(x / n, lower, upper, confidence)


def response_rate(responders: int, n: int, confidence: float = 0.95) -> Proportion:
    """Response rate with its Clopper–Pearson interval."""
    interval = clopper_pearson(responders, n, confidence)
    return Proportion(responders, n, interval.estimate, interval.lower, interval.upper, confidence)


def single_stage_design(
    p0: float, p1: float, alpha: float, power: float, nmax: int = 500
) -> SingleStageDesign:
    """The smallest ``n`` ≤ ``nmax`` having a critical value ``r`` with one-sided
    P(X > r | p0) ≤ ``alpha`` and P(X > r | p1) ≥ ``power``.

    For each n the smallest r meeting α is the one with the most power, so it is
    the only one to try."""
    check_design_arguments(p0, p1, alpha, power)
    if nmax < 1:
        raise InputError(f"nmax must be at least 1 (got {nmax})", field="--nmax")
    for n in range(1, nmax + 1):
        responses = np.arange(n + 1)
        type1 = binom.sf(responses, n, p0)  # P(X > r | p0) for r = 0..n
        r = int(np.argmax(type1 <= alpha))  # type1[n] = 0, so some r qualifies
        actual_power = float(binom.sf(r, n, p1))
        if actual_power >= power:
            return SingleStageDesign(n, r, float(type1[r]), actual_power)
    raise InputError(
        f"no single-stage design reaches power {power} with n ≤ {nmax}", field="--nmax"
    )


def check_design_arguments(p0: float, p1: float, alpha: float, power: float) -> None:
    """Shared checks of the phase II design inputs (all probabilities in (0, 1), p1 > p0)."""
    for name, value in (("p0", p0), ("p1", p1), ("alpha", alpha), ("power", power)):
        _check_probability(value, name)
    if p1 <= p0:
        raise InputError(f"p1 ({p1}) must be greater than p0 ({p0})", field="--p1")


def _check_probability(value: float, name: str) -> None:
    if not 0 < value < 1:  # also rejects NaN
        raise InputError(f"{value} is not a probability in (0, 1)", field=f"--{name}")


def _check_count(x: int, n: int) -> None:
    if n <= 0 or not 0 <= x <= n:
        raise InputError(f"need 0 ≤ x ≤ n and n > 0 (x={x}, n={n})", field="x/n")
