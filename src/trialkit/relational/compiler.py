"""Compile the protocol's criterion trees to one relational query (ibis).

The *same* node trees the in-memory evaluator walks are compiled here, one
``visit_<Node>`` per node type; a node type with no rule raises
:class:`UncompilableNodeError` (as ibis' own compiler does). The in-memory
evaluator stays the reference semantics (docs/eligibility.md); the
differential tests hold both paths to identical verdicts.

Shape of the query: each fact table is read once — one aggregation per
patient gives every feature the leaves over that table registered (labs:
``relational.labs``; coded history: ``relational.history``; the CRF:
``relational.crf``) — the per-patient tables are joined into one wide table,
and every node becomes three columns over it (status, evidence source,
evidence value). Combinators become columns of a later projection that read
their children's columns by name, so no expression is ever copied into its
parent: the query grows linearly with the protocol.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from trialkit.eligibility.daily import window_start
from trialkit.errors import TrialkitError
from trialkit.protocol import nodes as n
from trialkit.protocol.model import ParamValue, Protocol
from trialkit.relational.columns import (
    NULL_BOOL,
    NULL_STR,
    Rel,
    Rule,
    born_by,
    completed_years,
    join_all,
    joined,
    minus_days,
    rel,
    text,
)
from trialkit.relational.crf import CrfFeatures
from trialkit.relational.daily import DailyFeatures, daily_rule
from trialkit.relational.history import HistoryFeatures, _placed, _span, anchor_columns
from trialkit.relational.labs import LabFeatures


class UncompilableNodeError(TrialkitError):
    """A node type the relational compiler has no rule for."""


@dataclass(frozen=True)
class Ref:
    """A compiled node: the prefix of its three columns and its projection layer."""

    name: str
    layer: int


class Compiler:
    def __init__(
        self,
        protocol: Protocol,
        params: dict[str, ParamValue],
        as_of: date,
        first_dose: date | None,
        patient_resource: str = "Patient",
    ) -> None:
        self.p, self.params, self.as_of, self.first_dose = protocol, params, as_of, first_dose
        # what a patient's own evidence is called: Patient/<id> (FHIR), Person/<id> (OMOP)
        self.patient_prefix = f"{patient_resource}/"
        self.labs = LabFeatures(protocol, params, as_of)
        self.history = HistoryFeatures(protocol, params, as_of)
        self.crf = CrfFeatures(params, as_of, protocol.lesions)
        self.daily = DailyFeatures()
        self.layers: dict[int, list[tuple[str, Rule]]] = defaultdict(list)
        self._anchor_columns = self._register_anchors()

    # --- anchors (screening._first_dose, screening._advanced_disease) -------------------------

    def _register_anchors(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first = self.p.first_dose_anchor()
        for name, anchor in self.p.anchors.items():
            if name == first and self.first_dose is not None:
                continue
            if anchor.crf:
                out[f"{name}:crf"] = self.crf.answer(anchor.crf)
            if anchor.earliest_condition and name != first:
                out[f"{name}:cond"] = self.history.earliest_onset(anchor.earliest_condition)
        return out

    def _anchor_names(self) -> list[str]:
        """The anchor columns: fd (the planned first dose, labs' window) and each declared
        anchor's low and high (history.anchor_columns)."""
        return ["fd", *(c for name in self.p.anchors for c in anchor_columns(name))]

    def _anchor_inputs(self) -> set[str]:
        """The feature columns the anchors read."""
        names: set[str] = set()
        for column in self._anchor_columns.values():
            names |= set(column.values()) if isinstance(column, dict) else {column}
        return names

    def _anchors(self, w: ir.Table) -> dict[str, Any]:
        """screening._first_dose / _past_anchor. fd: the first dose given, else the first-dose
        anchor's CRF date on or after as-of (an earlier one is ignored with a warning); while
        unknown it spans as-of onwards. A past anchor: its CRF date, else the earliest onset
        of its value set; unknown: no span."""
        cols = self._anchor_columns
        first = self.p.first_dose_anchor()
        null = ibis.null("date")
        fd: Any = null
        if self.first_dose is not None:
            fd = ibis.literal(self.first_dose)
        elif f"{first}:crf" in cols:
            a = cols[f"{first}:crf"]
            ok = (w[a["vtype"]] == "date") & (w[a["v_date"]] >= self.as_of)
            fd = ibis.cases((ok, w[a["v_date"]]), else_=null)
        out: dict[str, Any] = {"fd": fd}
        for name in self.p.anchors:
            low, high = anchor_columns(name)
            if name == first:
                out[low], out[high] = fd.fill_null(self.as_of), fd
                continue
            when: Any = null
            if f"{name}:crf" in cols:
                a = cols[f"{name}:crf"]
                when = ibis.cases((w[a["vtype"]] == "date", w[a["v_date"]]), else_=null)
            if f"{name}:cond" in cols:
                when = when.fill_null(w[cols[f"{name}:cond"]])
            out[low], out[high] = when, when
        return out

    def _place(self, w: ir.Table, day: Any, window: n.Window) -> Any:
        """EvalContext.place of one exact date (1 inside, 0 outside, NULL cannot tell)."""
        low, high = _span(w, window.anchor, self.as_of)
        days, after = int(self.labs._number(window.days)), int(self.labs._number(window.after))
        outside = (day < minus_days(low, days)) | (
            high.notnull() & (day > minus_days(high, -after))
        )
        inside = high.notnull() & (minus_days(high, days) <= day) & (day <= minus_days(low, -after))
        return _placed(low, outside, inside, window.anchor)

    # --- dispatch ----------------------------------------------------------------------------

    def compile(self, node: n.Node) -> Ref:
        method: Callable[[Any], Ref] | None = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise UncompilableNodeError(f"no relational rule for {type(node).__name__}")
        return method(node)

    def _add(self, rule: Rule, layer: int = 0) -> Ref:
        ref = Ref(f"n{sum(len(v) for v in self.layers.values())}", layer)
        self.layers[layer].append((ref.name, rule))
        return ref

    @staticmethod
    def rel(w: ir.Table, ref: Ref) -> Rel:
        return Rel(w[f"{ref.name}_s"], w[f"{ref.name}_e"], w[f"{ref.name}_v"])

    def _combine(self, refs: list[Ref], rule: Callable[[list[Rel]], Rel]) -> Ref:
        layer = 1 + max(r.layer for r in refs)
        return self._add(lambda w: rule([self.rel(w, r) for r in refs]), layer)

    # --- combinators (Kleene; evaluate._reconcile, evaluate._ask) ------------------------------

    def visit_AllOf(self, node: n.AllOf) -> Ref:
        return self._combine([self.compile(c) for c in node.children], _all)

    def visit_AnyOf(self, node: n.AnyOf) -> Ref:
        return self._combine([self.compile(c) for c in node.children], _any)

    def visit_Not(self, node: n.Not) -> Ref:
        # not ``~x``: ibis 12 renders ``(~x).isnull()`` as ``NOT (x) IS NULL``, which SQL
        # reads as ``NOT (x IS NULL)``; a CASE keeps the three values exact
        def negate(parts: list[Rel]) -> Rel:
            (c,) = parts
            status = ibis.cases((c.status == True, False), (c.status == False, True))
            return Rel(status, c.source, c.value)

        return self._combine([self.compile(node.child)], negate)

    def visit_Reconcile(self, node: n.Reconcile) -> Ref:
        policy = str(self.params.get("conflict_policy", "unknown"))

        def reconcile(parts: list[Rel]) -> Rel:
            e, c = parts
            conflict = e.status.notnull() & c.status.notnull() & (e.status != c.status)
            winner = {"crf": c, "ehr": e}.get(policy)
            both = rel(
                NULL_BOOL,
                joined(c.source, " vs ", e.source),
                joined("conflict: CRF ", c.value, " vs EHR ", e.value),
            )
            chosen = [(conflict, winner or both), (c.status.notnull(), c), (e.status.notnull(), e)]
            return _pick(chosen, c)

        return self._combine([self.compile(node.ehr), self.compile(node.crf)], reconcile)

    def visit_Guard(self, node: n.Guard) -> Ref:
        def guard(parts: list[Rel]) -> Rel:
            verdict, conflict = parts
            both = rel(
                NULL_BOOL,
                joined(conflict.source, " vs ", verdict.source),
                joined("data conflict: ", conflict.value),
            )
            return _pick([(conflict.status == True, both)], verdict)

        return self._combine([self.compile(node.rule), self.compile(node.conflict)], guard)

    def visit_Ask(self, node: n.Ask) -> Ref:
        def ask(parts: list[Rel]) -> Rel:
            answer, relevant = parts
            status = ibis.cases(
                (answer.status.notnull(), answer.status),
                (relevant.status == False, False),
                else_=NULL_BOOL,
            )
            shown = _pick(
                [(answer.status.notnull(), answer), (relevant.status.notnull(), relevant)], answer
            )
            return Rel(status, shown.source, shown.value)

        return self._combine([self.compile(node.crf), self.compile(node.relevant_if)], ask)

    def visit_If(self, node: n.If) -> Ref:
        """evaluate._if: the branch the condition picks; while it is unknown, the verdict both
        branches agree on (NULL if they do not)."""

        def choose(parts: list[Rel]) -> Rel:
            c, then, otherwise = parts
            agree = then.status == otherwise.status  # NULL when either is unknown
            status = ibis.cases(
                (c.status == True, then.status),
                (c.status == False, otherwise.status),
                (agree, then.status),
                else_=NULL_BOOL,
            )
            picked = [(c.status == True, then), (c.status == False, otherwise)]
            shown = _pick(picked, _pick([(then.source.notnull(), then)], otherwise))
            return Rel(status, shown.source, shown.value)

        refs = [self.compile(node.condition), self.compile(node.then), self.compile(node.otherwise)]
        return self._combine(refs, choose)

    def visit_Always(self, node: n.Always) -> Ref:
        return self._add(lambda w: rel(ibis.literal(node.met)))

    # --- leaves ------------------------------------------------------------------------------

    def visit_Lab(self, node: n.Lab) -> Ref:
        return self._add(self.labs.lab(node))

    def visit_Qualitative(self, node: n.Qualitative) -> Ref:
        return self._add(self.labs.qualitative(node))

    def visit_Derived(self, node: n.Derived) -> Ref:
        return self._add(self.labs.derived(node))

    def visit_Daily(self, node: n.Daily) -> Ref:
        number = self.labs._number
        days = int(number(node.days))
        each = number(node.each.value) if node.each and node.each.value is not None else None
        eid = self.labs.reads_days(node.element, window_start(self.as_of, days).toordinal())
        prefix = self.daily.add(node, eid, self.as_of, days, each)
        threshold = (
            number(node.comparison.value)
            if node.comparison and node.comparison.value is not None
            else None
        )
        need = node.at_least if node.stat == "count" else node.min_days
        assert need is not None
        return self._add(daily_rule(prefix, node, days, threshold, int(number(need))))

    def visit_Age(self, node: n.Age) -> Ref:
        as_of = self.as_of
        low = node.min if node.min is not None else 0
        high = node.max if node.max is not None else 200

        def rule(w: ir.Table) -> Rel:
            oldest = completed_years(w.birth_low, as_of)
            known = born_by(w.birth_low, as_of) & (oldest == completed_years(w.birth_high, as_of))
            return rel(
                ibis.cases((known, (oldest >= low) & (oldest <= high)), else_=NULL_BOOL),
                ibis.cases((w.birth_low.notnull(), self.patient_prefix + w.pid.cast("string"))),
                ibis.cases((known, joined(text(oldest), " years"))),
            )

        return self._add(rule)

    def visit_Sex(self, node: n.Sex) -> Ref:
        def rule(w: ir.Table) -> Rel:
            known = w.sex.isin(["male", "female"])
            return rel(
                ibis.cases((known, w.sex == node.value), else_=NULL_BOOL),
                ibis.cases((known, self.patient_prefix + w.pid.cast("string"))),
                ibis.cases((known, w.sex)),
            )

        return self._add(rule)

    def visit_ConditionPresent(self, node: n.ConditionPresent) -> Ref:
        return self._add(self.history.condition(node))

    def visit_MedicationExposure(self, node: n.MedicationExposure) -> Ref:
        return self._add(self.history.medication(node))

    def visit_ProcedureDone(self, node: n.ProcedureDone) -> Ref:
        return self._add(self.history.procedure(node))

    def visit_AllergyRecorded(self, node: n.AllergyRecorded) -> Ref:
        return self._add(self.history.allergy(node))

    def visit_ConsentSigned(self, node: n.ConsentSigned) -> Ref:
        return self._add(self.history.consent(node))

    def visit_CrfAnswer(self, node: n.CrfAnswer) -> Ref:
        return self._add(self.crf.crf(node, _span))

    def visit_CrfHistory(self, node: n.CrfHistory) -> Ref:
        return self._add(self.crf.crf_history(node, self._place))

    def visit_Attestation(self, node: n.Attestation) -> Ref:
        return self._add(self.crf.attestation(node))

    def visit_MeasurableLesion(self, node: n.MeasurableLesion) -> Ref:
        return self._add(self.crf.measurable())

    def visit_EveryTargetLesion(self, node: n.EveryTargetLesion) -> Ref:
        return self._add(self.crf.every_target(node))

    # --- the query ---------------------------------------------------------------------------

    def query(self, con: Any, staged: dict[str, ir.Table], criteria: dict[str, Ref]) -> ir.Table:
        """pid, then per criterion ``<id>`` (1 met, 0 not met, NULL unknown), ``<id>__source``
        and ``<id>__value`` (the deciding evidence)."""
        patients = staged["patient"].select("pid", "birth_low", "birth_high", "sex")
        front = self.crf.tables(con, staged) + self.history.tables(
            con, staged, None, ("condition",)
        )
        # the anchors from only the narrow tables that hold their columns: deriving them
        # from the wide table made DuckDB materialise all of it for its several readers
        needed = self._anchor_inputs()
        narrow = join_all(patients, [t for t in front if needed & set(t.columns)])
        anchors = narrow.mutate(**self._anchors(narrow)).select("pid", *self._anchor_names())
        others = self.history.tables(
            con, staged, anchors, ("medication", "procedure", "allergy", "consent")
        )
        wide = join_all(patients, front + others + self.labs.tables(con, staged, self.daily.tables))
        wide = wide.mutate(**self._anchors(wide))
        for layer in sorted(self.layers):
            columns: dict[str, Any] = {}
            for name, rule in self.layers[layer]:
                r = rule(wide)
                columns |= {f"{name}_s": r.status, f"{name}_e": r.source, f"{name}_v": r.value}
            wide = wide.mutate(**columns)
        out: dict[str, Any] = {}
        for cid, ref in criteria.items():
            r = self.rel(wide, ref)
            out[cid] = ibis.cases((r.status == True, 1), (r.status == False, 0)).cast("int8")
            out[f"{cid}__source"] = r.source.cast("string")
            out[f"{cid}__value"] = r.value.cast("string")
        # text ids whatever the source's type (OMOP person ids are integers)
        return wide.select(pid=wide.pid.cast("string"), **out)


def _pick(chosen: list[tuple[Any, Rel]], default: Rel) -> Rel:
    """The first ``(condition, verdict)`` whose condition holds (status and evidence)."""
    status = ibis.cases(*[(cond, r.status) for cond, r in chosen], else_=default.status)
    source = ibis.cases(*[(cond, r.source) for cond, r in chosen], else_=default.source)
    value = ibis.cases(*[(cond, r.value) for cond, r in chosen], else_=default.value)
    return Rel(status, source, value)


def _fold(parts: list[Rel], op: str) -> ir.BooleanValue:
    result = parts[0].status
    for part in parts[1:]:
        result = (result & part.status) if op == "and" else (result | part.status)
    return result


def _all(parts: list[Rel]) -> Rel:
    """Kleene AND; evidence of the first child that is not met, else of the first child with
    evidence (met), else of the first unknown child."""
    status = _fold(parts, "and")
    failing = [(p.status == False, p) for p in parts]
    shown = _pick(failing, _first_with_evidence(parts, status))
    return Rel(status, shown.source, shown.value)


def _any(parts: list[Rel]) -> Rel:
    """Kleene OR; evidence of the first child that is met, else as ``_all`` does."""
    status = _fold(parts, "or")
    passing = [(p.status == True, p) for p in parts]
    shown = _pick(passing, _first_with_evidence(parts, status))
    return Rel(status, shown.source, shown.value)


def _first_with_evidence(parts: list[Rel], status: Any) -> Rel:
    unknown = [(p.status.isnull() & status.isnull(), p) for p in parts]
    with_evidence = [(p.source.notnull(), p) for p in parts]
    return _pick(unknown + with_evidence, rel(status, NULL_STR, NULL_STR))
