"""The dosing and visit calendar from the first dose, as the protocol's regimen declares it."""

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
                    # dates as …_date, one name per concept (issue 14 item 3)
                    "due_date": c.nominal.isoformat(),
                    "earliest_date": c.earliest.isoformat(),
                    "latest_date": c.latest.isoformat(),
                    "activity_gbq": c.activity_gbq,
                    "pre_dose_labs_from_date": c.labs_from.isoformat(),
                    "instructions": list(c.instructions),
                }
                for c in self.cycles
            ],
            "imaging": [
                {"week": v.week, "scan_date": v.date.isoformat(), "what": v.what}
                for v in self.imaging
            ],
        }


def imaging_weeks(params: DosingParameters, horizon_weeks: int | None = None) -> list[int]:
    """The weeks after the first dose of the tumour assessments (the regimen's
    ``imaging.weeks``, then every ``every_weeks``), up to ``horizon_weeks`` (default the
    regimen's ``horizon_weeks``); none when the regimen declares no imaging."""
    if params.regimen.imaging is None:
        return []
    horizon = params.imaging_horizon_weeks if horizon_weeks is None else horizon_weeks
    weeks = list(params.imaging_weeks)
    while weeks[-1] + params.imaging_every_weeks <= horizon:
        weeks.append(weeks[-1] + params.imaging_every_weeks)
    return weeks


def make_plan(first_dose: date, params: DosingParameters) -> DosingPlan:
    """The calendar of the regimen (``params.regimen``): each cycle's window and pre-dose lab
    dates, the premedication rules with their dates, the imaging visits."""
    regimen = params.regimen
    labs = [lab.short for lab in regimen.labs.values() if lab.required]
    labs += [d.short for d in regimen.derived.values() if d.required]
    values = {name: _shown(params.value(name)) for name in regimen.parameters}
    every = (
        f"pre-dose labs: {', '.join(labs)}",
        "dose check (trialkit dosing check) before giving the dose",
        *(text.format_map(values) for text in regimen.each_dose),
    )
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
                instructions=every,
            )
        )
    imaging: list[Visit] = []
    if regimen.imaging is not None:
        weeks = imaging_weeks(params)
        days = params.baseline_imaging_days
        baseline_from = first_dose - timedelta(days=days)
        imaging.append(
            Visit(
                0,
                baseline_from,
                f"{regimen.imaging.baseline}, from {baseline_from} to the first dose "
                f"(≤ {days} days before it)",
            )
        )
        what = f"{regimen.imaging.assessment} (± {params.imaging_window_days} days)"
        imaging += [Visit(w, first_dose + timedelta(weeks=w), what) for w in weeks]
    before = []
    for stop in regimen.before_first_dose:
        days = params.whole(stop.stop_days)
        last = first_dose - timedelta(days=days)
        before.append(
            f"{stop.what} on or before {last} (≥ {days} days before the first dose"
            + (f"; {stop.source})" if stop.source else ")")
        )
    return DosingPlan(
        first_dose=first_dose,
        cycles=tuple(cycles),
        imaging=tuple(imaging),
        before_first_dose=tuple(before),
    )


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(x) for x in value)
    return f"{value:g}" if isinstance(value, float) else str(value)
