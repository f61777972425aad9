"""Dosing assumptions as named parameters with defaults and sources (clinical-facts §2–§3).

The record gives no dosing schedule; NETTER-2 and the Lutathera label are the
defaults. Values marked UNVERIFIED in clinical-facts are parameters, never
hard-coded truths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from trialkit.errors import InputError

SOURCES: dict[str, str] = {
    "cycles": "label / NETTER-2: 4 doses (clinical-facts §3)",
    "activity_gbq": "label: 7.4 GBq (200 mCi) per dose (§3)",
    "interval_days": "label: every 8 weeks (§3)",
    "window_days": "label: ±1 week (§3)",
    "reduced_activity_gbq": "UNVERIFIED: reduced activity 3.7 GBq (§3)",
    "reescalate_after_reduced_dose": (
        "US label dose-modification table (clinical-facts §3, UNVERIFIED wording): when the "
        "reduced dose does not bring the toxicity back, the next dose is the full activity"
    ),
    "max_delay_days": "label: discontinue if delay ≥ 16 weeks (§3)",
    "half_life_days": "177Lu half-life 6.647 d (§3)",
    "lab_lookback_days": "trialkit default: pre-dose labs within 14 days before the dose",
    "lar_stop_before_first_dose_days": (
        "trial EX17: LAR interruptible ≥ 6 weeks before (label: 4 weeks)"
    ),
    "short_acting_stop_hours": "label: short-acting SSA stopped ≥ 24 h before each dose (§3)",
    "lar_after_dose_min_hours": "label: LAR 30 mg 4–24 h after each dose (§3)",
    "lar_after_dose_max_hours": "label: LAR 30 mg 4–24 h after each dose (§3)",
    "renal_crcl_min": "UNVERIFIED: renal toxicity = CrCl < 40 mL/min (§3)",
    "renal_rise_pct": "UNVERIFIED: or ≥ 40 % rise in creatinine from baseline (§3)",
    "renal_fall_pct": "UNVERIFIED: or ≥ 40 % fall in CrCl from baseline (§3)",
    "hepatic_bilirubin_uln": "UNVERIFIED: hepatotoxicity = bilirubin > 3 × ULN (§3)",
    "hepatic_albumin_min_g_l": "UNVERIFIED: or albumin < 30 g/L with INR > 1.5 (§3)",
    "hepatic_inr_max": "UNVERIFIED: or albumin < 30 g/L with INR > 1.5 (§3)",
    "imaging_weeks": "NETTER-2: baseline, week 16, week 24, then every 12 weeks (§2)",
    "imaging_every_weeks": "NETTER-2: then every 12 weeks (§2)",
    "imaging_horizon_weeks": "trialkit default: plan imaging for 2 years",
    "imaging_window_days": (
        "UNVERIFIED: the record states no tolerance; ±7 days as the related phase III with "
        "the same drug (NCT05459844: every 12 ± 1 weeks, clinical-facts §1)"
    ),
}


@dataclass(frozen=True)
class DosingParameters:
    cycles: int = 4
    activity_gbq: float = 7.4
    interval_days: int = 56
    window_days: int = 7
    reduced_activity_gbq: float = 3.7
    reescalate_after_reduced_dose: bool = True
    max_delay_days: int = 112
    half_life_days: float = 6.647
    lab_lookback_days: int = 14
    lar_stop_before_first_dose_days: int = 42
    short_acting_stop_hours: int = 24
    lar_after_dose_min_hours: int = 4
    lar_after_dose_max_hours: int = 24
    renal_crcl_min: float = 40.0
    renal_rise_pct: float = 40.0
    renal_fall_pct: float = 40.0
    hepatic_bilirubin_uln: float = 3.0
    hepatic_albumin_min_g_l: float = 30.0
    hepatic_inr_max: float = 1.5
    imaging_weeks: tuple[int, ...] = (16, 24)
    imaging_every_weeks: int = 12
    imaging_horizon_weeks: int = 104
    imaging_window_days: int = 7

    def overrides(self) -> dict[str, tuple[Any, Any]]:
        """Parameters that differ from the defaults: name → (default, value)."""
        default = DosingParameters()
        return {
            f.name: (getattr(default, f.name), getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    def to_json(self) -> dict[str, Any]:
        return {
            f.name: {"value": getattr(self, f.name), "source": SOURCES[f.name]}
            for f in fields(self)
        }


def with_overrides(pairs: Mapping[str, str]) -> DosingParameters:
    """Apply ``--param name=value`` overrides, each checked against the parameter's type."""
    params = DosingParameters()
    known = {f.name: f for f in fields(params)}
    changes: dict[str, Any] = {}
    for name, text in pairs.items():
        if name not in known:
            raise InputError(
                f"unknown dosing parameter {name!r}; known: {', '.join(known)}", field="--param"
            )
        current = getattr(params, name)
        try:
            if isinstance(current, bool):
                if text.strip().lower() not in ("true", "false"):
                    raise ValueError(text)
                changes[name] = text.strip().lower() == "true"
                continue
            if isinstance(current, tuple):
                changes[name] = tuple(int(x) for x in text.split(","))
            else:
                changes[name] = type(current)(text)
        except ValueError:
            raise InputError(
                f"{text!r} is not a valid {type(current).__name__}", field=f"parameter {name}"
            ) from None
        if isinstance(changes[name], float) and not math.isfinite(changes[name]):
            raise InputError(f"{text!r} is not a finite number", field=f"parameter {name}")
        if isinstance(changes[name], int | float) and changes[name] <= 0:
            raise InputError("must be positive", field=f"parameter {name}")
    return replace(params, **changes)


def activity_problem(activity_gbq: float, params: DosingParameters) -> str | None:
    """Why a recorded administered activity cannot be real; None when it can.

    A recorded administration of 0 GBq is no administration, and one above twice the
    protocol activity (2 × 7.4 GBq by default; the label supplies 7.4 GBq per single-dose
    vial, clinical-facts §3) cannot be one dose given as planned: it is an entry or unit
    error (7400 MBq or 200 mCi typed as GBq), never a dose to analyse. Shared by the study
    loader and the study service so both refuse the same values.
    """
    if not math.isfinite(activity_gbq):
        return "is not a finite number"
    if activity_gbq <= 0 or activity_gbq > 2 * params.activity_gbq:
        return (
            f"activity {activity_gbq:g} GBq is not a plausible dose "
            f"(above 0 and at most {2 * params.activity_gbq:g} GBq, twice the protocol activity)"
        )
    return None
