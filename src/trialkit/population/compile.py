"""Compile the protocol's criterion nodes to relational expressions (ibis).

The same node trees the in-memory evaluator walks are compiled here, one
visitor method per node type (a node type with no rule raises
:class:`UncompilableNodeError`). A node becomes a boolean column over a wide
per-patient table: ``TRUE`` met, ``FALSE`` not met, ``NULL`` unknown — SQL's
three-valued logic *is* Kleene's, so ``all``/``any``/``not`` are ``AND``/``OR``/
``NOT``. Leaves over facts become one aggregate per patient; the rules are those
of ``trialkit.eligibility`` (see docs/eligibility.md), which remains the
reference semantics: the differential tests hold the two paths to identical
verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from trialkit.eligibility import nodes as n
from trialkit.errors import TrialkitError, UnitError
from trialkit.model.time import add_years
from trialkit.protocol.model import Element, ParamValue, Protocol
from trialkit.protocol.valuesets import ValueSet
from trialkit.units.ucum import conversion_factor

Expr = Callable[[ir.Table], ir.BooleanValue]
USABLE = ("final", "amended", "corrected")
NULL_BOOL = ibis.null("boolean")
NO_UNIT = "\x00"


class UncompilableNodeError(TrialkitError):
    """A node type the relational compiler has no rule for."""


class Compiler:
    def __init__(
        self,
        protocol: Protocol,
        params: dict[str, ParamValue],
        as_of: date,
        first_dose: date | None,
        tables: dict[str, ir.Table],
        units: Callable[[str], list[str | None]],
    ):
        self.p, self.params, self.as_of, self.first_dose = protocol, params, as_of, first_dose
        self.t = tables
        self.units = units  # element → the distinct units its results carry (one query)
        self.features: list[ir.Table] = []  # (pid, f_k) per leaf
        self.anchors = self._anchors()

    # --- helpers ------------------------------------------------------------------------------

    def number(self, value: n.Number) -> float:
        if isinstance(value, n.Param):
            raw = self.params[value.name]
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise TypeError(f"parameter {value.name} is not a number")
            return float(raw)
        return value

    def _feature(self, table: ir.Table, value: ir.Value, missing: Any = NULL_BOOL) -> Expr:
        """Register a per-patient column; patients absent from ``table`` get ``missing``."""
        name = f"f{len(self.features)}"
        self.features.append(
            table.select(pid=table.pid, **{name: value, f"h{name}": ibis.literal(True)})
        )
        return lambda w: ibis.cases((w[f"h{name}"].isnull(), missing), else_=w[name])

    def vs_pred(self, t: ir.Table, name: str) -> ir.BooleanValue:
        vs: ValueSet = self.p.value_sets[name]

        def rules_pred(rules: tuple[Any, ...]) -> ir.BooleanValue:
            pred = ibis.literal(False)
            for r in rules:
                code_pred = t.code_key.isin(sorted(r.codes)) if r.codes else ibis.literal(False)
                for prefix in r.prefixes:
                    code_pred = code_pred | t.code_key.startswith(prefix)
                for low, high in r.ranges:
                    head = t.code_key.substr(0, len(low))
                    code_pred = code_pred | ((head >= low) & (head <= high))
                pred = pred | (t.system.isin(list(r.systems)) & code_pred)
            return pred

        return rules_pred(vs.include) & ~rules_pred(vs.exclude)

    def absent(self) -> ir.BooleanValue:
        return ibis.literal(False) if self.params["ehr_absence_is_negative"] else NULL_BOOL

    def _anchors(self) -> ir.Table:
        """Per patient: first dose (fd) and advanced-disease date (ad), as the evaluator does."""
        pts = self.t["patient"].select("pid")
        crf = self.t["crf"]
        fd_source = self.p.anchors.get("first_dose")
        if self.first_dose is not None:
            pts = pts.mutate(fd=ibis.literal(self.first_dose))
        elif fd_source and fd_source.crf:
            a = crf.filter((crf.link == fd_source.crf) & crf.lesion.isnull())
            a = a.select(
                pid=a.pid,
                fd=ibis.cases(
                    ((a.vtype == "date") & (a.v_date >= self.as_of), a.v_date),
                    else_=ibis.null("date"),
                ),
            )
            pts = pts.left_join(a, "pid").select(pts.pid, a.fd)
        else:
            pts = pts.mutate(fd=ibis.null("date"))
        ad_source = self.p.anchors.get("advanced_disease")
        ad_crf = ibis.null("date")
        out = pts
        if ad_source and ad_source.crf:
            a = crf.filter(
                (crf.link == ad_source.crf) & crf.lesion.isnull() & (crf.vtype == "date")
            )
            a = a.select(pid=a.pid, ad_crf=a.v_date)
            out = out.left_join(a, "pid").select(*[out[c] for c in out.columns], a.ad_crf)
        else:
            out = out.mutate(ad_crf=ad_crf)
        if ad_source and ad_source.earliest_condition:
            c = self.t["condition"]
            c = c.filter(
                self.vs_pred(c, ad_source.earliest_condition)
                & c.onset_low.notnull()
                & (c.onset_low <= self.as_of)
                & ~c.verification.fill_null("").isin(["refuted", "entered-in-error"])
            )
            e = c.group_by("pid").aggregate(ad_cond=c.onset_low.min())
            out = out.left_join(e, "pid").select(*[out[col] for col in out.columns], e.ad_cond)
        else:
            out = out.mutate(ad_cond=ibis.null("date"))
        return out.select("pid", "fd", ad=out.ad_crf.fill_null(out.ad_cond))

    def span(self, t: ir.Table, anchor: n.Anchor) -> tuple[ir.DateValue, ir.DateValue]:
        """(low, high) of an anchor for each row of ``t`` (which carries fd and ad)."""
        if anchor is n.Anchor.AS_OF:
            return ibis.literal(self.as_of), ibis.literal(self.as_of)
        if anchor is n.Anchor.FIRST_DOSE:
            return t.fd.fill_null(self.as_of), t.fd
        return t.ad, t.ad

    def with_anchors(self, t: ir.Table) -> ir.Table:
        a = self.anchors
        return t.left_join(a, "pid").select(*[t[c] for c in t.columns], a.fd, a.ad)

    def place(self, t: ir.Table, t_low: Any, t_high: Any, window: n.Window) -> ir.IntegerValue:
        """1 inside, 0 outside, NULL cannot tell (EvalContext.place)."""
        low, high = self.span(t, window.anchor)
        days = int(self.number(window.days))
        outside = (t_high < _minus(low, days)) | (high.notnull() & (t_low > high))
        inside = high.notnull() & (_minus(high, days) <= t_low) & (t_high <= low)
        undefined = (
            low.isnull() if window.anchor is n.Anchor.ADVANCED_DISEASE else ibis.literal(False)
        )
        return ibis.cases(
            (undefined, ibis.null("int8")), (outside, 0), (inside, 1), else_=ibis.null("int8")
        )

    def overlap(
        self, t: ir.Table, start_low: Any, start_high: Any, end_high: Any, window: n.Window
    ) -> ir.IntegerValue:
        low, high = self.span(t, window.anchor)
        days = int(self.number(window.days))
        s_low = start_low.fill_null(date(1, 1, 1))
        s_high = start_high.fill_null(date(9999, 12, 31))
        outside = (end_high < _minus(low, days)) | (high.notnull() & (s_low > high))
        inside = high.notnull() & (s_high <= low) & (end_high >= _minus(high, days))
        undefined = (
            low.isnull() if window.anchor is n.Anchor.ADVANCED_DISEASE else ibis.literal(False)
        )
        return ibis.cases(
            (undefined, ibis.null("int8")), (outside, 0), (inside, 1), else_=ibis.null("int8")
        )

    def positive_evidence(self, t: ir.Table, placement: ir.IntegerValue) -> Expr:
        """Any row inside → met; else any undetermined → unknown; else the absence rule."""
        t = t.mutate(_pl=placement)
        agg = t.group_by("pid").aggregate(ins=(t._pl == 1).any(), und=t._pl.isnull().any())
        value = ibis.cases((agg.ins, True), (agg.und, NULL_BOOL), else_=self.absent())
        return self._feature(agg, value, missing=self.absent())

    # --- dispatch -----------------------------------------------------------------------------

    def compile(self, node: n.Node) -> Expr:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise UncompilableNodeError(f"no relational rule for {type(node).__name__}")
        result: Expr = method(node)
        return result

    def visit_AllOf(self, node: n.AllOf) -> Expr:
        parts = [self.compile(c) for c in node.children]
        return lambda w: _fold(parts, w, "and")

    def visit_AnyOf(self, node: n.AnyOf) -> Expr:
        parts = [self.compile(c) for c in node.children]
        return lambda w: _fold(parts, w, "or")

    def visit_Not(self, node: n.Not) -> Expr:
        # not ``~x``: ibis 12 renders ``(~x).isnull()`` as ``NOT (x) IS NULL``, which SQL reads
        # as ``NOT (x IS NULL)``; a CASE keeps the three values exact
        child = self.compile(node.child)
        return lambda w: ibis.cases(
            (child(w) == True, False),
            (child(w) == False, True),
            else_=NULL_BOOL,
        )

    def visit_Reconcile(self, node: n.Reconcile) -> Expr:
        ehr, crf = self.compile(node.ehr), self.compile(node.crf)
        policy = str(self.params.get("conflict_policy", "unknown"))

        def expr(w: ir.Table) -> ir.BooleanValue:
            e, c = ehr(w), crf(w)
            conflict = e.notnull() & c.notnull() & (e != c)
            resolved = {"crf": c, "ehr": e}.get(policy, NULL_BOOL)
            return ibis.cases((conflict, resolved), (c.notnull(), c), else_=e)

        return expr

    def visit_Ask(self, node: n.Ask) -> Expr:
        answer, relevant = self.compile(node.crf), self.compile(node.relevant_if)
        return lambda w: ibis.cases(
            (answer(w).notnull(), answer(w)),
            (relevant(w) == False, False),
            else_=NULL_BOOL,
        )

    # --- laboratory leaves --------------------------------------------------------------------

    def _factors(self, element: Element) -> ir.Table:
        """(unit_key, factor) for every unit this element's results carry; NULL: not convertible."""
        iu = self.number(n.Param(element.iu_factor_param)) if element.iu_factor_param else None
        rows = []
        for unit in self.units(element.value_set):
            try:
                factor: float | None = conversion_factor(
                    unit, element.unit or "1", analyte=element.analyte, iu_factor=iu
                )
            except UnitError:
                factor = None
            rows.append({"unit_key": NO_UNIT if unit is None else unit, "factor": factor})
        if not rows:
            rows.append({"unit_key": NO_UNIT, "factor": None})
        return ibis.memtable(rows, schema={"unit_key": "string", "factor": "float64"})

    def _scores(self, element: Element) -> ir.Table:
        rows = [
            {"system": c.system, "code": c.code, "score": float(v)}
            for c, v in element.scores.items()
        ]
        rows = rows or [{"system": "", "code": "", "score": None}]
        return ibis.memtable(
            rows, schema={"system": "string", "code": "string", "score": "float64"}
        )

    def _chosen(self, element: Element, lookback: float | None) -> ir.Table:
        """The usable results of the latest day in the window (labs.select)."""
        m, mc = self.t["measurement"], self.t["measurement_code"]
        codes = mc.filter((mc.kind == "code") & self.vs_pred(mc, element.value_set))
        keys = codes.select("pid", "source").distinct()
        rows = m.inner_join(keys, ["pid", "source"])
        rows = rows.select(*[rows[c] for c in m.columns])
        start = self.as_of - timedelta(days=lookback) if lookback is not None else date(1, 1, 1)
        rows = rows.filter(
            rows.status.isin(USABLE)
            & ~rows.data_absent.fill_null(False)
            & rows.t_low.notnull()
            & (rows.t_low >= start)
            & (rows.t_high <= self.as_of)
        )
        latest = rows.t_low.max().over(ibis.window(group_by="pid"))
        rows = rows.mutate(_latest=latest)
        return rows.filter(rows.t_low == rows._latest).drop("_latest")

    def _readings(self, element: Element, rows: ir.Table) -> ir.Table:
        """Adds ``v`` (canonical value, NULL if unusable) and ``uln`` to each chosen row."""
        mc = self.t["measurement_code"]
        scores = self._scores(element)
        vc = mc.filter(mc.kind == "value").inner_join(scores, ["system", "code"])
        score = vc.group_by(["pid", "source"]).aggregate(score=vc.score.min())
        rows = rows.left_join(score, ["pid", "source"]).select(
            *[rows[c] for c in rows.columns], score.score
        )
        factors = self._factors(element)
        f1 = factors.rename(unit_key1="unit_key", factor1="factor")
        rows = rows.mutate(
            _uk=rows.unit.fill_null(NO_UNIT),
            _rk=rows.ref_unit.fill_null(rows.unit).fill_null(NO_UNIT),
        )
        rows = rows.left_join(factors, rows._uk == factors.unit_key).select(
            *[rows[c] for c in rows.columns], factors.factor
        )
        rows = rows.left_join(f1, rows._rk == f1.unit_key1).select(
            *[rows[c] for c in rows.columns], f1.factor1
        )
        value = ibis.cases(
            (rows.score.notnull(), rows.score), else_=(rows.value * rows.factor).round(9)
        )
        default_uln = self.number(n.Param(element.uln_param)) if element.uln_param else None
        uln = ibis.cases(
            (rows.ref_high.notnull(), (rows.ref_high * rows.factor1).round(9)),
            else_=ibis.literal(default_uln, type="float64"),
        )
        return rows.mutate(v=value, uln=uln)

    def visit_Lab(self, node: n.Lab) -> Expr:
        element = self.p.elements[node.element]
        lookback = self.number(node.lookback) if node.lookback is not None else None
        rows = self._readings(element, self._chosen(element, lookback))
        if node.range is not None:
            verdict = (rows.v >= node.range.low) & (rows.v <= node.range.high)
        else:
            c = node.comparison
            assert c is not None
            if c.uln_multiple is not None:
                threshold = (rows.uln * c.uln_multiple).round(9)
            else:
                assert c.value is not None
                threshold = ibis.literal(self.number(c.value))
            verdict = _compare(rows.v, c.op, threshold)
        rows = rows.mutate(_v=verdict.cast("int8"))
        agg = rows.group_by("pid").aggregate(
            n=rows.count(), nv=rows._v.count(), lo=rows._v.min(), hi=rows._v.max()
        )
        value = ibis.cases(((agg.n == agg.nv) & (agg.lo == agg.hi), agg.lo == 1), else_=NULL_BOOL)
        return self._feature(agg, value)

    def visit_Qualitative(self, node: n.Qualitative) -> Expr:
        element = self.p.elements[node.element]
        rows = self._chosen(element, self.number(node.lookback))
        mc = self.t["measurement_code"]
        values = mc.filter(mc.kind == "value")
        pos = [(c.system, c.code) for c in self.p.qualitative_positive]
        neg = [(c.system, c.code) for c in self.p.qualitative_negative]
        marks = ibis.memtable(
            [{"system": s, "code": c, "pos": True} for s, c in pos]
            + [{"system": s, "code": c, "pos": False} for s, c in neg]
        )
        hits = values.inner_join(marks, ["system", "code"])
        pol = hits.group_by(["pid", "source"]).aggregate(
            any_pos=hits.pos.any(), any_neg=(~hits.pos).any()
        )
        rows = rows.left_join(pol, ["pid", "source"]).select(
            *[rows[c] for c in rows.columns], pol.any_pos, pol.any_neg
        )
        polarity = ibis.cases(
            (rows.any_pos.fill_null(False), 1),
            (rows.any_neg.fill_null(False), 0),
            else_=ibis.null("int8"),
        )
        rows = rows.mutate(_p=polarity)
        agg = rows.group_by("pid").aggregate(
            n=rows.count(), nv=rows._p.count(), lo=rows._p.min(), hi=rows._p.max()
        )
        decided = (agg.n == agg.nv) & (agg.lo == agg.hi)
        negative = ibis.literal(False) if node.negative_decides else NULL_BOOL
        value = ibis.cases(
            (decided & (agg.lo == 1), True), (decided & (agg.lo == 0), negative), else_=NULL_BOOL
        )
        return self._feature(agg, value)

    def visit_CockcroftGault(self, node: n.CockcroftGault) -> Expr:
        """(140 − age) × weight / (72 × SCr mg/dL) × 0.85 if female (clinical-facts §7)."""
        lookback = self.number(n.Param("lab_lookback_days"))
        values = {}
        for key in ("creatinine", "weight"):
            element = self.p.elements[key]
            rows = self._readings(element, self._chosen(element, lookback))
            agg = rows.group_by("pid").aggregate(
                n=rows.count(), nv=rows.v.count(), lo=rows.v.min(), hi=rows.v.max()
            )
            agg = agg.filter((agg.n == agg.nv) & (agg.lo == agg.hi)).select("pid", **{key: agg.lo})
            values[key] = agg
        p = self.t["patient"]
        base = p.select(
            "pid", "sex", age=_age(p.birth_low, self.as_of), age2=_age(p.birth_high, self.as_of)
        )
        for key, agg in values.items():
            base = base.left_join(agg, "pid").select(*[base[c] for c in base.columns], agg[key])
        scr = base.creatinine / 88.4
        factor = ibis.cases((base.sex == "female", 0.85), else_=1.0)
        crcl = ((140 - base.age) * base.weight / (72 * scr) * factor).round(2)
        ok = (
            (base.age == base.age2)
            & base.sex.isin(["male", "female"])
            & base.creatinine.notnull()
            & base.weight.notnull()
        )
        assert node.comparison.value is not None
        verdict = _compare(
            crcl, node.comparison.op, ibis.literal(self.number(node.comparison.value))
        )
        return self._feature(base, ibis.cases((ok, verdict), else_=NULL_BOOL))

    # --- demographics -------------------------------------------------------------------------

    def visit_Age(self, node: n.Age) -> Expr:
        p = self.t["patient"]
        oldest, youngest = _age(p.birth_low, self.as_of), _age(p.birth_high, self.as_of)
        low = node.min if node.min is not None else 0
        high = node.max if node.max is not None else 200
        value = ibis.cases(
            (p.birth_low.notnull() & (oldest == youngest), (oldest >= low) & (oldest <= high)),
            else_=NULL_BOOL,
        )
        return self._feature(p, value)

    def visit_Sex(self, node: n.Sex) -> Expr:
        p = self.t["patient"]
        value = ibis.cases((p.sex.isin(["male", "female"]), p.sex == node.value), else_=NULL_BOOL)
        return self._feature(p, value)

    # --- history leaves -----------------------------------------------------------------------

    def visit_ConditionPresent(self, node: n.ConditionPresent) -> Expr:
        c = self.t["condition"]
        c = c.filter(
            self.vs_pred(c, node.value_set)
            & ~c.verification.fill_null("").isin(["refuted", "entered-in-error"])
            & (c.onset_low.isnull() | (c.onset_low <= self.as_of))
        )
        active = c.clinical.isin(["active", "recurrence", "relapse"]) | (
            c.clinical.isnull() & c.abate_low.isnull()
        )
        if node.status == "any":
            placement = ibis.literal(1, type="int8")
        elif node.status == "active":
            placement = ibis.cases((active, 1), else_=0)
        else:
            assert node.years is not None
            cutoff = add_years(self.as_of, -int(self.number(node.years)))
            placement = ibis.cases(
                (active, 1),
                (c.abate_low.isnull(), 0),
                (c.abate_low > cutoff, 1),
                (c.abate_high <= cutoff, 0),
                else_=ibis.null("int8"),
            )
        return self.positive_evidence(c, placement)

    def visit_MedicationExposure(self, node: n.MedicationExposure) -> Expr:
        m = self.t["medication"]
        m = m.filter(
            self.vs_pred(m, node.value_set)
            & ~m.status.fill_null("").isin(["entered-in-error", "cancelled", "not-taken", "draft"])
            & (m.start_low.isnull() | (m.start_low <= self.as_of))
        )
        m = self.with_anchors(m)
        ongoing = m.status.isin(["active", "intended", "on-hold", "in-progress"])
        end = ibis.cases(
            (m.end_high.notnull(), m.end_high),
            (ongoing | m.start_low.isnull(), ibis.literal(self.as_of)),
            else_=m.start_high,
        )
        if node.within is not None:
            placement = self.overlap(m, m.start_low, m.start_high, end, node.within)
        elif node.since is not None:
            low, _ = self.span(m, node.since)
            placement = ibis.cases((low.isnull(), ibis.null("int8")), (end >= low, 1), else_=0)
        elif node.active:
            placement = ibis.cases(
                (ongoing & (m.end_high.isnull() | (m.end_high >= self.as_of)), 1), else_=0
            )
        else:
            placement = ibis.literal(1, type="int8")
        if node.form is not None:
            placement = ibis.cases(
                (placement != 1, placement),
                (m.form.isnull(), ibis.null("int8")),
                (m.form == node.form, 1),
                else_=0,
            )
        return self.positive_evidence(m, placement)

    def visit_ProcedureDone(self, node: n.ProcedureDone) -> Expr:
        p = self.t["procedure"]
        p = p.filter(self.vs_pred(p, node.value_set) & ~p.biopsy.fill_null(False))
        p = p.filter(~p.status.fill_null("").isin(["entered-in-error", "not-done", "preparation"]))
        p = p.filter(p.t_low.isnull() | (p.t_low <= self.as_of))
        p = self.with_anchors(p)
        inner = (
            self.place(p, p.t_low, p.t_high, node.within)
            if node.within is not None
            else ibis.literal(1, type="int8")
        )
        placement = ibis.cases((p.t_low.isnull(), ibis.null("int8")), else_=inner)
        return self.positive_evidence(p, placement)

    def visit_AllergyRecorded(self, node: n.AllergyRecorded) -> Expr:
        a = self.t["allergy"]
        vs = self.p.value_sets[node.value_set]
        text = ibis.literal(False)
        for pattern in vs.text:
            text = text | a.text.fill_null("").contains(pattern.lower())
        a = a.filter(
            (self.vs_pred(a, node.value_set) | text)
            & ~a.verification.fill_null("").isin(["refuted", "entered-in-error"])
            & ~a.clinical.fill_null("").isin(["inactive", "resolved"])
        )
        return self.positive_evidence(a, ibis.literal(1, type="int8"))

    def visit_ConsentSigned(self, node: n.ConsentSigned) -> Expr:
        c = self.t["consent"]
        c = c.filter(
            self.vs_pred(c, node.scope_value_set)
            & (c.status == "active")
            & c.t_high.notnull()
            & (c.t_high <= self.as_of)
        )
        agg = c.group_by("pid").aggregate(k=c.count())
        return self._feature(agg, ibis.literal(True))

    # --- CRF leaves ---------------------------------------------------------------------------

    def _answer(self, link: str) -> ir.Table:
        crf = self.t["crf"]
        return crf.filter((crf.link == link) & crf.lesion.isnull())

    def visit_CrfAnswer(self, node: n.CrfAnswer) -> Expr:
        a = self._answer(node.link)
        if node.equals is not None:
            value = ibis.cases((a.vtype == "bool", a.v_bool == node.equals), else_=NULL_BOOL)
        elif node.one_of is not None:
            value = ibis.cases(
                (a.vtype == "choice", a.v_str.isin(list(node.one_of))), else_=NULL_BOOL
            )
        elif node.on_or_before is not None:
            a = self.with_anchors(a)
            low, high = self.span(a, node.on_or_before.anchor)
            delta = int(self.number(node.on_or_before.days))
            value = ibis.cases(
                (a.vtype != "date", NULL_BOOL),
                (low.isnull(), NULL_BOOL),
                (a.v_date <= _minus(low, delta), True),
                (high.notnull() & (a.v_date > _minus(high, delta)), False),
                else_=NULL_BOOL,
            )
        elif node.range is not None:
            value = ibis.cases(
                (a.vtype == "number", (a.v_num >= node.range.low) & (a.v_num <= node.range.high)),
                else_=NULL_BOOL,
            )
        else:
            c = node.comparison
            assert c is not None
            assert c.value is not None
            value = ibis.cases(
                (a.vtype == "number", _compare(a.v_num, c.op, ibis.literal(self.number(c.value)))),
                else_=NULL_BOOL,
            )
        return self._feature(a, value)

    def visit_CrfHistory(self, node: n.CrfHistory) -> Expr:
        dated = self.with_anchors(self._answer(node.date))
        placement = self.place(dated, dated.v_date, dated.v_date, node.within)
        by_date = ibis.cases(
            (dated.vtype != "date", NULL_BOOL),
            (dated.v_date > self.as_of, NULL_BOOL),
            (placement == 1, True),
            (placement == 0, False),
            else_=NULL_BOOL,
        )
        date_value = self._feature(dated, by_date)
        has_date = self._feature(dated, ibis.literal(True), missing=ibis.literal(False))
        ever = self._answer(node.ever)
        ever_value = self._feature(
            ever,
            ibis.cases(
                ((ever.vtype == "bool") & (ever.v_bool == False), False),
                else_=NULL_BOOL,
            ),
        )
        return lambda w: ibis.cases((has_date(w), date_value(w)), else_=ever_value(w))

    def visit_Attestation(self, node: n.Attestation) -> Expr:
        a = self._answer(node.link)
        return self._feature(a, ibis.cases((a.vtype == "bool", a.v_bool), else_=NULL_BOOL))

    def _lesions(self) -> ir.Table:
        """One row per CRF lesion group with its answers as columns (typed, or NULL)."""
        crf = self.t["crf"]
        les = crf.filter(crf.lesion.notnull())

        def col(link: str, field: str, vtype: str) -> Any:
            return ibis.cases(
                ((les.link == link) & (les.vtype == vtype), les[field]),
                else_=ibis.null(les[field].type()),
            ).max()

        return les.group_by(["pid", "lesion"]).aggregate(
            diameter=col("lesion-diameter-mm", "v_num", "number"),
            is_node=col("lesion-is-node", "v_bool", "bool"),
            irradiated=col("lesion-previously-irradiated", "v_bool", "bool"),
            method=col("lesion-method", "v_str", "choice"),
            slice_mm=col("lesion-slice-mm", "v_num", "number"),
            target=col("lesion-target", "v_bool", "bool"),
            krenning=col("lesion-krenning", "v_num", "number"),
        )

    def visit_MeasurableLesion(self, node: n.MeasurableLesion) -> Expr:
        """RECIST 1.1 measurability (crf.lesion_measurability): 1 yes, 0 no, NULL cannot tell."""
        le = self._lesions()
        d, irr = le.diameter, le.irradiated
        minimum = ibis.cases(
            (
                le.method.isin(["CT", "MRI"]) & le.slice_mm.notnull(),
                ibis.greatest(10.0, 2 * le.slice_mm),
            ),
            (le.method == "caliper", 10.0),
            (le.method == "X-ray", 20.0),
            else_=ibis.null("float64"),
        )
        ok_node = d >= 15
        ok = d >= minimum
        measurable = ibis.cases(
            (irr == True, 0),
            (d.isnull() | le.is_node.isnull(), ibis.null("int8")),
            (
                le.is_node,
                ibis.cases((ok_node & (irr == False), 1), (~ok_node, 0), else_=ibis.null("int8")),
            ),
            (minimum.isnull(), ibis.cases((d < 10, 0), else_=ibis.null("int8"))),
            (ok & irr.isnull(), ibis.null("int8")),
            (ok, 1),
            else_=0,
        )
        le = le.mutate(_m=measurable)
        agg = le.group_by("pid").aggregate(
            anyy=(le._m == 1).any(), alln=(le._m == 0).fill_null(False).all()
        )
        return self._feature(agg, ibis.cases((agg.anyy, True), (agg.alln, False), else_=NULL_BOOL))

    def visit_TargetLesionsSstrPositive(self, node: n.TargetLesionsSstrPositive) -> Expr:
        le = self._lesions()
        le = le.filter(le.target == True)
        minimum = self.number(node.min_krenning)
        agg = le.group_by("pid").aggregate(
            below=(le.krenning < minimum).any(), missing=le.krenning.isnull().any()
        )
        return self._feature(
            agg, ibis.cases((agg.below, False), (agg.missing, NULL_BOOL), else_=True)
        )


def _fold(parts: list[Expr], w: ir.Table, op: str) -> ir.BooleanValue:
    result = parts[0](w)
    for part in parts[1:]:
        result = (result & part(w)) if op == "and" else (result | part(w))
    return result


def _compare(left: Any, op: str, right: Any) -> ir.BooleanValue:
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _minus(day: Any, days: int) -> Any:
    return day if days == 0 else day - ibis.interval(days=days)


def _age(birth: Any, as_of: date) -> ir.IntegerValue:
    """Completed years at as-of (model.time.completed_years)."""
    before = (birth.month() > as_of.month) | (
        (birth.month() == as_of.month) & (birth.day() > as_of.day)
    )
    return as_of.year - birth.year() - ibis.cases((before, 1), else_=0)
