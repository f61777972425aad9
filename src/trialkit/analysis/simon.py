"""Simon's two-stage designs (Control Clin Trials 1989;10:1–10): optimal and minimax.

Stage 1 treats ``n1``; stop for futility if responses X1 ≤ ``r1``. Otherwise treat
``n − n1`` more and declare the drug active if the total X > ``r``. The optimal
design minimises the expected size under p0 (EN0); the minimax design minimises
``n`` (ties broken by EN0), as in R's clinfun::ph2simon.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import binom

from trialkit.analysis.binomial import check_design_arguments
from trialkit.errors import InputError


@dataclass(frozen=True)
class SimonDesign:
    kind: str
    r1: int
    n1: int
    r: int
    n: int
    en0: float
    pet0: float
    alpha: float
    power: float


def _reject_table(p: float, n1: int, n: int) -> np.ndarray:
    """R[r, r1] = P(X1 > r1 and X1 + X2 > r | p) for r in 0..n and r1 in 0..n1−1."""
    x1 = np.arange(n1 + 1)
    pmf1 = binom.pmf(x1, n1, p)
    r = np.arange(n + 1)
    # P(X2 > r − x1) with X2 ~ Bin(n − n1, p)
    joint = binom.sf(r[:, None] - x1[None, :], n - n1, p) * pmf1[None, :]
    # sum over x1 = r1+1..n1: reverse cumulative sum, shifted by one
    tail = np.cumsum(joint[:, ::-1], axis=1)[:, ::-1]
    return np.asarray(tail[:, 1:])


def simon_designs(
    p0: float, p1: float, alpha: float, power: float, nmax: int = 100
) -> tuple[SimonDesign, SimonDesign]:
    """(optimal, minimax) designs with type I error ≤ alpha and power ≥ power, n ≤ nmax."""
    check_design_arguments(p0, p1, alpha, power)
    candidates: list[SimonDesign] = []
    for n in range(2, nmax + 1):
        for n1 in range(1, n):
            a0 = _reject_table(p0, n1, n)
            a1 = _reject_table(p1, n1, n)
            pet0 = binom.cdf(np.arange(n1), n1, p0)
            for r1 in range(n1):
                ok = np.nonzero(a0[:, r1] <= alpha)[0]
                ok = ok[ok >= r1]
                if ok.size == 0:
                    continue
                r = int(ok[0])  # the smallest r keeps the most power
                if a1[r, r1] < power:
                    continue
                en0 = n1 + (1 - float(pet0[r1])) * (n - n1)
                candidates.append(
                    SimonDesign(
                        "", r1, n1, r, n, en0, float(pet0[r1]), float(a0[r, r1]), float(a1[r, r1])
                    )
                )
    if not candidates:
        raise InputError(f"no two-stage design with n ≤ {nmax}", field="--nmax")
    opt = min(candidates, key=lambda d: (round(d.en0, 9), d.n))
    mm = min(candidates, key=lambda d: (d.n, round(d.en0, 9)))
    return replace(opt, kind="optimal"), replace(mm, kind="minimax")
