"""The codes and units present in the data, matched by the evaluator's own functions.

Value sets and unit conversions are not rewritten in SQL. The distinct codes
(and, for measurements, code + unit pairs) of each fact table are fetched — a
few thousand rows even for millions of patients — and matched in Python with
:meth:`ValueSet.matches` / :meth:`ValueSet.matches_text` and the one UCUM layer
(``trialkit.units``); the answers go back to the engine as small lookup tables
that the fact tables join. So a value set or a unit rule has exactly one
implementation, and the population path cannot drift from the evaluator.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import ibis.expr.types as ir

from trialkit.errors import UnitError
from trialkit.model.codes import Code
from trialkit.protocol.forms import FormFeatures, FormGroup, form_of, route_codes
from trialkit.protocol.model import Element, Protocol
from trialkit.protocol.valuesets import ValueSet
from trialkit.relational.backend import lookup
from trialkit.units import convert
from trialkit.units.ucum import conversion_factor

_PROBE = math.pi / 7  # a value whose conversion is never a short decimal by chance


def fetch(con: Any, expr: ir.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = con.to_pyarrow(expr).to_pylist()
    return rows


def _vs_schema(names: Iterable[str], keys: Mapping[str, str]) -> dict[str, str]:
    return {**keys, **{f"vs_{n}": "boolean" for n in names}}


def value_set_flags(
    con: Any, table: ir.Table, value_sets: Mapping[str, ValueSet], *, with_text: bool = False
) -> ir.Table:
    """``(system, code_key[, text], vs_<name>…)`` for each distinct code of ``table`` that is in
    at least one of ``value_sets`` (text patterns too when ``with_text``: allergies)."""
    keys = ["system", "code_key"] + (["text"] if with_text else [])
    distinct = table.select(*[table[k].fill_null("").name(k) for k in keys]).distinct()
    rows = []
    for row in fetch(con, distinct):
        code = Code(row["system"], row["code_key"])
        flags = {
            f"vs_{name}": vs.matches(code)
            or (with_text and vs.matches_text(row.get("text")) is not None)
            for name, vs in value_sets.items()
        }
        if any(flags.values()):
            rows.append(row | flags)
    schema = _vs_schema(value_sets, dict.fromkeys(keys, "string"))
    return lookup(con, rows, schema, "codes")


FORM_KEYS = ("med_text", "route", "interval_days", "doses_per_day")
NO_NUMBER = -1.0  # stands for a missing interval or dose count in the join keys (never negative)


def form_keys(table: ir.Table) -> dict[str, Any]:
    """The medication rows' form features with NULLs filled, as join keys of form_table."""
    return {
        "med_text": table.med_text.fill_null(""),
        "route": table.route.fill_null(""),
        "interval_days": table.interval_days.fill_null(NO_NUMBER),
        "doses_per_day": table.doses_per_day.fill_null(NO_NUMBER),
    }


def form_table(
    con: Any, table: ir.Table, groups: Mapping[str, FormGroup], value_sets: Mapping[str, ValueSet]
) -> ir.Table:
    """``(med_text, route, interval_days, doses_per_day, form_<group>…)``: the declared form of
    each distinct combination of features in ``table``, by protocol.forms.form_of."""
    distinct = table.select(**form_keys(table)).distinct()
    rows = []
    for row in fetch(con, distinct):
        features = FormFeatures(
            row["med_text"],
            route_codes(row["route"]),
            None if row["interval_days"] == NO_NUMBER else row["interval_days"],
            None if row["doses_per_day"] == NO_NUMBER else row["doses_per_day"],
        )
        rows.append(row | {f"form_{g}": form_of(groups[g], features, value_sets) for g in groups})
    schema = {"med_text": "string", "route": "string"}
    schema |= {"interval_days": "float64", "doses_per_day": "float64"}
    schema |= {f"form_{g}": "string" for g in groups}
    return lookup(con, rows, schema, "forms")


@cache
def unit_factor(
    unit: str | None, target: str, analyte: str | None, iu_factor: float | None
) -> tuple[float | None, bool]:
    """(multiplier to the canonical unit, whether ``convert`` rounds the product to 9
    decimals) — or (None, False) when the unit is not convertible (it never decides)."""
    try:
        factor = conversion_factor(unit, target, analyte=analyte, iu_factor=iu_factor)
        probe = convert(_PROBE, unit, target, analyte=analyte, iu_factor=iu_factor)
    except UnitError:
        return None, False
    return factor, probe != _PROBE * factor


def measurement_tags(
    con: Any,
    rows: ir.Table,
    protocol: Protocol,
    elements: Mapping[str, int],
    iu_factors: Mapping[str, float | None],
    uln_defaults: Mapping[str, float | None],
) -> list[dict[str, Any]]:
    """For each distinct (code, unit, reference-range unit) of ``rows`` and each element whose
    value set holds the code: the element's number, the value's conversion factor and the
    reference range's (labs.read and labs.uln_for: the range converts without the IU factor,
    and a range with no unit takes the result's), and the site-default ULN."""
    distinct = rows.select(
        "system",
        "code_key",
        uk=rows.unit.fill_null(""),
        rk=rows.ref_unit.fill_null(""),
    ).distinct()
    out = []
    for row in fetch(con, distinct):
        code = Code(row["system"], row["code_key"])
        for name, eid in elements.items():
            element: Element = protocol.elements[name]
            if not protocol.value_sets[element.value_set].matches(code):
                continue
            target, analyte = element.unit or "1", element.analyte
            unit = row["uk"] or None
            factor, rounds = unit_factor(unit, target, analyte, iu_factors.get(name))
            ref_factor, ref_rounds = unit_factor(row["rk"] or unit, target, analyte, None)
            out.append(
                row
                | {"eid": eid, "factor": factor, "rounds": rounds}
                | {"ref_factor": ref_factor, "ref_rounds": ref_rounds}
                | {"uln_default": uln_defaults.get(name)}
            )
    return out


_TAG_SCHEMA = {
    "system": "string",
    "code_key": "string",
    "uk": "string",
    "rk": "string",
    "eid": "int64",
    "factor": "float64",
    "rounds": "boolean",
    "ref_factor": "float64",
    "ref_rounds": "boolean",
    "uln_default": "float64",
    "since": "int64",
}


def tag_table(con: Any, rows: list[dict[str, Any]]) -> ir.Table:
    """Rows of :func:`measurement_tags` (each with ``since``: the first day number an
    element's leaves read, or None) as a lookup table on the backend."""
    return lookup(con, rows, _TAG_SCHEMA, "units")


def score_table(con: Any, protocol: Protocol, elements: Mapping[str, int]) -> ir.Table:
    """(system, code, eid, score): coded answers that stand for a number (a performance
    status scale's answers, a graded answer)."""
    rows = [
        {"system": c.system, "code": c.code, "eid": eid, "score": float(score)}
        for name, eid in elements.items()
        for c, score in protocol.elements[name].scores.items()
    ]
    schema = {"system": "string", "code": "string", "eid": "int64", "score": "float64"}
    return lookup(con, rows, schema, "scores")


def polarity_table(con: Any, protocol: Protocol) -> ir.Table:
    """(system, code, positive) for the qualitative result codes (data dictionary §2)."""
    rows = [
        {"system": c.system, "code": c.code, "positive": 1} for c in protocol.qualitative_positive
    ]
    rows += [
        {"system": c.system, "code": c.code, "positive": 0} for c in protocol.qualitative_negative
    ]
    return lookup(con, rows, {"system": "string", "code": "string", "positive": "int8"}, "marks")
