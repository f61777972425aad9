"""The dosing and visit calendar from the first dose (clinical-facts §2–§3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from trialkit.dosing.parameters import DosingParameters


@dataclass(frozen=True)
class CyclePlan:
    cycle: int
    nominal: date
    earliest: date
    latest: date
    activity_gbq: float
    labs_from: date  # pre-dose labs dated in labs_from..nominal
    instructions: tuple[str, ...]


@dataclass(frozen=True)
class Visit:
    week: int
    date: date
    what: str


@dataclass(frozen=True)
class DosingPlan:
    first_dose: date
    cycles: tuple[CyclePlan, ...]
    imaging: tuple[Visit, ...]
    before_first_dose: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "first_dose": self.first_dose.isoformat(),
            "before_first_dose": list(self.before_first_dose),
            "cycles": [
                {
                    "cycle": c.cycle,
                    "nominal": c.nominal.isoformat(),
                    "earliest": c.earliest.isoformat(),
                    "latest": c.latest.isoformat(),
                    "activity_gbq": c.activity_gbq,
                    "pre_dose_labs_from": c.labs_from.isoformat(),
                    "instructions": list(c.instructions),
                }
                for c in self.cycles
            ],
            "imaging": [
                {"week": v.week, "date": v.date.isoformat(), "what": v.what} for v in self.imaging
            ],
        }


def imaging_weeks(params: DosingParameters, horizon_weeks: int | None = None) -> list[int]:
    """The weeks after the first dose of the tumour assessments (NETTER-2: 16, 24, then
    every 12), up to ``horizon_weeks`` (default ``imaging_horizon_weeks``)."""
    horizon = params.imaging_horizon_weeks if horizon_weeks is None else horizon_weeks
    weeks = list(params.imaging_weeks)
    while weeks[-1] + params.imaging_every_weeks <= horizon:
        weeks.append(weeks[-1] + params.imaging_every_weeks)
    return weeks


def make_plan(first_dose: date, params: DosingParameters) -> DosingPlan:
    cycles = []
    for n in range(1, params.cycles + 1):
        nominal = first_dose + timedelta(days=params.interval_days * (n - 1))
        window = timedelta(days=params.window_days if n > 1 else 0)
        cycles.append(
            CyclePlan(
                cycle=n,
                nominal=nominal,
                earliest=nominal - window,
                latest=nominal + window,
                activity_gbq=params.activity_gbq,
                labs_from=nominal - timedelta(days=params.lab_lookback_days),
                instructions=(
                    "pre-dose labs: Hb, WBC, platelets, creatinine and CrCl, ALT, AST, albumin, "
                    "bilirubin",
                    "dose check (trialkit dosing check) before giving the dose",
                    f"short-acting octreotide stopped ≥ {params.short_acting_stop_hours} h "
                    "before the dose",
                    "antiemetic before the amino acids",
                    "amino acids (L-lysine/L-arginine) from 30 min before, during, and ≥ 3 h "
                    "after the dose; not reduced when the activity is reduced",
                    f"octreotide LAR 30 mg {params.lar_after_dose_min_hours}–"
                    f"{params.lar_after_dose_max_hours} h after the dose",
                ),
            )
        )
    weeks = imaging_weeks(params)
    baseline_from = first_dose - timedelta(days=28)
    imaging = [
        Visit(
            0,
            baseline_from,
            f"baseline CT/MRI and 68Ga-DOTATATE PET/CT, from {baseline_from} "
            "to the first dose (≤ 28 days before it)",
        )
    ]
    imaging += [
        Visit(
            w,
            first_dose + timedelta(weeks=w),
            f"RECIST 1.1 tumour assessment (± {params.imaging_window_days} days)",
        )
        for w in weeks
    ]
    lar_stop = first_dose - timedelta(days=params.lar_stop_before_first_dose_days)
    return DosingPlan(
        first_dose=first_dose,
        cycles=tuple(cycles),
        imaging=tuple(imaging),
        before_first_dose=(
            f"last octreotide LAR injection on or before {lar_stop} "
            f"(≥ {params.lar_stop_before_first_dose_days} days before the first dose; "
            "trial rule EX17)",
        ),
    )
