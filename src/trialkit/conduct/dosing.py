"""Whether a dose may be given as recorded: the cycle's window and the dose check at its date.

The dose check itself is :func:`trialkit.dosing.check_dose` (the label's dose-modification
table, clinical-facts §3); this module only compares the dose actually recorded with what
that check and the calendar allow:

- the window: cycle *n* > 1 is due ``interval_days × (n − 1)`` after the first dose, ± the
  label's ``window_days`` (8 ± 1 weeks); earlier is never allowed, later only while a
  toxicity holds the dose (the check then says withhold, and past ``max_delay_days``
  discontinue) or after it held it (resume at the reduced activity);
- the decision: withhold, withhold pending data and discontinue allow no dose;
- the activity: at most the activity the check allows (7.4 GBq, or the reduced
  3.7 GBq once reduced), within ``activity_tolerance_pct`` for the measured activity.

Each breach names its rule; the service refuses the dose, or records it as an
investigator's deviation with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from trialkit.conduct.deviations import Breach
from trialkit.dosing import DosingParameters
from trialkit.quality.plausible import reader_unit

DECISION_WORDS = {
    "withhold": "WITHHOLD",
    "withhold_pending_data": "WITHHOLD until the missing pre-dose results are in",
    "discontinue": "DISCONTINUE",
    "proceed": "PROCEED",
    "resume_reduced": "RESUME at the reduced activity",
}


@dataclass(frozen=True)
class ConductParameters:
    """Assumptions of the dose comparison (named, shown in docs/study-conduct.md)."""

    # trialkit default, UNVERIFIED: the measured activity may exceed the prescribed one by this
    # much before it counts as a different dose (dose calibrators and decay to the actual
    # administration time make the given activity differ a little from the prescription).
    activity_tolerance_pct: float = 10.0


def is_reduced(
    activity_gbq: float, params: DosingParameters, conduct: ConductParameters | None = None
) -> bool:
    """Whether a dose given at ``activity_gbq`` is a reduced dose, whatever its cause (a
    toxicity that withheld the cycle, a related adverse event, the investigator's decision):
    below the full activity by more than the measurement tolerance
    (``activity_tolerance_pct``; 7.4 GBq − 10 % = 6.66 GBq by default), so that a measured
    7.2 GBq is the full dose and 3.7 GBq a reduction. The stored ``reduced`` flag and the
    dose check's history both read it here."""
    conduct = conduct or ConductParameters()
    return activity_gbq < params.activity_gbq * (1 - conduct.activity_tolerance_pct / 100) - 1e-9


def window(first_dose: date, cycle: int, params: DosingParameters) -> tuple[date, date, date]:
    """(earliest, nominal, latest) date of ``cycle`` (cycle 1: the first dose itself)."""
    nominal = first_dose + timedelta(days=params.interval_days * (cycle - 1))
    slack = timedelta(days=params.window_days if cycle > 1 else 0)
    return nominal - slack, nominal, nominal + slack


def _lab(x: Mapping[str, Any]) -> str:
    unit = reader_unit(str(x.get("unit") or ""))
    # decisions stored with a dose before the output said lab_date carry "date"
    when = x.get("lab_date", x.get("date"))
    return f"{x.get('lab')} {x.get('value'):g}{' ' + unit if unit else ''} on {when}"


def _findings(decision: Mapping[str, Any]) -> str:
    parts = [
        f"{f['rule']}: " + ", ".join(_lab(x) for x in f.get("labs", []))
        if f.get("labs")
        else str(f["rule"])
        for f in decision.get("findings", [])
    ]
    parts += [str(n) for n in decision.get("notes", [])]
    return "; ".join(parts)


def dose_breaches(
    *,
    cycle: int,
    given_on: date,
    activity_gbq: float,
    first_dose: date | None,
    decision: Mapping[str, Any],
    params: DosingParameters,
    conduct: ConductParameters | None = None,
) -> list[Breach]:
    """The rules a dose of ``activity_gbq`` on ``given_on`` breaks, given the dose check's
    ``decision`` (``Decision.to_json()``) made as of ``given_on``."""
    conduct = conduct or ConductParameters()
    out: list[Breach] = []
    kind = str(decision.get("decision"))
    if cycle > 1 and first_dose is not None:
        earliest, nominal, latest = window(first_dose, cycle, params)
        if given_on < earliest:
            out.append(
                Breach(
                    "dosing_window",
                    "dose_before_window",
                    f"cycle {cycle} on {given_on} is before its window {earliest} – {latest} "
                    f"(due {nominal}, {(nominal - given_on).days} days early)",
                )
            )
        elif given_on > latest and kind == "proceed":  # resume_reduced: a toxicity held it
            out.append(
                Breach(
                    "dosing_window",
                    "dose_after_window",
                    f"cycle {cycle} on {given_on} is after its window {earliest} – {latest} "
                    f"({(given_on - nominal).days} days after the due date, "
                    "no toxicity holding it)",
                )
            )
    if kind in ("withhold", "withhold_pending_data", "discontinue"):
        why = _findings(decision)
        out.append(
            Breach(
                "dose_activity",
                f"dose_check_{kind}",
                f"the dose check for cycle {cycle} on {given_on} says "
                f"{DECISION_WORDS.get(kind, kind)}" + (f" ({why})" if why else ""),
            )
        )
    else:
        allowed = decision.get("activity_gbq")
        if isinstance(allowed, int | float):
            limit = float(allowed) * (1 + conduct.activity_tolerance_pct / 100)
            if activity_gbq > limit + 1e-9:
                out.append(
                    Breach(
                        "dose_activity",
                        "dose_activity_exceeds",
                        f"{activity_gbq:g} GBq given where the dose check allows {allowed:g} GBq "
                        f"(+{conduct.activity_tolerance_pct:g} % tolerance)",
                    )
                )
    return out
