"""Independent reference implementations the analysis tests compare against.

They share no code with ``trialkit.analysis`` and use neither scipy nor
lifelines: plain loops over ``math.comb`` binomial probabilities, written
from the published algorithms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def binom_pmf(x: int, n: int, p: float) -> float:
    if x < 0 or x > n:
        return 0.0
    return math.comb(n, x) * p**x * (1 - p) ** (n - x)


def binom_at_least(x: int, n: int, p: float) -> float:
    """P(Bin(n, p) ≥ x)."""
    return sum(binom_pmf(k, n, p) for k in range(max(x, 0), n + 1))


def ph2simon(
    pu: float, pa: float, ep1: float, ep2: float, nmax: int
) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]] | None:
    """(optimal, minimax) as (r1, n1, r, n): a line-by-line Python port of R's
    clinfun::ph2simon (veseshan/clinfun src/ph2simon.f, subroutine f2bdry, and
    print.ph2simon), except that stage-1 boundaries r1 = −1 (single-stage
    designs, which clinfun admits only through rounding) are skipped.

    ``ep2`` is the type II error β = 1 − power."""
    # clinfun's p0, p1 (dbinom) and cp0, cp1 (1 − pbinom(x − 1)) tables
    pmf0 = [[binom_pmf(x, m, pu) for x in range(m + 1)] for m in range(nmax + 1)]
    pmf1 = [[binom_pmf(x, m, pa) for x in range(m + 1)] for m in range(nmax + 1)]
    cp0 = [[binom_at_least(x, m, pu) for x in range(m + 1)] for m in range(nmax + 1)]
    cp1 = [[binom_at_least(x, m, pa) for x in range(m + 1)] for m in range(nmax + 1)]
    rows: dict[int, tuple[int, int, int, int, float]] = {}
    for n in range(2, nmax + 1):
        essn = float(n)
        for n1 in range(1, n):
            n2 = n - n1
            bprob0 = [0.0] * (n + 2)
            bprob1 = [0.0] * (n + 2)
            pet = 1.0
            for x1 in range(n1, -1, -1):  # Fortran's r1 loop: x1 = lowest stage-1 count kept
                pet -= pmf0[n1][x1]
                for r in range(n2 + x1, x1 - 1, -1):  # responses needed in total: X ≥ r
                    bprob0[r] += pmf0[n1][x1] * cp0[n2][r - x1]
                    bprob1[r] += pmf1[n1][x1] * cp1[n2][r - x1]
                    if x1 == 0:
                        continue  # r1 = −1: see the docstring
                    if bprob0[r] < ep1 and 1 - bprob1[r] < ep2:
                        ess = n1 + (1 - pet) * n2
                        if ess < essn:
                            essn = ess
                            rows[n] = (x1 - 1, n1, r - 1, n, ess)
                for r in range(0, x1):
                    bprob0[r] = bprob0[x1]
                    bprob1[r] = bprob1[x1]
    if not rows:
        return None
    ordered = [rows[n] for n in sorted(rows)]
    lowest = min(row[4] for row in ordered)
    optimal = next(row for row in ordered if row[4] == lowest)
    minimax = ordered[0]
    return optimal[:4], minimax[:4]


def two_stage_characteristics(p: float, r1: int, n1: int, r: int, n: int) -> tuple[float, float]:
    """(P(declare active), P(early termination)) — clinfun::oc.twostage.bdry."""
    pet = sum(binom_pmf(x, n1, p) for x in range(r1 + 1))
    active = sum(
        binom_pmf(x1, n1, p) * binom_at_least(r + 1 - x1, n - n1, p) for x1 in range(r1 + 1, n1 + 1)
    )
    return active, pet


def exact_single_stage(
    p0: Fraction, p1: Fraction, alpha: Fraction, power: Fraction, nmax: int
) -> tuple[int, int] | None:
    """(n, r) by exhaustive search in exact rational arithmetic: the smallest n
    with some r where P(X > r | p0) ≤ α and P(X > r | p1) ≥ power."""
    for n in range(1, nmax + 1):
        for r in range(n + 1):
            type1 = sum(math.comb(n, k) * p0**k * (1 - p0) ** (n - k) for k in range(r + 1, n + 1))
            if type1 > alpha:
                continue
            reached = sum(
                math.comb(n, k) * p1**k * (1 - p1) ** (n - k) for k in range(r + 1, n + 1)
            )
            if reached >= power:
                return n, r
            break  # larger r only lowers the power
    return None


def product_limit(
    times: Sequence[float], events: Sequence[bool]
) -> list[tuple[float, int, int, float]]:
    """(time, at risk, events, S(t)) at every distinct time: Kaplan & Meier (1958),
    S(t) = Π (1 − d/n) over event times ≤ t, multiplied in time order as R does."""
    out = []
    survival = 1.0
    for t in sorted(set(times)):
        at_risk = sum(1 for u in times if u >= t)
        died = sum(1 for u, e in zip(times, events, strict=True) if u == t and e)
        if died:
            survival *= (at_risk - died) / at_risk
        out.append((t, at_risk, died, survival))
    return out
