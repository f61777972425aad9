"""Laboratory leaves (lab, qualitative, Cockcroft-Gault) in one pass over the measurements.

The rules are those of ``eligibility.labs`` (data dictionary §1 Lab recency,
Units, ULN; §4 Lookbacks). A result is usable when its status is final /
amended / corrected, it has no dataAbsentReason and its date lies on or before
as-of; the lookback only asks whether the *latest* usable day is recent enough
(a result older than the lookback is never the latest usable one in a window
while a newer one exists), so every lookback of an element shares one latest day.

All results of that latest day must agree: each row gets a code per rule
(0 not met, 1 met, 2 cannot be read), and ``max(day·4 + code)`` and
``max(day·4 + 3 − code)`` give, in one hash aggregate per patient, the latest
day and the highest and lowest code on it — decided only when both are the
same readable code (same-day disagreement → unknown, latest unreadable →
unknown: an older result never stands in). Values are converted with factors
from the UCUM layer (``relational.vocabulary``) and rounded as ``convert`` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir

from trialkit.calculators import calculator
from trialkit.eligibility.labs import LAB_LOOKBACK, first_dose_window, input_value
from trialkit.protocol import nodes as n
from trialkit.protocol.model import ParamValue, Protocol
from trialkit.relational.columns import (
    NULL_BOOL,
    SQL,
    USABLE_STATUSES,
    Aggregation,
    Reduction,
    Rel,
    Rule,
    born_by,
    compare,
    completed_years,
    day_number,
    joined,
    rel,
    split_plan,
    text,
)
from trialkit.relational.vocabulary import (
    measurement_tags,
    polarity_table,
    score_table,
    tag_table,
)


class LabFeatures:
    def __init__(self, protocol: Protocol, params: dict[str, ParamValue], as_of: date) -> None:
        self.p, self.params, self.as_of = protocol, params, as_of
        self.agg = Aggregation("lab")
        self.elements: dict[str, int] = {}
        self.qualitative_elements: set[int] = set()  # read the result's positive/negative code
        # per element, the first day any of its leaves can look at (None: no lookback)
        self.since: dict[int, int | None] = {}

    def _number(self, value: n.Number) -> float:
        if isinstance(value, n.Param):
            raw = self.params[value.name]
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise TypeError(f"parameter {value.name} is not a number")
            return float(raw)
        return value

    def _eid(self, element: str) -> int:
        return self.elements.setdefault(element, len(self.elements))

    def reads_days(self, element: str, first_day: int) -> int:
        """Register a reader of ``element``'s rows from day number ``first_day`` on (the daily
        nodes of relational.daily); returns the element's number."""
        eid = self._eid(element)
        self._reads_from(eid, first_day)
        return eid

    def _start(self, lookback: float | None) -> int | None:
        """Day number of the lookback's first day (None: no lookback)."""
        if lookback is None:
            return None
        return (self.as_of - timedelta(days=lookback)).toordinal()

    def _reads_from(self, eid: int, start: int | None) -> None:
        """Record that a leaf reads ``eid`` from day ``start``. A result before the earliest
        such day can never decide (only the latest usable day counts, and it must lie in the
        lookback), so those rows are dropped before any join."""
        if eid not in self.since:
            self.since[eid] = start
        else:
            old = self.since[eid]
            self.since[eid] = None if old is None or start is None else min(old, start)

    def _latest(self, eid: int, code: Any, key: tuple[Any, ...]) -> tuple[str, str]:
        """Columns packing (latest day, highest code) and (latest day, 3 − lowest code)."""
        part = ("eid", eid)
        hi = self.agg.add_part(
            lambda r, where: (r.d * 4 + code(r)).max(where=where), ("hi", *key), part
        )
        lo = self.agg.add_part(
            lambda r, where: (r.d * 4 + 3 - code(r)).max(where=where), ("lo", *key), part
        )
        return hi, lo

    def _evidence(self, eid: int, field: str) -> str:
        """The latest day's result (the greatest resource id among ties, on every engine)."""
        return self.agg.add_part(
            lambda r, where: ibis.struct({"d": r.d, "source": r.source, "v": r[field]}).max(
                where=where
            ),
            ("evidence", eid, field),
            ("eid", eid),
        )

    @staticmethod
    def _decided(w: ir.Table, hi: str, lo: str, start: int | None) -> tuple[Any, Any]:
        """(decided, code) from the packed columns; undecided without a recent-enough day."""
        day = w[hi] // 4
        top, bottom = w[hi] - day * 4, 3 - (w[lo] - day * 4)
        decided = w[hi].notnull() & (top == bottom) & (top < 2)
        if start is not None:
            decided = decided & (day >= start)
        return decided, top

    # --- leaves ----------------------------------------------------------------------------

    def lab(self, node: n.Lab) -> Rule:
        element = self.p.elements[node.element]
        eid = self._eid(node.element)
        lookback = self._number(node.lookback) if node.lookback is not None else None
        comparison, bounds = node.comparison, node.range

        def code(r: ir.Table) -> Any:
            if bounds is not None:
                holds = (r.v >= bounds.low) & (r.v <= bounds.high)
                return ibis.cases((r.v.isnull(), 2), (holds, 1), else_=0)
            assert comparison is not None
            if comparison.uln_multiple is not None:
                threshold = (r.uln * comparison.uln_multiple).round(9)  # labs._judge
            else:
                assert comparison.value is not None
                threshold = ibis.literal(self._number(comparison.value))
            holds = compare(r.v, comparison.op, threshold)
            return ibis.cases((r.v.isnull() | threshold.isnull(), 2), (holds, 1), else_=0)

        hi, lo = self._latest(eid, code, ("lab", node, lookback))
        evidence = self._evidence(eid, "v")
        start = self._start(lookback)
        self._reads_from(eid, start)
        unit = "" if element.unit in (None, "1") else f" {element.unit}"
        dose_window = first_dose_window(self.params, node.lookback)

        def rule(w: ir.Table) -> Rel:
            decided, top = self._decided(w, hi, lo, start)
            decided = decided & _near_first_dose(w, w[hi] // 4, dose_window)
            shown = w[evidence]
            return rel(
                ibis.cases((decided, top == 1), else_=NULL_BOOL),
                ibis.cases((decided, shown.source)),
                ibis.cases((decided, joined(text(shown.v), unit))),
            )

        return rule

    def qualitative(self, node: n.Qualitative) -> Rule:
        eid = self._eid(node.element)
        self.qualitative_elements.add(eid)
        lookback = self._number(node.lookback)

        def code(r: ir.Table) -> Any:
            return r.pol.fill_null(2)

        hi, lo = self._latest(eid, code, ("polarity", eid))
        evidence = self._evidence(eid, "pol")
        start = self._start(lookback)
        self._reads_from(eid, start)
        negative = ibis.literal(False) if node.negative_decides else NULL_BOOL

        def rule(w: ir.Table) -> Rel:
            decided, top = self._decided(w, hi, lo, start)
            status = ibis.cases((decided & (top == 1), True), (decided, negative), else_=NULL_BOOL)
            shown = ibis.cases((top == 1, "positive"), else_="negative")
            return rel(
                status,
                ibis.cases((status.notnull(), w[evidence].source)),
                ibis.cases((status.notnull(), shown)),
            )

        return rule

    def derived(self, node: n.Derived) -> Rule:
        """eligibility.labs.evaluate_derived: the declared calculator's own formula, compiled
        (calculators, over SQL), from the one usable value of each bound element on the latest
        day in the lab lookback, age at as-of and sex."""
        decl = self.p.derived[node.name]
        calc = calculator(decl.calculator)
        start = self._start(self._number(LAB_LOOKBACK))
        values: dict[str, tuple[str, str, str, float]] = {}
        for need in calc.number_inputs():
            element = self.p.elements[decl.inputs[need.name]]
            eid = self._eid(element.name)
            self._reads_from(eid, start)
            unread = self.agg.add_part(_latest_unread(), ("unread", eid), ("eid", eid))
            top = self.agg.add_part(_latest_value(1), ("top", eid), ("eid", eid))
            bottom = self.agg.add_part(_latest_value(-1), ("bottom", eid), ("eid", eid))
            factor = input_value(1.0, element, str(need.unit))
            values[need.name] = (unread, top, bottom, factor)
        assert node.comparison.value is not None
        op, threshold = node.comparison.op, self._number(node.comparison.value)
        as_of = self.as_of
        dose_window = first_dose_window(self.params, LAB_LOOKBACK)
        kinds = {i.kind for i in calc.inputs}

        def one(w: ir.Table, key: str) -> tuple[Any, Any]:
            unread, top, bottom, factor = values[key]
            day = w[unread] // 2
            ok = w[unread].notnull() & (w[unread] - day * 2 == 0) & (day >= start)
            ok = ok & (w[top]["v"] == -w[bottom]["v"])
            ok = ok & _near_first_dose(w, day, dose_window)
            return ok, w[top]["v"] if factor == 1.0 else w[top]["v"] * factor

        def rule(w: ir.Table) -> Rel:
            ok: Any = ibis.literal(True)
            inputs: dict[str, Any] = {}
            for key in values:
                known, inputs[key] = one(w, key)
                ok = ok & known
            if "age" in kinds:
                inputs["age"] = completed_years(w.birth_low, as_of)
                ok = ok & born_by(w.birth_low, as_of)
                ok = ok & (inputs["age"] == completed_years(w.birth_high, as_of))
            if "sex" in kinds:
                inputs["female"] = w.sex == "female"
                ok = ok & w.sex.isin(["male", "female"])
            raw = calc.formula(SQL, inputs)
            status = ibis.cases(
                (ok, rounded_compare(raw, calc.digits, op, threshold)), else_=NULL_BOOL
            )
            return rel(
                status,
                ibis.cases((ok, f"derived:{calc.name.replace('_', '-')}")),
                ibis.cases((ok, joined(text(raw.round(calc.digits)), f" {calc.unit}"))),
            )

        return rule

    # --- the row table ---------------------------------------------------------------------

    def tables(
        self,
        con: Any,
        tables: dict[str, ir.Table],
        more: Callable[[ir.Table], list[ir.Table]] | None = None,
    ) -> list[ir.Table]:
        """The per-patient tables of the lab leaves, and ``more(rows)``'s over the same rows
        (relational.daily)."""
        if not self.elements:
            return []
        m = tables["measurement"]
        usable = self._usable(m)
        iu = {
            name: self._number(n.Param(str(self.p.elements[name].iu_factor_param)))
            if self.p.elements[name].iu_factor_param
            else None
            for name in self.elements
        }
        uln = {
            name: self._number(n.Param(str(self.p.elements[name].uln_param)))
            if self.p.elements[name].uln_param
            else None
            for name in self.elements
        }
        tags = [
            row | {"since": self.since[row["eid"]]}
            for row in measurement_tags(con, usable, self.p, self.elements, iu, uln)
        ]
        # only elements read through coded values (scores such as ECOG, qualitative results)
        # go through the joins with the value codes; the other rows skip them. The two
        # branches read the table separately: one shared row set would be materialised
        coded = self.qualitative_elements | {
            eid for name, eid in self.elements.items() if self.p.elements[name].scores
        }
        plain_tags = [t for t in tags if t["eid"] not in coded]
        coded_tags = [t for t in tags if t["eid"] in coded]
        branches = []
        if plain_tags or not coded_tags:
            plain = self._tagged(con, usable, plain_tags)
            branches.append(plain.mutate(score=ibis.null("float64"), pol=ibis.null("int8")))
        if coded_tags:
            # the code filter (implied by the join) makes this branch its own scan of the
            # table rather than a second reader of ``usable``
            keys = sorted({t["code_key"] for t in coded_tags})
            rows = self._tagged(con, self._usable(m, m.code_key.isin(keys)), coded_tags)
            branches.append(self._with_value_codes(con, rows, tables["measurement_value"]))
        rows = branches[0] if len(branches) == 1 else branches[0].union(branches[1])
        raw = rows.value * rows.factor
        ref = rows.ref_high * rows.ref_factor
        value = ibis.cases(
            (rows.score.notnull(), rows.score), (rows.rounds, raw.round(9)), else_=raw
        )
        rows = rows.mutate(
            # negative as recorded is impossible, even where the conversion rounds it to -0
            v=self._plausible_only(
                rows.eid, ibis.cases((rows.value < 0, ibis.null("float64")), else_=value)
            ),
            uln=ibis.cases(
                (rows.ref_high.notnull(), ibis.cases((rows.ref_rounds, ref.round(9)), else_=ref)),
                else_=rows.uln_default,
            ),
        )
        extra = more(rows) if more is not None else []
        return (self.agg.tables(rows, split=split_plan(con)) if self.agg else []) + extra

    def _plausible_only(self, eid: Any, value: Any) -> Any:
        """``value`` where it lies in its element's physiologically possible range, else NULL:
        cannot be read (labs.read with quality.plausible). NaN compares above every number
        and ±Infinity beyond either bound on DuckDB, Spark and PostgreSQL, so the range test
        also drops them; negative values lie below every range (low >= 0)."""
        ranges = [
            (eid == i, self.p.elements[name].plausible)
            for name, i in self.elements.items()
            if self.p.elements[name].plausible is not None
        ]
        if not ranges:
            return value
        low = ibis.cases(*((hit, r.low) for hit, r in ranges if r is not None))
        high = ibis.cases(*((hit, r.high) for hit, r in ranges if r is not None))
        inside = (value >= low) & (value <= high)
        return ibis.cases((low.isnull() | inside, value), else_=ibis.null("float64"))

    def _usable(self, m: ir.Table, *extra: Any) -> ir.Table:
        """Usable results (labs.usable): final / amended / corrected, a value not absent, dated
        on or before as-of."""
        return m.filter(
            m.status.isin(USABLE_STATUSES),
            ~m.data_absent.fill_null(False),
            m.t_low.notnull(),
            m.t_high <= self.as_of,
            *extra,
        )

    def _tagged(self, con: Any, usable: ir.Table, tags: list[dict[str, Any]]) -> ir.Table:
        """The rows whose (code, unit) an element reads, with its conversion, from the first
        day a leaf of that element can look at."""
        table = tag_table(con, tags)
        keyed = usable.mutate(uk=usable.unit.fill_null(""), rk=usable.ref_unit.fill_null(""))
        rows = keyed.inner_join(table, ["system", "code_key", "uk", "rk"])
        rows = rows.select(
            "pid",
            "source",
            "eid",
            "value",
            "ref_high",
            "factor",
            "rounds",
            "ref_factor",
            "ref_rounds",
            "uln_default",
            "since",
            d=day_number(rows.t_low),
            precise=rows.t_low == rows.t_high,
        )
        return rows.filter(rows.since.isnull() | (rows.d >= rows.since)).drop("since")

    def _with_value_codes(self, con: Any, rows: ir.Table, values: ir.Table) -> ir.Table:
        """Adds ``score`` (the first coded value that stands for a number) and ``pol`` (1 a
        positive result code, 0 a negative one, NULL neither: labs._polarity)."""
        scores = score_table(con, self.p, self.elements)
        s = values.filter(values.kind == "value").inner_join(scores, ["system", "code"])
        s = s.group_by(["pid", "source", "eid"]).aggregate(score=s.score.argmin(s.pos))
        marks = values.inner_join(polarity_table(con, self.p), ["system", "code"])
        pol = marks.group_by(["pid", "source"]).aggregate(pol=marks.positive.max())
        out = rows.left_join(s, ["pid", "source", "eid"]).select(
            *[rows[c] for c in rows.columns], s.score
        )
        return out.left_join(pol, ["pid", "source"]).select(*[out[c] for c in out.columns], pol.pol)


def _near_first_dose(w: ir.Table, day: Any, days: float | None) -> Any:
    """labs.too_early_for_first_dose: the latest day lies within ``days`` before the planned
    first dose ``fd`` (the compiler's anchor column), or that date is unknown."""
    if days is None:
        return ibis.literal(True)
    return w.fd.isnull() | (day >= day_number(w.fd) - int(days))


def rounded_compare(raw: Any, digits: int, op: str, threshold: float) -> ir.BooleanValue:
    """``round(raw, digits) op threshold`` decided exactly as Python's ``round`` decides it.

    Python rounds the exact binary value (half to even); SQL engines round a scaled
    product, which can land on the other side of a half. The rounded values that pass
    form a half-line of multiples of ``10**-digits``; the test only asks on which side
    of the half-way point next to its end the exact value lies, and a half-way point
    of a decimal step is never a double, so one double cut-off decides exactly.
    """
    step = Decimal(1).scaleb(-digits)
    checks: dict[str, Callable[[Decimal], bool]] = {
        "<": lambda r: float(r) < threshold,
        "<=": lambda r: float(r) <= threshold,
        ">": lambda r: float(r) > threshold,
        ">=": lambda r: float(r) >= threshold,
    }
    passes = checks[op]
    r = (Decimal(repr(threshold)) / step).to_integral_value() * step
    if op in ("<", "<="):  # passes for r <= last: exact(raw) < last + step/2
        while not passes(r):
            r -= step
        while passes(r + step):
            r += step
        result: ir.BooleanValue = raw <= _largest_double_below(r + step / 2)
        return result
    while not passes(r):  # passes for r >= first: exact(raw) > first - step/2
        r += step
    while passes(r - step):
        r -= step
    beyond: ir.BooleanValue = raw > _largest_double_below(r - step / 2)
    return beyond


def _largest_double_below(limit: Decimal) -> float:
    candidate = float(limit)
    while Decimal(candidate) >= limit:
        candidate = math.nextafter(candidate, -math.inf)
    while Decimal(math.nextafter(candidate, math.inf)) < limit:
        candidate = math.nextafter(candidate, math.inf)
    return candidate


def _latest_unread() -> Reduction:
    """Latest day packed with whether a row that day has no value."""

    def aggregate(r: ir.Table, where: Any) -> ir.Value:
        value: ir.Value = (r.d * 2 + r.v.isnull().cast("int64")).max(where=where)
        return value

    return aggregate


def _latest_value(sign: int) -> Reduction:
    """(day, ±value) maximum: the latest day's highest (or lowest) value."""

    def aggregate(r: ir.Table, where: Any) -> ir.Value:
        value: ir.Value = ibis.struct({"d": r.d, "v": r.v * sign}).max(where=where)
        return value

    return aggregate
