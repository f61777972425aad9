"""Baseline characteristics a protocol declares (``baseline:``): the columns it adds to the
study folder's ``subjects.csv`` and the rows of the report's baseline table.

The engine's subject holds what every trial records (sex, age, enrolment, first dose, the
primary site as ICD-10, ECOG, death, last contact, the conduct stages). A trial's disease
characteristics (a tumour grade, a proliferation index, a hormone-receptor status) are the
protocol's: declared here, checked by the study loader as declared (a number within its range,
a choice among its values), written back by the study writer and summarised by the report. The
report's rows may also summarise the engine's columns (:data:`ENGINE_COLUMNS`), so a trial
chooses which ECOG scores or primary sites its table shows.

:func:`parse_baseline` is the only reader; the loader and ``trialkit protocol check`` call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from trialkit.errors import ProtocolError

KINDS = ("number", "choice")
# the subjects.csv columns of the engine a report row may summarise besides the declared ones
ENGINE_COLUMNS = ("sex", "age", "primary_site", "ecog")


class BaselineError(ProtocolError):
    """A ``baseline:`` section that does not validate: key path, what is wrong and the fix."""

    def __init__(self, file: str, where: str, problem: str, fix: str) -> None:
        super().__init__(f"{problem}. Fix: {fix}", source=file, field=where)
        self.where, self.problem, self.fix = where, problem, fix


@dataclass(frozen=True)
class BaselineColumn:
    name: str  # the subjects.csv column
    label: str
    kind: Literal["number", "choice"]
    unit: str = ""
    maximum: float | None = None  # a number is finite, ≥ 0 and at most this (None: no bound)
    choices: tuple[str, ...] = ()  # a choice is one of these


@dataclass(frozen=True)
class BaselineRow:
    """One row of the report's baseline table: the share of subjects whose value of ``column``
    equals ``equals`` or starts with ``prefix``, or (``median``) the median of a number."""

    label: str
    column: str
    equals: str | None = None
    prefix: str | None = None
    median: bool = False


@dataclass(frozen=True)
class Baseline:
    columns: tuple[BaselineColumn, ...] = ()
    rows: tuple[BaselineRow, ...] = ()

    def column(self, name: str) -> BaselineColumn | None:
        return next((c for c in self.columns if c.name == name), None)


def parse_baseline(body: Any, source: str) -> Baseline:
    """``baseline: {columns: {name: {label, kind, …}}, report: [{label, column, …}]}``."""
    if body is None:
        return Baseline()
    if not isinstance(body, Mapping) or set(body) - {"columns", "report"}:
        raise BaselineError(
            source,
            "baseline",
            "baseline is a mapping with columns: and report:",
            "write baseline: {columns: {name: {label, kind}}, report: [{label, column}]}",
        )
    raw_columns = body.get("columns") or {}
    if not isinstance(raw_columns, Mapping):
        raise BaselineError(
            source,
            "baseline.columns",
            "columns is a mapping of subjects.csv column: {label, kind}",
            "write each column as name: {label: …, kind: number|choice}",
        )
    columns = tuple(_column(str(n), b, source) for n, b in raw_columns.items())
    raw_rows = body.get("report") or []
    if not isinstance(raw_rows, list):
        raise BaselineError(
            source,
            "baseline.report",
            "report is a list of rows",
            "write report: as a list of {label, column, equals|prefix|median}",
        )
    known = {c.name: c for c in columns}
    rows = tuple(_row(i, r, known, source) for i, r in enumerate(raw_rows))
    return Baseline(columns, rows)


def _column(name: str, body: Any, source: str) -> BaselineColumn:
    where = f"baseline.columns.{name}"
    if name in ENGINE_COLUMNS or name in ("subject_id", "screening_id"):
        raise BaselineError(
            source, where, f"{name} is a column of the engine's own", "choose another name"
        )
    if not isinstance(body, Mapping) or body.get("kind") not in KINDS:
        raise BaselineError(
            source, where, "a column needs a kind: number or choice", "add kind: number|choice"
        )
    kind = body["kind"]
    maximum = body.get("maximum")
    if (
        kind == "number"
        and maximum is not None
        and (not isinstance(maximum, int | float) or isinstance(maximum, bool) or maximum <= 0)
    ):
        raise BaselineError(
            source, f"{where}.maximum", "maximum is a positive number", "write e.g. 100"
        )
    choices = body.get("choices") or []
    if kind == "choice" and (not isinstance(choices, list) or not choices):
        raise BaselineError(
            source,
            f"{where}.choices",
            "a choice column needs its choices",
            "add choices: [the values a cell may hold]",
        )
    return BaselineColumn(
        name=name,
        label=str(body.get("label") or name),
        kind=kind,
        unit=str(body.get("unit") or ""),
        maximum=None if maximum is None else float(maximum),
        choices=tuple(str(c) for c in choices) if kind == "choice" else (),
    )


def _row(i: int, body: Any, known: Mapping[str, BaselineColumn], source: str) -> BaselineRow:
    where = f"baseline.report[{i}]"
    if not isinstance(body, Mapping) or not body.get("label") or not body.get("column"):
        raise BaselineError(
            source, where, "a row needs a label and a column", "write {label: …, column: …}"
        )
    column = str(body["column"])
    if column not in known and column not in ENGINE_COLUMNS:
        raise BaselineError(
            source,
            f"{where}.column",
            f"unknown column {column!r}",
            f"declare {column} under baseline.columns, or use one of the engine's: "
            + ", ".join(ENGINE_COLUMNS),
        )
    # (``is``, not ``in``: ``equals: 0`` is a value, though 0 == False)
    ways = [k for k in ("equals", "prefix", "median") if body.get(k) is not None]
    ways = [k for k in ways if not (k == "median" and body[k] is False)]
    if len(ways) != 1:
        raise BaselineError(
            source,
            where,
            "a row summarises one way: equals, prefix or median",
            "give exactly one of equals: VALUE, prefix: TEXT, median: true",
        )
    declared = known.get(column)
    if ways == ["median"] and (
        (declared is not None and declared.kind != "number")
        or (declared is None and column not in ("age", "ecog"))
    ):
        raise BaselineError(
            source, f"{where}.median", f"{column} is not a number", "use equals: or prefix:"
        )
    equals = body.get("equals")
    if (
        declared is not None
        and declared.kind == "choice"
        and equals is not None
        and str(equals) not in declared.choices
    ):
        raise BaselineError(
            source,
            f"{where}.equals",
            f"{equals!r} is not one of {column}'s choices",
            "use one of " + ", ".join(declared.choices),
        )
    prefix = body.get("prefix")
    return BaselineRow(
        label=str(body["label"]),
        column=column,
        equals=None if equals is None else str(equals),
        prefix=None if prefix is None else str(prefix),
        median=ways == ["median"],
    )
