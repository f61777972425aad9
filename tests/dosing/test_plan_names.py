"""The dosing calendar's JSON names its dates as ``…_date`` (issue 14 item 3, "one name per
concept"): a cycle's due date and window, its pre-dose lab window, each scan. Observed on
739de29: ``nominal``/``earliest``/``latest`` in the cycles, bare ``date`` for a scan."""

from __future__ import annotations

from datetime import date
from typing import Any

from trialkit.dosing import DosingParameters, make_plan

BARE = {"date", "earliest", "latest", "nominal", "pre_dose_labs_from"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_every_date_of_the_plan_is_named_as_a_date() -> None:
    plan = make_plan(date(2026, 12, 1), DosingParameters()).to_json()
    assert not _keys(plan) & BARE
    first, second = plan["cycles"][:2]
    assert first["due_date"] == "2026-12-01"
    # the label: one administration every 8 weeks (clinical-facts §2)
    assert second["due_date"] == "2027-01-26"
    assert first["earliest_date"] <= first["due_date"] <= first["latest_date"]
    assert second["pre_dose_labs_from_date"] < second["due_date"]
    assert all("scan_date" in visit for visit in plan["imaging"])
