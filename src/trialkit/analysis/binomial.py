"""Exact binomial inference: Clopper–Pearson intervals and single-stage designs (§10)."""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import beta, binom

from trialkit.errors import InputError


@dataclass(frozen=True)
class Interval:
    estimate: float
    lower: float
    upper: float
    confidence: float


def clopper_pearson(x: int, n: int, confidence: float = 0.95) -> Interval:
    """lower = Beta(α/2; x, n−x+1) (0 when x = 0); upper = Beta(1−α/2; x+1, n−x) (1 when x = n)."""
    if n <= 0 or not 0 <= x <= n:
        raise InputError(f"need 0 ≤ x ≤ n and n > 0 (x={x}, n={n})")
    if not 0 < confidence < 1:
        raise InputError(f"confidence {confidence} is not in (0, 1)")
    alpha = 1 - confidence
    lower = 0.0 if x == 0 else float(beta.ppf(alpha / 2, x, n - x + 1))
    upper = 1.0 if x == n else float(beta.ppf(1 - alpha / 2, x + 1, n - x))
    return Interval(x / n, lower, upper, confidence)


@dataclass(frozen=True)
class SingleStageDesign:
    n: int
    r: int  # declare activity if more than r responses
    alpha: float  # actual type I error P(X > r | p0)
    power: float  # actual power P(X > r | p1)


def single_stage_design(
    p0: float, p1: float, alpha: float, power: float, nmax: int = 500
) -> SingleStageDesign:
    """The smallest n (with its critical value r) for an exact one-sided binomial test of
    H0: p ≤ p0 against p1 with type I error ≤ ``alpha`` and power ≥ ``power``."""
    check_design_arguments(p0, p1, alpha, power)
    for n in range(1, nmax + 1):
        # smallest r with P(X > r | p0) ≤ alpha
        r = int(binom.ppf(1 - alpha, n, p0))
        while binom.sf(r, n, p0) > alpha:
            r += 1
        actual_power = float(binom.sf(r, n, p1))
        if actual_power >= power:
            return SingleStageDesign(n, r, float(binom.sf(r, n, p0)), actual_power)
    raise InputError(f"no single-stage design with n ≤ {nmax}")


def check_design_arguments(p0: float, p1: float, alpha: float, power: float) -> None:
    for name, value in (("p0", p0), ("p1", p1), ("alpha", alpha), ("power", power)):
        if not 0 < value < 1:
            raise InputError(f"{value} is not a probability in (0, 1)", field=f"--{name}")
    if p1 <= p0:
        raise InputError(f"p1 ({p1}) must be greater than p0 ({p0})", field="--p1")
