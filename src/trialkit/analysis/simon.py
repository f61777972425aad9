"""Simon's two-stage designs (Control Clin Trials 1989;10:1–10): optimal and minimax.

Stage 1 treats ``n1`` patients and stops for futility if responses X1 ≤ ``r1``;
otherwise ``n − n1`` more are treated and the drug is declared active if the
total X > ``r`` (clinical-facts §10). Designs must have type I error
P(declare active | p0) ≤ α and power P(declare active | p1) ≥ 1 − β. The
optimal design minimises EN0, the expected sample size under p0; the minimax
design minimises ``n``.

The search and its tie-breaking follow R's clinfun::ph2simon (Fortran f2bdry),
which produced the published tables this module is tested against:

- for given (r1, n1, n), every feasible r has the same EN0; clinfun keeps the
  largest feasible r (searching r from r1 + n − n1 downwards), i.e. the
  design with the smallest type I error;
- for each n, the design with the smallest EN0; ties go to the smaller n1,
  then the larger r1 (clinfun's loop order);
- minimax is the smallest feasible n with that design; optimal is the smallest
  EN0 over all n, ties to the smaller n.

"Ties" are EN0 values equal within 1e-9 patients: different designs can have
mathematically equal EN0 (rational p0 such as 0.5) and floating-point noise
must not pick between them. Two departures from clinfun, both outside the
published tables: α and power are compared with ≤ and ≥ (clinfun: strict),
which matters only for exact equality; and r1 ≥ 0 (clinfun's r1 = −1 rows are
single-stage designs that enter only through rounding).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import binom

from trialkit.analysis.binomial import check_design_arguments
from trialkit.errors import InputError

EN0_TIE = 1e-9
NMAX_LIMIT = 300  # the search takes O(nmax⁴) time: seconds at 200; clinfun allows 1000
_BLOCK_ENTRIES = 1_000_000


class SearchLimitWarning(UserWarning):
    """The optimal design lies close to ``nmax``: a larger search might find a better one."""


@dataclass(frozen=True)
class SimonDesign:
    kind: str  # "optimal" or "minimax"
    r1: int
    n1: int
    r: int
    n: int
    en0: float  # expected sample size under p0
    pet0: float  # probability of early termination under p0
    alpha: float  # actual type I error
    power: float  # actual power


@dataclass(frozen=True)
class _Candidates:
    """Every feasible (r1, n1, r, n) with clinfun's r, as parallel arrays."""

    r1: npt.NDArray[np.int64]
    n1: npt.NDArray[np.int64]
    r: npt.NDArray[np.int64]
    n: npt.NDArray[np.int64]
    en0: npt.NDArray[np.float64]
    pet0: npt.NDArray[np.float64]
    alpha: npt.NDArray[np.float64]
    power: npt.NDArray[np.float64]

    def design(self, i: int, kind: str) -> SimonDesign:
        return SimonDesign(
            kind,
            int(self.r1[i]),
            int(self.n1[i]),
            int(self.r[i]),
            int(self.n[i]),
            float(self.en0[i]),
            float(self.pet0[i]),
            float(self.alpha[i]),
            float(self.power[i]),
        )


def simon_designs(
    p0: float, p1: float, alpha: float, power: float, nmax: int = 100
) -> tuple[SimonDesign, SimonDesign]:
    """(optimal, minimax) designs with n ≤ ``nmax``.

    Warns :class:`SearchLimitWarning` when the optimal n exceeds nmax − 10, as
    clinfun does."""
    check_design_arguments(p0, p1, alpha, power)
    if not 2 <= nmax <= NMAX_LIMIT:
        raise InputError(f"nmax must be between 2 and {NMAX_LIMIT} (got {nmax})", field="--nmax")
    found = _feasible(p0, p1, alpha, power, nmax)
    if found.n.size == 0:
        raise InputError(
            f"no two-stage design reaches power {power} with n ≤ {nmax}; raise --nmax",
            field="--nmax",
        )
    best = _best_per_n(found)
    minimax = best[0]  # best[] is ordered by n
    optimal = best[0]
    for i in best[1:]:
        if found.en0[i] < found.en0[optimal] - EN0_TIE:
            optimal = i
    result = found.design(optimal, "optimal"), found.design(minimax, "minimax")
    if result[0].n > nmax - 10:
        warnings.warn(
            f"optimal n = {result[0].n} is close to nmax = {nmax}; a larger nmax may find "
            "a design with smaller EN0",
            SearchLimitWarning,
            stacklevel=2,
        )
    return result


def _best_per_n(found: _Candidates) -> list[int]:
    """Index of each n's design: smallest EN0, then smaller n1, then larger r1."""
    best: list[int] = []
    for n in np.unique(found.n):
        rows = np.nonzero(found.n == n)[0]
        lowest = found.en0[rows].min()
        tied = rows[found.en0[rows] <= lowest + EN0_TIE]
        best.append(int(min(tied, key=lambda i: (found.n1[i], -found.r1[i]))))
    return best


