"""Write a study as the documented CSV folder (the inverse of :func:`load_study`)."""

from __future__ import annotations

import csv
from dataclasses import astuple, fields
from datetime import date
from pathlib import Path
from typing import Any

from trialkit.study.model import (
    AdverseEvent,
    AssessmentRow,
    DeviationRow,
    Dose,
    LabRow,
    LesionMeasurement,
    ScreeningRow,
    Study,
    Subject,
    Therapy,
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _write(
    path: Path, cls: type, rows: tuple[Any, ...], rename: dict[str, str] | None = None
) -> None:
    names = [f.name for f in fields(cls)]
    header = [(rename or {}).get(n, n) for n in names]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            values = [_cell(v) for v in astuple(row)]
            if cls is LesionMeasurement:
                values[-1] = "baseline" if row.baseline else "follow-up"
            writer.writerow(values)


def write_study(study: Study, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "subjects.csv", Subject, study.subjects)
    _write(folder / "doses.csv", Dose, study.doses)
    _write(folder / "lesions.csv", LesionMeasurement, study.lesions, {"baseline": "visit"})
    _write(folder / "assessments.csv", AssessmentRow, study.assessments)
    _write(folder / "adverse_events.csv", AdverseEvent, study.adverse_events)
    _write(folder / "labs.csv", LabRow, study.labs)
    _write(folder / "therapies.csv", Therapy, study.therapies)
    _write(folder / "screening.csv", ScreeningRow, study.screening)
    _write(folder / "deviations.csv", DeviationRow, study.deviations)
    return folder
