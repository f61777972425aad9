"""Shared pieces of the relational compiler: three-valued columns, day numbers, aggregations.

A compiled node is a :class:`Rel` over the wide per-patient table: a boolean
``status`` (``TRUE`` met, ``FALSE`` not met, ``NULL`` unknown — SQL's
three-valued logic *is* Kleene's, docs/eligibility.md "Three values") and the
deciding evidence, a resource id and a value as text.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

NULL_BOOL = ibis.null("boolean")
NULL_STR = ibis.null("string")
USABLE_STATUSES = ("final", "amended", "corrected")  # eligibility.labs.USABLE_STATUSES


@dataclass(frozen=True)
class Rel:
    """One node's verdict per patient: status and the deciding evidence."""

    status: ir.BooleanValue
    source: ir.StringValue
    value: ir.StringValue


Rule = Callable[[ir.Table], Rel]


def rel(status: Any, source: Any = None, value: Any = None) -> Rel:
    return Rel(
        status,
        NULL_STR if source is None else source,
        NULL_STR if value is None else value,
    )


def day_number(column: Any) -> ir.IntegerValue:
    """Days since 0001-01-01 plus one (``date.toordinal``): never negative, so integer
    packing and division stay exact on every engine."""
    days: ir.IntegerValue = column.epoch_days().cast("int64") + date(1970, 1, 1).toordinal()
    return days


def minus_days(day: Any, days: int) -> Any:
    return day if days == 0 else day - ibis.interval(days=days)


def compare(left: Any, op: str, right: Any) -> ir.BooleanValue:
    result: ir.BooleanValue = {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]
    return result


def completed_years(birth: Any, as_of: date) -> ir.IntegerValue:
    """Age in completed years at as-of (model.time.completed_years)."""
    before = (birth.month() > as_of.month) | (
        (birth.month() == as_of.month) & (birth.day() > as_of.day)
    )
    years: ir.IntegerValue = as_of.year - birth.year() - ibis.cases((before, 1), else_=0)
    return years


def text(value: Any) -> ir.StringValue:
    """A value as evidence text (each engine's own rendering of numbers and dates)."""
    return value.cast("string")


def joined(*parts: Any) -> ir.StringValue:
    """Concatenation where a NULL part is dropped rather than making the whole NULL."""
    out: Any = None
    for part in parts:
        piece = ibis.literal(part) if isinstance(part, str) else part.fill_null("")
        out = piece if out is None else out + piece
    return out


class Aggregation:
    """Per-patient aggregates over one fact table, registered by the leaves that need them
    and computed together in one ``GROUP BY pid`` pass."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.aggregates: dict[str, Callable[[ir.Table], ir.Value]] = {}
        self._keys: dict[Hashable, str] = {}

    def add(self, fn: Callable[[ir.Table], ir.Value], key: Hashable | None = None) -> str:
        """Register an aggregate; the same ``key`` registered twice gives the same column."""
        if key is not None and key in self._keys:
            return self._keys[key]
        name = f"{self.prefix}{len(self.aggregates)}"
        self.aggregates[name] = fn
        if key is not None:
            self._keys[key] = name
        return name

    def __bool__(self) -> bool:
        return bool(self.aggregates)

    def table(self, rows: ir.Table) -> ir.Table:
        return rows.group_by("pid").aggregate(
            **{name: fn(rows) for name, fn in self.aggregates.items()}
        )


def join_all(base: ir.Table, tables: list[ir.Table]) -> ir.Table:
    """Left-join per-patient tables on ``pid``; a patient absent from one gets NULLs."""
    out = base
    for t in tables:
        out = out.left_join(t, "pid").select(
            *[out[c] for c in out.columns], *[t[c] for c in t.columns if c != "pid"]
        )
    return out