def _feasible(p0: float, p1: float, alpha: float, power: float, nmax: int) -> _Candidates:
    pmf0, at_least0 = _binomial_tables(p0, nmax)
    pmf1, at_least1 = _binomial_tables(p1, nmax)
    parts: list[tuple[npt.NDArray[np.generic], ...]] = []
    for n1 in range(1, nmax):
        # blocks of stage-2 sizes keep each array near a million entries
        block = max(1, _BLOCK_ENTRIES // ((n1 + 1) * (nmax + 1)))
        for start in range(1, nmax - n1 + 1, block):
            n2 = np.arange(start, min(start + block, nmax - n1 + 1))
            part = _feasible_block(n1, n2, (pmf0, at_least0), (pmf1, at_least1), alpha, power)
            if part is not None:
                parts.append(part)
    if not parts:
        empty_i = np.empty(0, dtype=np.int64)
        empty_f = np.empty(0, dtype=np.float64)
        return _Candidates(empty_i, empty_i, empty_i, empty_i, empty_f, empty_f, empty_f, empty_f)
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    i = [c.astype(np.int64) for c in columns[:4]]
    f = [c.astype(np.float64) for c in columns[4:]]
    return _Candidates(i[0], i[1], i[2], i[3], f[0], f[1], f[2], f[3])


_Tables = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


def _feasible_block(
    n1: int,
    n2: npt.NDArray[np.int64],
    null: _Tables,
    alternative: _Tables,
    alpha: float,
    power: float,
) -> tuple[npt.NDArray[np.generic], ...] | None:
    """Feasible designs with stage-1 size ``n1`` and stage-2 sizes ``n2``."""
    nmax = null[0].shape[0] - 1
    reject0 = _reject(null[0][n1, : n1 + 1], null[1][n2], nmax)
    reject1 = _reject(alternative[0][n1, : n1 + 1], alternative[1][n2], nmax)
    # reject[n2, r1, r]; clinfun searches r1 ≤ r ≤ r1 + n2
    r1 = np.arange(n1)[None, :, None]
    r = np.arange(nmax + 1)[None, None, :]
    in_range = (r >= r1) & (r <= r1 + n2[:, None, None])
    ok = in_range & (reject0 <= alpha) & (reject1 >= power)
    n2_at, r1_at = np.nonzero(ok.any(axis=2))
    if n2_at.size == 0:
        return None
    # the largest feasible r (see the module docstring)
    r_at = nmax - np.argmax(ok[n2_at, r1_at, ::-1], axis=1)
    pet0 = np.cumsum(null[0][n1, :n1])[r1_at]  # P(X1 ≤ r1 | p0)
    stage2 = n2[n2_at]
    return (
        r1_at,
        np.full_like(r1_at, n1),
        r_at,
        n1 + stage2,
        n1 + (1 - pet0) * stage2,
        pet0,
        reject0[n2_at, r1_at, r_at],
        reject1[n2_at, r1_at, r_at],
    )


def _binomial_tables(
    p: float, nmax: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """pmf[m, x] = P(Bin(m, p) = x); at_least[m, k] = P(Bin(m, p) ≥ k), for
    m, x in 0..nmax and k in 0..nmax+1."""
    m = np.arange(nmax + 1)[:, None]
    pmf = binom.pmf(np.arange(nmax + 1)[None, :], m, p)
    at_least = binom.sf(np.arange(nmax + 2)[None, :] - 1, m, p)
    return np.asarray(pmf, dtype=np.float64), np.asarray(at_least, dtype=np.float64)


def _reject(
    stage1_pmf: npt.NDArray[np.float64], stage2_at_least: npt.NDArray[np.float64], nmax: int
) -> npt.NDArray[np.float64]:
    """reject[j, r1, r] = P(X1 > r1 and X1 + X2 > r) with X1 ~ Bin(n1, p) and X2 ~
    Bin(n2_j, p), for r1 in 0..n1−1 and r in 0..nmax."""
    n1 = stage1_pmf.size - 1
    x1 = np.arange(n1 + 1)[:, None]
    r = np.arange(nmax + 1)[None, :]
    needed = np.clip(r + 1 - x1, 0, nmax + 1)  # stage-2 responses needed for X > r
    joint = stage1_pmf[None, :, None] * stage2_at_least[:, needed]
    # Σ over x1 = r1+1..n1: a reversed cumulative sum, shifted by one
    tail = np.cumsum(joint[:, ::-1, :], axis=1)[:, ::-1, :]
    return np.asarray(tail[:, 1:, :], dtype=np.float64)


@dataclass(frozen=True)
class SimonDecision:
    """Where a study stands against a Simon two-stage design (Simon 1989)."""

    design: SimonDesign
    enrolled: int
    evaluable: int
    stage1_responses: int | None  # among the first n1 evaluable; None: stage 1 not complete
    stage1_continue: bool | None  # responses > r1
    total_responses: int | None  # among the first n evaluable; None: fewer than n evaluable
    active: bool | None  # responses > r: H0 rejected
    beyond_design: int  # subjects enrolled beyond n


def simon_decision(
    design: SimonDesign, enrolled: int, responders_in_order: Sequence[bool]
) -> SimonDecision:
    """The design's decisions from the evaluable subjects in enrolment order.

    Stage 1 stops for futility when at most ``r1`` of the first ``n1`` respond; the drug is
    declared active when more than ``r`` of the first ``n`` respond. Subjects beyond ``n``
    are outside the design's test (their responses enter only the descriptive estimates).
    """
    outcomes = list(responders_in_order)
    first = sum(outcomes[: design.n1]) if len(outcomes) >= design.n1 else None
    total = sum(outcomes[: design.n]) if len(outcomes) >= design.n else None
    return SimonDecision(
        design=design,
        enrolled=enrolled,
        evaluable=len(outcomes),
        stage1_responses=first,
        stage1_continue=None if first is None else first > design.r1,
        total_responses=total,
        active=None
        if total is None or (first is not None and first <= design.r1)
        else total > design.r,
        beyond_design=max(0, enrolled - design.n),
    )
