"""Kaplan–Meier estimation as R's ``survival`` package computes it (clinical-facts §10).

- Product-limit curve and risk table: lifelines' ``KaplanMeierFitter``, which
  gives the same S(t) as R's ``survfit`` (checked on random data in the tests).
- Standard error: Greenwood, Var(log S) = Σ d / (n (n − d)) (survfitKM).
- Pointwise bands for S(t), transform a parameter: ``plain`` S ± z·se(S),
  ``log`` exp(log S ± z·se(log S)), ``log-log`` exp(−exp(log(−log S) ± z·se/log S))
  — R's ``survfit_confint``: plain limits truncated to [0, 1], log upper limit
  to 1, and no limit (``None``, R's NA) where S = 0, nor for log-log where S = 1.
  lifelines only has log-log ("exponential Greenwood"); the other two are here.
- Median and its Brookmeyer–Crowley interval: R's ``quantile.survfit``. The
  median is the first time S(t) < 0.5; where S(t) equals 0.5 (within
  √machine-ε) over a stretch, the midpoint of that stretch (R and SAS). The
  interval applies the same rule to the bands: the set of t whose pointwise
  interval contains 0.5 runs from where the lower band reaches 0.5 to where
  the upper band does; ``None`` means not reached (NR). Where the curve ends at
  exactly 0.5, R takes the midpoint of the time it got there and the last
  follow-up; so does trialkit.
- Landmark rates: S(t) and its band at the last time ≤ t, with the number at
  risk at t (R ``summary(fit, times = t)``); not estimable (``None``) past the
  last follow-up unless the curve has reached 0 (R ``extend = TRUE``).

Times are in any one unit (trialkit passes months).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from trialkit.errors import InputError

CONF_TYPES = ("log-log", "log", "plain")
# R: quantile.survfit(tolerance = sqrt(.Machine$double.eps))
R_TOLERANCE = math.sqrt(sys.float_info.epsilon)


@dataclass(frozen=True)
class KMRow:
    """One distinct observed time (event or censoring), as a row of R's ``survfit``."""

    time: float
    n_at_risk: int
    n_events: int
    n_censored: int
    survival: float
    std_err: float | None  # Greenwood standard error of S(t); None where R gives NaN (S = 0)
    lower: float | None  # pointwise band; None where R gives NA
    upper: float | None


@dataclass(frozen=True)
class Landmark:
    time: float
    survival: float | None  # None: past the last follow-up, not estimable
    lower: float | None
    upper: float | None
    n_at_risk: int


@dataclass(frozen=True)
class KMResult:
    table: tuple[KMRow, ...]
    median: float | None  # None: not reached
    median_lower: float | None  # None: not reached
    median_upper: float | None  # None: not reached (NR)
    conf_type: str
    confidence: float
    landmarks: tuple[Landmark, ...]
    n: int
    events: int

    def at_risk(self, time: float) -> int:
        """Number at risk at ``time``: subjects whose follow-up is ≥ ``time``."""
        for row in self.table:
            if row.time >= time:
                return row.n_at_risk
        return 0


def km(
    times: Sequence[float],
    events: Sequence[bool | int],
    *,
    conf_type: str = "log-log",
    confidence: float = 0.95,
    landmarks: Sequence[float] = (),
) -> KMResult:
    """Kaplan–Meier estimate of ``times`` (event or censoring) with ``events``
    (1/True = event, 0/False = censored)."""
    durations, observed = _checked(times, events, conf_type, confidence, landmarks)
    from lifelines import KaplanMeierFitter  # heavy import, only when used

    fitter = KaplanMeierFitter().fit(durations, observed)
    table = fitter.event_table
    table = table[table["removed"] > 0]  # lifelines adds an empty row at 0
    time = table.index.to_numpy(dtype=float)
    at_risk = table["at_risk"].to_numpy(dtype=np.int64)
    died = table["observed"].to_numpy(dtype=np.int64)
    censored = table["censored"].to_numpy(dtype=np.int64)
    survival = fitter.survival_function_.loc[time].to_numpy(dtype=float).ravel()
    var_log = _greenwood(at_risk, died)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    lower, upper = _bands(survival, var_log, z, conf_type)
    rows = tuple(
        KMRow(
            time=float(time[i]),
            n_at_risk=int(at_risk[i]),
            n_events=int(died[i]),
            n_censored=int(censored[i]),
            survival=float(survival[i]),
            std_err=_finite(float(survival[i]) * math.sqrt(var_log[i])),
            lower=lower[i],
            upper=upper[i],
        )
        for i in range(time.size)
    )
    return KMResult(
        table=rows,
        median=quantile_time(rows, [r.survival for r in rows]),
        median_lower=quantile_time(rows, [r.lower for r in rows]),
        median_upper=quantile_time(rows, [r.upper for r in rows]),
        conf_type=conf_type,
        confidence=confidence,
        landmarks=tuple(_landmark(rows, t, z, conf_type) for t in landmarks),
        n=len(durations),
        events=int(sum(observed)),
    )


