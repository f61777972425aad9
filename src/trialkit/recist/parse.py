"""RECIST input JSON → typed records, with errors that name the file and the field."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from trialkit.errors import InputError
from trialkit.recist.model import (
    MAX_DIAMETER_MM,
    NEW_LESION_VALUES,
    NON_TARGET_STATUSES,
    TARGET_STATUSES,
    Assessment,
    BaselineLesion,
    LesionReading,
    RecistInput,
)
from trialkit.safe_io import read_json


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> InputError:
        return InputError(message, source=self.source, field=where)

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "expected an object")
        return value

    def date(self, value: Any, where: str) -> date:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(where, f"{value!r} is not a date (YYYY-MM-DD)") from None

    def size(self, value: Any, where: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"{value!r} is not a number of millimetres")
        try:
            size = float(value)
        except OverflowError:  # an integer too large for a float
            raise self.fail(where, "a number too large to be a diameter") from None
        if not math.isfinite(size):
            raise self.fail(where, f"{value!r} is not a measurement (a finite number of mm)")
        if size < 0:
            raise self.fail(where, f"negative diameter {value}")
        if size > MAX_DIAMETER_MM:
            raise self.fail(
                where,
                f"{size:g} mm is above the physical maximum of {MAX_DIAMETER_MM:g} mm "
                "for one measurement (a unit or entry error?)",
            )
        return size

    def integer(self, value: Any, where: str, default: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(where, f"{value!r} is not a whole number of days")
        return value


def parse_recist(data: Any, *, source: str) -> RecistInput:
    r = _Reader(source)
    top = r.mapping(data, "(top)")
    base = r.mapping(top.get("baseline"), "baseline")
    baseline_date = r.date(base.get("date"), "baseline.date")
    lesions: list[BaselineLesion] = []
    for i, raw in enumerate(_list(r, base.get("lesions"), "baseline.lesions")):
        where = f"baseline.lesions[{i}]"
        lesion = r.mapping(raw, where)
        lid = lesion.get("id")
        if not isinstance(lid, str) or not lid:
            raise r.fail(f"{where}.id", "every lesion needs an id")
        if any(existing.id == lid for existing in lesions):
            raise r.fail(f"{where}.id", f"duplicate lesion id {lid!r}")
        method = lesion.get("method")
        if method is not None and method not in ("CT", "MRI", "X-ray", "caliper"):
            raise r.fail(f"{where}.method", f"unknown method {method!r} (CT, MRI, X-ray, caliper)")
        lesions.append(
            BaselineLesion(
                id=lid,
                organ=str(lesion.get("organ", "")),
                is_node=bool(lesion.get("is_node", False)),
                target=bool(lesion.get("target", False)),
                diameter_mm=r.size(lesion.get("diameter_mm"), f"{where}.diameter_mm"),
                method=method,
                slice_mm=r.size(lesion.get("slice_mm"), f"{where}.slice_mm"),
                previously_irradiated=bool(lesion.get("previously_irradiated", False)),
            )
        )
    if not lesions:
        raise r.fail("baseline.lesions", "no baseline lesions")
    known = {lesion.id: lesion for lesion in lesions}
    assessments: list[Assessment] = []
    for i, raw in enumerate(_list(r, top.get("assessments"), "assessments")):
        where = f"assessments[{i}]"
        a = r.mapping(raw, where)
        when = r.date(a.get("date"), f"{where}.date")
        if when <= baseline_date:
            raise r.fail(f"{where}.date", f"{when} is not after the baseline {baseline_date}")
        if any(existing.date == when for existing in assessments):
            raise r.fail(f"{where}.date", f"duplicate assessment on {when}")
        readings: list[LesionReading] = []
        for j, raw_reading in enumerate(_list(r, a.get("lesions"), f"assessments[{i}].lesions")):
            at = f"{where}.lesions[{j}]"
            reading = r.mapping(raw_reading, at)
            lid = reading.get("id")
            if not isinstance(lid, str) or lid not in known:
                raise r.fail(f"{at}.id", f"unknown lesion {lid!r} (not at baseline)")
            if any(existing.id == lid for existing in readings):
                # Two readings of one lesion on one scan: which one is right is not ours to pick.
                raise r.fail(f"{at}.id", f"lesion {lid!r} is listed twice in this assessment")
            status = reading.get("status")
            allowed = TARGET_STATUSES if known[lid].target else NON_TARGET_STATUSES
            if status is not None and status not in allowed:
                raise r.fail(f"{at}.status", f"{status!r} is not one of {sorted(allowed)}")
            diameter = r.size(reading.get("diameter_mm"), f"{at}.diameter_mm")
            if known[lid].target and diameter is None and status is None:
                raise r.fail(at, f"target {lid}: give diameter_mm or a status")
            readings.append(LesionReading(lid, diameter, status))
        new = a.get("new_lesions", "none")
        if new not in NEW_LESION_VALUES:
            raise r.fail(
                f"{where}.new_lesions", f"{new!r} is not one of {sorted(NEW_LESION_VALUES)}"
            )
        assessments.append(Assessment(when, tuple(readings), new))
    first_dose = r.date(top["first_dose"], "first_dose") if top.get("first_dose") else None
    return RecistInput(
        subject=str(top.get("subject", "")),
        baseline_date=baseline_date,
        baseline=tuple(lesions),
        assessments=tuple(sorted(assessments, key=lambda a: a.date)),
        first_dose=first_dose,
        confirmation_min_days=r.integer(
            top.get("confirmation_min_days"), "confirmation_min_days", 28
        ),
        sd_min_days=r.integer(top.get("sd_min_days"), "sd_min_days", 42),
    )


def _list(r: _Reader, value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise r.fail(where, "expected a list")
    return value


def load_recist(path: Path) -> RecistInput:
    return parse_recist(read_json(path), source=str(path))
