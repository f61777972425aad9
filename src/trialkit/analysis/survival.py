"""Kaplan–Meier estimation with Greenwood variance, three CI transforms, median and
Brookmeyer–Crowley interval, landmark rates and numbers at risk (clinical-facts §10).

The product-limit curve and the at-risk table come from lifelines; the
confidence bands are computed here for the three transforms R's ``survfit``
offers (``plain``, ``log``, ``log-log``; lifelines only has log-log). The
median follows R and SAS: the first time the curve drops below 0.5, or — where
it equals 0.5 over a flat stretch — the midpoint of that stretch. The median's
interval applies the same rule to the confidence bands (Brookmeyer–Crowley as
R's ``quantile.survfit`` computes it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from trialkit.errors import InputError

CONF_TYPES = ("log-log", "log", "plain")
_TOL = 1e-9


@dataclass(frozen=True)
class KMRow:
    time: float
    n_at_risk: int
    n_events: int
    n_censored: int
    survival: float
    std_err: float  # standard error of S(t) (Greenwood)
    lower: float
    upper: float


@dataclass(frozen=True)
class Landmark:
    time: float
    survival: float
    lower: float
    upper: float
    n_at_risk: int


@dataclass(frozen=True)
class KMResult:
    table: tuple[KMRow, ...]
    median: float | None  # None: not reached
    median_lower: float | None
    median_upper: float | None  # None: not reached (NR)
    conf_type: str
    confidence: float
    landmarks: tuple[Landmark, ...]
    n: int
    events: int

    def at_risk(self, times: Sequence[float], all_times: Sequence[float]) -> list[int]:
        return [sum(1 for t in all_times if t >= x) for x in times]


def _bands(
    s: np.ndarray, var_log: np.ndarray, z: float, conf_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits of S(t); ``var_log`` is the Greenwood sum Σ d/(n(n−d)) = Var(log S)."""
    se_log = np.sqrt(var_log)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            se = s * se_log
            lower, upper = s - z * se, s + z * se
        elif conf_type == "log":
            lower, upper = s * np.exp(-z * se_log), s * np.exp(z * se_log)
        else:  # log-log, as R: exp(−exp(log(−log S) ± z·se/log S))
            loglog = np.log(-np.log(s))
            se2 = se_log / np.log(s)
            lower = np.exp(-np.exp(loglog - z * se2))
            upper = np.exp(-np.exp(loglog + z * se2))
            done = (s <= 0) | (s >= 1)
            lower = np.where(done, s, lower)
            upper = np.where(done, s, upper)
    return np.clip(np.nan_to_num(lower, nan=0.0), 0, 1), np.clip(
        np.nan_to_num(upper, nan=1.0), 0, 1
    )


def quantile_time(times: Sequence[float], curve: Sequence[float], p: float = 0.5) -> float | None:
    """First time the step curve drops below ``p``; the midpoint of a flat stretch at ``p``."""
    for i, value in enumerate(curve):
        if abs(value - p) <= _TOL:
            later = [t for t, v in zip(times[i + 1 :], curve[i + 1 :], strict=True) if v < p - _TOL]
            if not later:
                return None
            return (times[i] + later[0]) / 2
        if value < p - _TOL:
            return float(times[i])
    return None


def kaplan_meier(
    durations: Sequence[float],
    events: Sequence[bool | int],
    *,
    conf_type: str = "log-log",
    confidence: float = 0.95,
    landmarks: Sequence[float] = (),
) -> KMResult:
    if conf_type not in CONF_TYPES:
        raise InputError(f"conf_type {conf_type!r} is not one of {CONF_TYPES}")
    if len(durations) != len(events) or not durations:
        raise InputError("durations and events must be non-empty and of equal length")
    if any(not math.isfinite(d) or d < 0 for d in durations):
        raise InputError("durations must be finite and non-negative")
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(list(durations), [bool(e) for e in events])
    table = fitter.event_table
    rows = table[table.index > 0] if 0 not in set(durations) else table
    times = rows.index.to_numpy(dtype=float)
    at_risk = rows["at_risk"].to_numpy(dtype=int)
    died = rows["observed"].to_numpy(dtype=int)
    censored = rows["censored"].to_numpy(dtype=int)
    survival = fitter.survival_function_.loc[times].to_numpy(dtype=float).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > died, died / (at_risk * (at_risk - died)), np.inf)
    terms = np.where(died == 0, 0.0, terms)
    var_log = np.cumsum(terms)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    lower, upper = _bands(survival, var_log, z, conf_type)
    km_rows = tuple(
        KMRow(
            float(t),
            int(n),
            int(d),
            int(c),
            float(s),
            float(s * math.sqrt(v)) if math.isfinite(v) else 0.0,
            float(lo),
            float(hi),
        )
        for t, n, d, c, s, v, lo, hi in zip(
            times, at_risk, died, censored, survival, var_log, lower, upper, strict=True
        )
    )
    event_rows = [r for r in km_rows if r.n_events > 0]
    et = [r.time for r in event_rows]
    marks = []
    for when in landmarks:
        before = [r for r in km_rows if r.time <= when]
        last = before[-1] if before else None
        marks.append(
            Landmark(
                when,
                last.survival if last else 1.0,
                last.lower if last else 1.0,
                last.upper if last else 1.0,
                sum(1 for d in durations if d >= when),
            )
        )
    return KMResult(
        table=km_rows,
        median=quantile_time(et, [r.survival for r in event_rows]),
        median_lower=quantile_time(et, [r.lower for r in event_rows]),
        median_upper=quantile_time(et, [r.upper for r in event_rows]),
        conf_type=conf_type,
        confidence=confidence,
        landmarks=tuple(marks),
        n=len(durations),
        events=int(sum(bool(e) for e in events)),
    )
