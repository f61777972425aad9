"""Coded history leaves: conditions, medications, procedures, allergies, consent.

The rules are those of ``eligibility.history``: only positive evidence counts.
Each qualifying row is placed *inside* (1), *outside* (0) or *undetermined*
(NULL) — the evaluator's ``Placement`` — and per patient: any row inside →
met; else any undetermined → unknown; else the absence rule (data dictionary
§4 "Absence is not evidence", parameter ``ehr_absence_is_negative``). Each
fact table is read in one aggregation pass for all the leaves over it; value
sets are matched by ``relational.vocabulary``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from trialkit.model.time import add_years
from trialkit.protocol import nodes as n
from trialkit.protocol.model import ParamValue, Protocol
from trialkit.relational.columns import (
    NULL_BOOL,
    Aggregation,
    Rel,
    Rule,
    minus_days,
    rel,
)
from trialkit.relational.vocabulary import FORM_KEYS, form_keys, form_table, value_set_flags

_IGNORED_VERIFICATION = ["refuted", "entered-in-error"]
_ACTIVE_CONDITION = ["active", "recurrence", "relapse"]
_IGNORED_MED_STATUS = ["entered-in-error", "cancelled", "not-taken", "draft"]
_ONGOING_MED_STATUS = ["active", "intended", "on-hold", "in-progress"]
_IGNORED_PROCEDURE_STATUS = ["entered-in-error", "not-done", "preparation"]
_ANCHORED = ("medication", "procedure")  # tables whose windows may need first dose / diagnosis
Placement = Callable[[ir.Table], Any]


class HistoryFeatures:
    def __init__(self, protocol: Protocol, params: dict[str, ParamValue], as_of: date) -> None:
        self.p, self.params, self.as_of = protocol, params, as_of
        self.aggs = {t: Aggregation(t[:4]) for t in ("condition", *_ANCHORED, "allergy", "consent")}
        self.value_sets: dict[str, set[str]] = {t: set() for t in self.aggs}
        self.form_groups: set[str] = set()  # medication form groups the leaves read

    def _number(self, value: n.Number) -> float:
        if isinstance(value, n.Param):
            raw = self.params[value.name]
            assert isinstance(raw, int | float)
            assert not isinstance(raw, bool)
            return float(raw)
        return value

    def _absent(self) -> ir.BooleanValue:
        return ibis.literal(False) if self.params["ehr_absence_is_negative"] else NULL_BOOL

    def _positive_evidence(
        self, table: str, vs: str, keep: Placement, placement: Placement, value: str = "code_key"
    ) -> Rule:
        """Any row inside → met; else any undetermined → unknown; else the absence rule.
        Evidence: the smallest resource id among the rows that decide."""
        self.value_sets[table].add(vs)
        agg = self.aggs[table]

        def where(r: ir.Table, wanted: Any) -> Any:
            return r[f"vs_{vs}"] & keep(r) & wanted(placement(r))

        def best(r: ir.Table, wanted: Any) -> Any:
            return ibis.struct({"source": r.source, "value": r[value]}).min(where=where(r, wanted))

        inside = agg.add(lambda r: best(r, lambda p: p == 1))
        undetermined = agg.add(lambda r: best(r, lambda p: p.isnull()))
        absent = self._absent()

        def rule(w: ir.Table) -> Rel:
            chosen = ibis.cases((w[inside].notnull(), w[inside]), else_=w[undetermined])
            status = ibis.cases(
                (w[inside].notnull(), True), (w[undetermined].notnull(), NULL_BOOL), else_=absent
            )
            return rel(status, chosen["source"], chosen["value"])

        return rule

    # --- conditions -------------------------------------------------------------------------

    def _usable_condition(self, r: ir.Table) -> Any:
        return ~r.verification.fill_null("").isin(_IGNORED_VERIFICATION) & (
            r.onset_low.isnull() | (r.onset_low <= self.as_of)
        )

    def condition(self, node: n.ConditionPresent) -> Rule:
        as_of = self.as_of
        years = int(self._number(node.years)) if node.years is not None else None

        def placement(c: ir.Table) -> Any:
            active = c.clinical.isin(_ACTIVE_CONDITION) | (
                c.clinical.isnull() & c.abate_low.isnull()
            )
            if node.status == "any":
                return ibis.literal(1, type="int8")
            if node.status == "active":
                return ibis.cases((active, 1), else_=0)
            assert years is not None
            cutoff = add_years(as_of, -years)
            return ibis.cases(
                (active, 1),
                (c.abate_low.isnull(), 0),
                (c.abate_low > cutoff, 1),
                (c.abate_high <= cutoff, 0),
                else_=ibis.null("int8"),
            )

        return self._positive_evidence(
            "condition", node.value_set, self._usable_condition, placement
        )

    def earliest_onset(self, vs: str) -> str:
        """Column: earliest onset on or before as-of of a usable condition in ``vs``
        (an anchor declared with ``earliest_condition``: EvalContext.anchor)."""
        self.value_sets["condition"].add(vs)
        as_of = self.as_of
        return self.aggs["condition"].add(
            lambda r: r.onset_low.min(
                where=r[f"vs_{vs}"]
                & ~r.verification.fill_null("").isin(_IGNORED_VERIFICATION)
                & r.onset_low.notnull()
                & (r.onset_low <= as_of)
            ),
            ("earliest", vs),
        )

    # --- medications ------------------------------------------------------------------------

    def medication(self, node: n.MedicationExposure) -> Rule:
        as_of = self.as_of

        def keep(m: ir.Table) -> Any:
            return ~m.status.fill_null("").isin(_IGNORED_MED_STATUS) & (
                m.start_low.isnull() | (m.start_low <= as_of)
            )

        def placement(m: ir.Table) -> Any:
            ongoing = m.status.isin(_ONGOING_MED_STATUS)
            end = ibis.cases(  # history._exposure_end
                (m.end_high.notnull(), m.end_high),
                (ongoing.fill_null(False) | m.start_low.isnull(), ibis.literal(as_of)),
                else_=m.start_high,
            )
            if node.within is not None:
                place = self._overlap(m, m.start_low, m.start_high, end, node.within)
            elif node.since is not None:
                low, _ = _span(m, node.since, as_of)
                place = ibis.cases((low.isnull(), ibis.null("int8")), (end >= low, 1), else_=0)
            elif node.active:
                active = ongoing & (m.end_high.isnull() | (m.end_high >= as_of))
                place = ibis.cases((active.fill_null(False), 1), else_=0)
            else:
                place = ibis.literal(1, type="int8")
            if node.forms is None:
                return place
            form = m[f"form_{node.forms}"]
            return ibis.cases(  # a form that is not recognised leaves an inside row undetermined
                ((place == 1) & form.isnull(), ibis.null("int8")),
                ((place == 1) & (form == node.form), 1),
                (place == 1, 0),
                else_=place,
            )

        if node.forms is not None:
            self.form_groups.add(node.forms)
        return self._positive_evidence("medication", node.value_set, keep, placement)

    # --- procedures, allergies, consent -----------------------------------------------------

    def procedure(self, node: n.ProcedureDone) -> Rule:
        as_of = self.as_of

        def keep(p: ir.Table) -> Any:
            # EX9: a biopsy is never local therapy here
            return (
                ~p.biopsy.fill_null(False)
                & ~p.status.fill_null("").isin(_IGNORED_PROCEDURE_STATUS)
                & (p.t_low.isnull() | (p.t_low <= as_of))
            )

        def placement(p: ir.Table) -> Any:
            inner = (
                self._place(p, p.t_low, p.t_high, node.within)
                if node.within is not None
                else ibis.literal(1, type="int8")
            )
            return ibis.cases((p.t_low.isnull(), ibis.null("int8")), else_=inner)

        return self._positive_evidence("procedure", node.value_set, keep, placement)

    def allergy(self, node: n.AllergyRecorded) -> Rule:
        def keep(a: ir.Table) -> Any:
            return ~a.verification.fill_null("").isin(
                _IGNORED_VERIFICATION
            ) & ~a.clinical.fill_null("").isin(["inactive", "resolved"])

        return self._positive_evidence(
            "allergy", node.value_set, keep, lambda a: ibis.literal(1, type="int8"), "text"
        )

    def consent(self, node: n.ConsentSigned) -> Rule:
        """An active research consent (to the protocol's study, when it names one) dated on
        or before as-of; else unknown (never absent)."""
        # with a study, the study reference decides (eligibility.history.evaluate_consent)
        vs = node.study_value_set or node.scope_value_set
        self.value_sets["consent"].add(vs)
        as_of = self.as_of
        found = self.aggs["consent"].add(
            lambda c: ibis.struct({"source": c.source, "value": c.status}).min(
                where=c[f"vs_{vs}"]
                & (c.status == "active")
                & c.t_high.notnull()
                & (c.t_high <= as_of)
            )
        )
        return lambda w: rel(
            ibis.cases((w[found].notnull(), True), else_=NULL_BOOL),
            w[found]["source"],
            w[found]["value"],
        )

    # --- windows (EvalContext.place / overlap) ----------------------------------------------

    def _place(self, t: ir.Table, t_low: Any, t_high: Any, window: n.Window) -> Any:
        low, high = _span(t, window.anchor, self.as_of)
        days, after = int(self._number(window.days)), int(self._number(window.after))
        outside = (t_high < minus_days(low, days)) | (
            high.notnull() & (t_low > minus_days(high, -after))
        )
        inside = (
            high.notnull() & (minus_days(high, days) <= t_low) & (t_high <= minus_days(low, -after))
        )
        return _placed(low, outside, inside, window.anchor)

    def _overlap(self, t: ir.Table, s_low: Any, s_high: Any, end: Any, window: n.Window) -> Any:
        low, high = _span(t, window.anchor, self.as_of)
        days, after = int(self._number(window.days)), int(self._number(window.after))
        s_low, s_high = s_low.fill_null(date(1, 1, 1)), s_high.fill_null(date(9999, 12, 31))
        outside = (end < minus_days(low, days)) | (
            high.notnull() & (s_low > minus_days(high, -after))
        )
        inside = (
            high.notnull() & (s_high <= minus_days(low, -after)) & (end >= minus_days(high, days))
        )
        return _placed(low, outside, inside, window.anchor)

    # --- tables ------------------------------------------------------------------------------

    def tables(
        self,
        con: Any,
        staged: dict[str, ir.Table],
        anchors: ir.Table | None,
        names: tuple[str, ...],
    ) -> list[ir.Table]:
        """The per-patient aggregates of the fact tables ``names`` (anchored ones join
        ``anchors``: pid and the anchor columns)."""
        out = []
        for name in names:
            agg = self.aggs[name]
            if not agg:
                continue
            rows = staged[name]
            sets = {vs: self.p.value_sets[vs] for vs in sorted(self.value_sets[name])}
            flags = value_set_flags(con, rows, sets, with_text=name == "allergy")
            keys = ["system", "code_key"] + (["text"] if name == "allergy" else [])
            keyed = rows.mutate(**{k: rows[k].fill_null("") for k in keys})
            rows = keyed.inner_join(flags, keys)
            if name == "medication" and self.form_groups:
                groups = {g: self.p.medication_forms[g] for g in sorted(self.form_groups)}
                forms = form_table(con, rows, groups, self.p.value_sets)
                rows = rows.mutate(**{f"fk_{k}": v for k, v in form_keys(rows).items()})
                rows = rows.left_join(
                    forms, [rows[f"fk_{k}"] == forms[k] for k in FORM_KEYS]
                ).select(*[rows[c] for c in rows.columns], *[forms[f"form_{g}"] for g in groups])
            if name in _ANCHORED and anchors is not None:
                rows = rows.left_join(anchors, "pid").select(
                    *[rows[c] for c in rows.columns],
                    *[anchors[c] for c in anchors.columns if c != "pid"],
                )
            out.append(agg.table(rows))
        return out


def anchor_columns(anchor: str) -> tuple[str, str]:
    """The compiler's (low, high) columns of a declared anchor (Compiler._anchors)."""
    return f"a_{anchor}_lo", f"a_{anchor}_hi"


def _span(t: ir.Table, anchor: n.Anchor, as_of: date) -> tuple[Any, Any]:
    """(low, high) of an anchor for each row (EvalContext.anchor): as-of; an unknown first
    dose is "on or after as-of" (high NULL); an unknown past event is no span (both NULL)."""
    if anchor == n.AS_OF:
        return ibis.literal(as_of), ibis.literal(as_of)
    low, high = anchor_columns(anchor)
    return t[low], t[high]


def _placed(low: Any, outside: Any, inside: Any, anchor: n.Anchor) -> Any:
    undefined = low.isnull()  # an anchor that is not known at all: nothing can be placed
    return ibis.cases(
        (undefined, ibis.null("int8")), (outside, 0), (inside, 1), else_=ibis.null("int8")
    )
