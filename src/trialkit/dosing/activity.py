"""Decay-corrected 177Lu activity: A(t) = A0 · 2^(−t / 6.647 d) (clinical-facts §3)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

MBQ_PER_MCI = 37.0  # 1 mCi = 37 MBq


@dataclass(frozen=True)
class Activity:
    gbq: float
    mci: float
    elapsed_days: float
    note: str = ""


def decayed(a0_gbq: float, elapsed_days: float, half_life_days: float = 6.647) -> float:
    return a0_gbq * 2 ** (-elapsed_days / half_life_days)


def gbq_to_mci(gbq: float) -> float:
    return gbq * 1000 / MBQ_PER_MCI


def decay_corrected_activity(
    a0_gbq: float,
    calibration_time: datetime,
    injection_time: datetime,
    half_life_days: float = 6.647,
) -> Activity:
    """Activity at injection from the calibrated activity. An injection before the calibration
    time is allowed (the vial is then hotter than labelled) and said in ``note``."""
    if not math.isfinite(a0_gbq) or a0_gbq <= 0:  # NaN / ±Infinity are no value (issue 12)
        raise ValueError("calibration activity must be a positive finite number")
    if (calibration_time.tzinfo is None) != (injection_time.tzinfo is None):
        raise ValueError("give both times with a time zone, or neither")
    elapsed = (injection_time - calibration_time).total_seconds() / 86400
    try:
        gbq = decayed(a0_gbq, elapsed, half_life_days)
    except OverflowError:  # decades before the calibration: no vial was ever that hot
        raise ValueError(f"{-elapsed:.0f} days before the calibration time") from None
    note = (
        "injection before the calibration time: activity above the calibrated value"
        if elapsed < 0
        else ""
    )
    return Activity(gbq, gbq_to_mci(gbq), elapsed, note)
