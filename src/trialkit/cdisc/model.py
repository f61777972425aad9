"""Typed datasets: a specification (name, label, class, keys, variables) and its rows.

One specification per dataset is the single source of the XPT labels, the Dataset-JSON
columns, the define.xml metadata and the conformance checks' required variables, so the
four cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Cell = str | int | float | None
Row = Mapping[str, Cell]
# date: ISO 8601 text (SDTM --DTC); adate: an ADaM numeric date (*DT), held as ISO 8601 text in
# a row, written as a SAS date (days since 1960-01-01, format DATE9.) to XPT
VarType = Literal["text", "integer", "float", "date", "adate"]
Origin = Literal["Collected", "Derived", "Assigned", "Protocol", "Predecessor"]
Core = Literal["Req", "Exp", "Perm", "Cond"]


@dataclass(frozen=True)
class Var:
    name: str  # ≤ 8 characters (SAS transport v5)
    label: str  # ≤ 40 characters
    type: VarType = "text"
    core: Core = "Exp"
    origin: Origin = "Derived"
    codelist: str | None = None  # a name of trialkit.cdisc.ct.CODELISTS
    derivation: str = ""  # in words, for define.xml
    source: str = ""  # where a collected value comes from (study folder file and column)


@dataclass(frozen=True)
class Spec:
    name: str  # DM, ADSL, …
    label: str
    klass: str  # SDTM observation class or ADaM structure (define.xml def:Class)
    structure: str  # "One record per subject", …
    keys: tuple[str, ...]
    variables: tuple[Var, ...]
    standard: Literal["SDTMIG 3.4", "ADaMIG 1.3"] = "SDTMIG 3.4"

    def var(self, name: str) -> Var:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(f"{self.name}.{name}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    @property
    def is_adam(self) -> bool:
        return self.standard.startswith("ADaM")


@dataclass(frozen=True)
class Dataset:
    spec: Spec
    rows: tuple[dict[str, Cell], ...]

    @property
    def name(self) -> str:
        return self.spec.name

    def column(self, name: str) -> list[Cell]:
        return [r.get(name) for r in self.rows]

    def find(self, **where: Cell) -> dict[str, Cell]:
        """The one row whose variables equal ``where`` (a traceability lookup: zero or several
        matches is a programming error, not data to guess from)."""
        hits = [r for r in self.rows if all(r.get(k) == v for k, v in where.items())]
        if len(hits) != 1:
            raise LookupError(f"{self.name}: {len(hits)} rows match {where}")
        return hits[0]


def make(spec: Spec, rows: Sequence[Mapping[str, Cell]]) -> Dataset:
    """Rows in the specification's variable order; a variable a row lacks is missing (None).

    A row naming a variable the specification does not declare is a programming error: the
    package would carry an undocumented column."""
    names = spec.names
    out: list[dict[str, Cell]] = []
    for row in rows:
        extra = set(row) - set(names)
        if extra:
            raise ValueError(f"{spec.name}: variables not in the specification: {sorted(extra)}")
        out.append({n: row.get(n) for n in names})
    return Dataset(spec, tuple(out))


def with_seq(rows: list[dict[str, Cell]], seq: str, order: Sequence[str]) -> list[dict[str, Cell]]:
    """Sort by ``order`` (USUBJID first) and number --SEQ 1, 2, … within each subject."""
    rows = sorted(rows, key=lambda r: tuple(_sortable(r.get(k)) for k in order))
    counter: dict[str, int] = {}
    for r in rows:
        subject = str(r["USUBJID"])
        counter[subject] = counter.get(subject, 0) + 1
        r[seq] = counter[subject]
    return rows


def _sortable(value: Cell) -> tuple[int, str, float]:
    if value is None:
        return (0, "", 0.0)
    if isinstance(value, int | float):
        return (1, "", float(value))
    return (2, value, 0.0)