def quantile_time(
    rows: Sequence[KMRow], curve: Sequence[float | None], p: float = 0.5
) -> float | None:
    """Time at which a step curve (S(t) or one of its bands, one value per row,
    ``None`` for NA) reaches ``p`` — R survival's ``findq`` (quantile.survfit.R).

    R works on 1 − curve from (0, 0): repeated values (censorings) are dropped,
    keeping the first time each value was reached; the quantile is the mean of
    the first time 1 − curve ≥ 1 − p − tol and the first time it is ≥ 1 − p + tol,
    so a curve sitting at p has the midpoint of its flat stretch; a curve
    ending at p uses the last follow-up time as the end of the stretch."""
    target = 1 - p
    x = [0.0] + [r.time for r in rows]
    y: list[float | None] = [0.0, *(None if v is None else 1 - v for v in curve)]
    if max((v for v in y if v is not None), default=0.0) < target - R_TOLERANCE:
        return None
    last_time = x[-1]
    seen: set[float | None] = set()
    kept: list[tuple[float, float | None]] = []
    for xi, yi in zip(x, y, strict=True):
        if yi not in seen:
            seen.add(yi)
            kept.append((xi, yi))

    def first_index(shift: float) -> int | None:
        # approx(y + shift, index, target, method = "constant", f = 1): the point with
        # the smallest y + shift ≥ target (NA values are dropped)
        candidates = [
            (yi + shift, i)
            for i, (_, yi) in enumerate(kept)
            if yi is not None and yi + shift >= target
        ]
        return min(candidates)[1] if candidates else None

    at = first_index(R_TOLERANCE)
    end_value = kept[-1][1]
    if end_value is not None and abs(target - end_value) < R_TOLERANCE:
        return None if at is None else (kept[at][0] + last_time) / 2
    beyond = first_index(-R_TOLERANCE)
    if at is None or beyond is None:
        return None
    return (kept[at][0] + kept[beyond][0]) / 2


def _checked(
    times: Sequence[float],
    events: Sequence[bool | int],
    conf_type: str,
    confidence: float,
    landmarks: Sequence[float],
) -> tuple[list[float], list[bool]]:
    if conf_type not in CONF_TYPES:
        raise InputError(f"conf_type {conf_type!r} is not one of {', '.join(CONF_TYPES)}")
    if not 0 < confidence < 1:
        raise InputError(f"confidence {confidence} is not in (0, 1)", field="confidence")
    if not times or len(times) != len(events):
        raise InputError(
            f"need as many event flags as times, at least one (times {len(times)}, "
            f"events {len(events)})"
        )
    durations = [float(t) for t in times]
    if any(not math.isfinite(t) or t < 0 for t in durations):
        raise InputError("times must be finite and ≥ 0", field="times")
    if any(e not in (0, 1) for e in events):  # True == 1, False == 0
        raise InputError("event flags must be 1/True (event) or 0/False (censored)")
    if any(not math.isfinite(t) or t < 0 for t in landmarks):
        raise InputError("landmark times must be finite and ≥ 0", field="landmarks")
    return durations, [bool(e) for e in events]


def _greenwood(at_risk: np.ndarray, died: np.ndarray) -> np.ndarray:
    """Cumulative Σ d / (n (n − d)); infinite from a time where everyone at risk died."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(died > 0, died / (at_risk * (at_risk - died)), 0.0)
    return np.asarray(np.cumsum(terms), dtype=float)


def _bands(
    survival: np.ndarray, var_log: np.ndarray, z: float, conf_type: str
) -> tuple[list[float | None], list[float | None]]:
    lower: list[float | None] = []
    upper: list[float | None] = []
    for s, v in zip(survival, var_log, strict=True):
        lo, hi = band(float(s), float(v), z, conf_type)
        lower.append(lo)
        upper.append(hi)
    return lower, upper


def band(s: float, var_log: float, z: float, conf_type: str) -> tuple[float | None, float | None]:
    """Pointwise limits of S = ``s`` with Var(log S) = ``var_log`` (R survfit_confint)."""
    if s <= 0 or not math.isfinite(var_log):
        return None, None
    se_log = math.sqrt(var_log)
    if conf_type == "plain":
        half = z * se_log * s
        return max(s - half, 0.0), min(s + half, 1.0)
    if conf_type == "log":
        return math.exp(math.log(s) - z * se_log), min(math.exp(math.log(s) + z * se_log), 1.0)
    if s >= 1:
        return None, None
    shift = z * se_log / math.log(s)  # negative: log S < 0
    centre = math.log(-math.log(s))
    return math.exp(-math.exp(centre - shift)), math.exp(-math.exp(centre + shift))


def _landmark(rows: Sequence[KMRow], when: float, z: float, conf_type: str) -> Landmark:
    at_risk = next((r.n_at_risk for r in rows if r.time >= when), 0)
    before = [r for r in rows if r.time <= when]
    if not before:  # before the first observed time: S = 1, Var = 0
        lower, upper = band(1.0, 0.0, z, conf_type)
        return Landmark(when, 1.0, lower, upper, at_risk)
    last = before[-1]
    if when > rows[-1].time and last.survival > 0:
        return Landmark(when, None, None, None, 0)
    return Landmark(when, last.survival, last.lower, last.upper, at_risk)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
