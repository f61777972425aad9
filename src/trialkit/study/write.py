"""Write a study as the documented CSV folder (the inverse of :func:`load_study`)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from trialkit.study.columns import BASELINE, DERIVED, TABLES, Table, with_baseline
from trialkit.study.lab_checks import lab_grade
from trialkit.study.model import LabRow, LesionMeasurement, Study, Subject


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _value(table: Table, row: Any, column: str, field: str) -> Any:
    if field == DERIVED:  # the one derived column: a result's CTCAE grade (study.lab_checks)
        assert isinstance(row, LabRow), column
        return lab_grade(row)
    if isinstance(row, LesionMeasurement) and field == "baseline":
        return "baseline" if row.baseline else "follow-up"
    if isinstance(row, Subject) and field.startswith(BASELINE):
        return row.value_of(column)
    return getattr(row, field)


def _write(path: Path, table: Table, rows: tuple[Any, ...]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        for row in rows:
            writer.writerow([_cell(_value(table, row, c, f)) for c, f in table.columns])


def write_study(study: Study, folder: Path) -> Path:
    from trialkit.protocol import load_protocol

    declared = [c.name for c in load_protocol(study.protocol_id).baseline.columns]
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES:  # each table is the Study field of the same name
        if table.record is Subject:
            table = with_baseline(table, declared)
        _write(folder / table.file, table, getattr(study, table.name))
    return folder
