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

from trialkit.calculators import Ops, age_years

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


class SqlOps(Ops):
    """The calculators' arithmetic as ibis expressions: the same formula, compiled."""

    def where(self, cond: Any, yes: Any, no: Any) -> Any:
        return ibis.cases((cond, yes), else_=no)

    def pow(self, base: Any, exponent: Any) -> Any:
        return ibis.literal(base) ** exponent if isinstance(base, int | float) else base**exponent

    def sqrt(self, value: Any) -> Any:
        return value.sqrt()

    def least(self, a: Any, b: Any) -> Any:
        return ibis.least(a, b)

    def greatest(self, a: Any, b: Any) -> Any:
        return ibis.greatest(a, b)

    def year(self, day: Any) -> Any:
        return day.year()

    def month(self, day: Any) -> Any:
        return day.month()

    def day(self, day: Any) -> Any:
        return day.day()


SQL = SqlOps()


def completed_years(birth: Any, as_of: date) -> ir.IntegerValue:
    """Age in completed years at as-of (calculators.age_years, compiled)."""
    years: ir.IntegerValue = age_years(SQL, birth, as_of)
    return years


def born_by(birth_low: Any, as_of: date) -> ir.BooleanValue:
    """A birth date that can be true at as-of (eligibility.demographics.age_at): a birth
    after as-of is a data-quality problem, the age unknown, never negative."""
    known: ir.BooleanValue = birth_low.notnull() & (birth_low <= ibis.literal(as_of))
    return known


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


Reduction = Callable[[ir.Table, Any], ir.Value]  # (rows, filter or None) → aggregate


class Aggregation:
    """Per-patient aggregates over one fact table, registered by the leaves that need them
    and computed together.

    An aggregate may belong to a *part* of the rows (``column == value``: one laboratory
    element, one CRF linkId). Two physical plans compute the same columns:

    - pivot (``split=False``): one ``GROUP BY pid`` with a filtered aggregate per column;
      few joins — what Spark needs (each join is stages);
    - split (``split=True``): one ``GROUP BY pid`` per part over that part's rows only, the
      per-part tables joined on pid — each row feeds only its own part's aggregates
      instead of every filtered aggregate (about 20× fewer aggregate updates on DuckDB).
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.aggregates: dict[str, Reduction] = {}
        self.parts: dict[str, tuple[str, Any]] = {}
        self._keys: dict[Hashable, str] = {}

    def add(self, fn: Callable[[ir.Table], ir.Value], key: Hashable | None = None) -> str:
        """Register an aggregate over all rows; the same ``key`` twice gives the same column."""
        return self.add_part(lambda rows, _where: fn(rows), key, None)

    def add_part(self, fn: Reduction, key: Hashable | None, part: tuple[str, Any] | None) -> str:
        """Register ``fn(rows, where)`` over the rows of ``part`` (``column == value``)."""
        if key is not None and key in self._keys:
            return self._keys[key]
        name = f"{self.prefix}{len(self.aggregates)}"
        self.aggregates[name] = fn
        if part is not None:
            self.parts[name] = part
        if key is not None:
            self._keys[key] = name
        return name

    def __bool__(self) -> bool:
        return bool(self.aggregates)

    def table(self, rows: ir.Table) -> ir.Table:
        """Every aggregate in one pass (the pivot plan)."""
        return rows.group_by("pid").aggregate(
            **{name: fn(rows, self._where(rows, name)) for name, fn in self.aggregates.items()}
        )

    def tables(self, rows: ir.Table, *, split: bool) -> list[ir.Table]:
        """The per-patient tables of the chosen plan (joined on pid by the caller)."""
        if not split or not self.parts:
            return [self.table(rows)]
        groups: dict[Any, list[str]] = {}
        for name in self.aggregates:
            groups.setdefault(self.parts.get(name), []).append(name)
        out = []
        for part, names in groups.items():
            subset = rows if part is None else rows.filter(rows[part[0]] == part[1])
            out.append(
                subset.group_by("pid").aggregate(
                    **{name: self.aggregates[name](subset, None) for name in names}
                )
            )
        return out

    def _where(self, rows: ir.Table, name: str) -> Any:
        part = self.parts.get(name)
        return None if part is None else rows[part[0]] == part[1]


def join_all(base: ir.Table, tables: list[ir.Table]) -> ir.Table:
    """Left-join per-patient tables on ``pid``; a patient absent from one gets NULLs."""
    if not tables:
        return base
    # one join chain and one projection at the end: re-projecting every column after each
    # join made building the expression quadratic in its width (seconds of pure Python)
    chain: Any = base
    for t in tables:
        chain = chain.left_join(t, base.pid == t.pid)
    joined: ir.Table = chain.select(
        *[base[c] for c in base.columns],
        *[t[c] for t in tables for c in t.columns if c != "pid"],
    )
    return joined


def split_plan(con: Any) -> bool:
    """Whether to aggregate part by part (DuckDB: cheap joins) rather than pivot in one pass
    (Spark: every join is shuffle stages). Same columns either way; both are tested."""
    return bool(con.name == "duckdb")
