"""Screening-CRF leaves: answers pivoted to one row per patient, lesion groups measured.

The rules are those of ``eligibility.crf`` (data dictionary §2 and §4): an
answer of the wrong type decides nothing; a history pair (yes/no + date) is
decided by the date's window when a date is given, ``false`` means none and
``true`` without a date is unknown; lesion measurability follows RECIST 1.1
(clinical-facts §4) as ``lesions.lesion_measurability`` does, over the items the
protocol's ``lesions:`` binds to each role.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from trialkit.protocol import nodes as n
from trialkit.protocol.model import RECIST_METHODS, LesionGroup, ParamValue
from trialkit.relational.columns import (
    NULL_BOOL,
    Aggregation,
    Reduction,
    Rel,
    Rule,
    compare,
    minus_days,
    rel,
    split_plan,
    text,
)
from trialkit.sources.staging import LESION_MARKER

_FIELDS = {"bool": "v_bool", "number": "v_num", "date": "v_date", "choice": "v_str"}
# lesion role → (value column, staged answer type); a role the protocol does not bind is NULL
_ROLE_COLUMNS = {
    "id": ("v_str", "choice"),
    "diameter_mm": ("v_num", "number"),
    "is_node": ("v_bool", "bool"),
    "previously_irradiated": ("v_bool", "bool"),
    "method": ("v_str", "choice"),
    "slice_mm": ("v_num", "number"),
    "target": ("v_bool", "bool"),
}
_CT, _MRI, _X_RAY, _CALIPER = RECIST_METHODS
_CT_MRI = [_CT, _MRI]


class Answer:
    """The wide-table columns of one CRF item: its type, typed value and source."""

    def __init__(self, w: ir.Table, columns: dict[str, str]) -> None:
        self.w, self.columns = w, columns

    def __getattr__(self, field: str) -> Any:
        return self.w[self.columns[field]]

    def is_(self, vtype: str) -> ir.BooleanValue:
        return self.vtype == vtype

    def shown(self) -> ir.StringValue:
        """The answer as evidence text."""
        return ibis.cases(
            (self.vtype == "bool", text(self.v_bool)),
            (self.vtype == "number", text(self.v_num)),
            (self.vtype == "date", text(self.v_date)),
            else_=self.v_str,
        )


class CrfFeatures:
    def __init__(
        self, params: dict[str, ParamValue], as_of: date, lesions: LesionGroup | None = None
    ) -> None:
        self.params, self.as_of, self.lesion_group = params, as_of, lesions
        self.scored: dict[str, str] = {}  # lesion-group items read as numbers → their column
        self.agg = Aggregation("crf")
        self.lesions = Aggregation("les")
        self.links: dict[str, int] = {}  # linkId → small integer, compared per row instead
        self.anchor_columns: dict[str, Any] = {}

    def _number(self, value: n.Number) -> float:
        if isinstance(value, n.Param):
            raw = self.params[value.name]
            assert isinstance(raw, int | float)
            assert not isinstance(raw, bool)
            return float(raw)
        return value

    def answer(self, link: str) -> dict[str, str]:
        """Register the columns of ``link``'s answer (one per patient after merging)."""
        index = self.links.setdefault(link, len(self.links))
        columns = {}
        for field in ("vtype", "source", *_FIELDS.values()):
            columns[field] = self.agg.add_part(_answer_max(field), (link, field), ("li", index))
        return columns

    # --- leaves ------------------------------------------------------------------------------

    def crf(self, node: n.CrfAnswer, span: Any) -> Rule:
        cols = self.answer(node.link)
        as_of = self.as_of

        def rule(w: ir.Table) -> Rel:
            a = Answer(w, cols)
            if node.equals is not None:
                status = ibis.cases((a.is_("bool"), a.v_bool == node.equals), else_=NULL_BOOL)
            elif node.one_of is not None:
                status = ibis.cases(
                    (a.is_("choice"), a.v_str.isin(list(node.one_of))), else_=NULL_BOOL
                )
            elif node.on_or_before is not None:
                low, high = span(w, node.on_or_before.anchor, as_of)
                delta = int(self._number(node.on_or_before.days))
                status = ibis.cases(
                    (~a.is_("date"), NULL_BOOL),
                    (low.isnull(), NULL_BOOL),
                    (a.v_date <= minus_days(low, delta), True),
                    (high.notnull() & (a.v_date > minus_days(high, delta)), False),
                    else_=NULL_BOOL,
                )
            elif node.range is not None:
                inside = (a.v_num >= node.range.low) & (a.v_num <= node.range.high)
                status = ibis.cases((a.is_("number"), inside), else_=NULL_BOOL)
            else:
                c = node.comparison
                assert c is not None
                assert c.value is not None
                holds = compare(a.v_num, c.op, ibis.literal(self._number(c.value)))
                status = ibis.cases((a.is_("number"), holds), else_=NULL_BOOL)
            return rel(status, a.source, a.shown())

        return rule

    def crf_history(self, node: n.CrfHistory, place: Any) -> Rule:
        ever_cols, date_cols = self.answer(node.ever), self.answer(node.date)
        as_of = self.as_of

        def rule(w: ir.Table) -> Rel:
            ever, dated = Answer(w, ever_cols), Answer(w, date_cols)
            placement = place(w, dated.v_date, node.within)
            by_date = ibis.cases(
                (~dated.is_("date"), NULL_BOOL),
                (dated.v_date > as_of, NULL_BOOL),
                (placement == 1, True),
                (placement == 0, False),
                else_=NULL_BOOL,
            )
            by_ever = ibis.cases(
                (ever.is_("bool") & (ever.v_bool == False), False), else_=NULL_BOOL
            )
            has_date = dated.vtype.notnull()
            return rel(
                ibis.cases((has_date, by_date), else_=by_ever),
                ibis.cases((has_date, dated.source), else_=ever.source),
                ibis.cases((has_date, dated.shown()), else_=ever.shown()),
            )

        return rule

    def attestation(self, node: n.Attestation) -> Rule:
        cols = self.answer(node.link)

        def rule(w: ir.Table) -> Rel:
            a = Answer(w, cols)
            return rel(ibis.cases((a.is_("bool"), a.v_bool), else_=NULL_BOOL), a.source, a.shown())

        return rule

    # --- lesions (crf.lesion_measurability, evaluate_measurable, evaluate_sstr) ---------------

    def measurable(self) -> Rule:
        found = self.lesions.add(
            lambda le: ibis.struct({"source": le.source, "value": le.name}).min(where=le.m == 1),
            "measurable",
        )
        any_unclear = self.lesions.add(lambda le: le.m.isnull().cast("int8").max(), "unclear")
        first = self.lesions.add(
            lambda le: ibis.struct({"source": le.source, "value": le.name}).min(), "first"
        )

        def rule(w: ir.Table) -> Rel:
            status = ibis.cases(
                (w[found].notnull(), True),
                (w[any_unclear] == 0, False),
                else_=NULL_BOOL,
            )
            shown = ibis.cases((w[found].notnull(), w[found]), else_=w[first])
            return rel(status, shown["source"], shown["value"])

        return rule

    def every_target(self, node: n.EveryTargetLesion) -> Rule:
        c = node.comparison
        assert c.value is not None
        threshold = self._number(c.value)
        column = self.scored.setdefault(node.item, f"item{len(self.scored)}")

        def fails(le: ir.Table) -> ir.BooleanValue:
            return ~compare(le[column], c.op, ibis.literal(threshold))

        failing = self.lesions.add(
            lambda le: ibis.struct({"source": le.source, "value": le.name}).min(
                where=(le.target == True) & le[column].notnull() & fails(le)
            ),
            ("failing", node.item, c.op, threshold),
        )
        missing = self.lesions.add(
            lambda le: (le[column].isnull() & (le.target == True)).cast("int8").max(),
            ("missing", node.item),
        )
        target = self.lesions.add(
            lambda le: ibis.struct({"source": le.source, "value": le.name}).min(
                where=le.target == True
            ),
            "target",
        )

        def rule(w: ir.Table) -> Rel:
            status = ibis.cases(
                (w[target].isnull(), NULL_BOOL),
                (w[failing].notnull(), False),
                (w[missing] == 1, NULL_BOOL),
                else_=True,
            )
            shown = ibis.cases((w[failing].notnull(), w[failing]), else_=w[target])
            return rel(status, shown["source"], shown["value"])

        return rule

    # --- tables ------------------------------------------------------------------------------

    def tables(self, con: Any, staged: dict[str, ir.Table]) -> list[ir.Table]:
        crf = staged["crf"]
        out = []
        if self.agg:
            # the linkId as a small integer, computed once per row: the pivot then compares
            # integers (~200 aggregates a row) instead of strings
            answers = crf.filter(crf.lesion.isnull())
            index = ibis.cases(*[(answers.link == k, i) for k, i in self.links.items()], else_=-1)
            out += self.agg.tables(answers.mutate(li=index), split=split_plan(con))
        if self.lesions:
            assert self.lesion_group is not None  # the loader refuses lesion rules without it
            out.append(self.lesions.table(_lesion_rows(crf, self.lesion_group, self.scored)))
        return out


def _lesion_rows(crf: ir.Table, group: LesionGroup, scored: dict[str, str]) -> ir.Table:
    """One row per lesion group: typed answers by role (NULL when missing, of the wrong type
    or a role the protocol does not bind), each scored item as a number, and the lesion's
    RECIST 1.1 measurability ``m``: 1 yes, 0 no, NULL cannot tell."""
    les = crf.filter(crf.lesion.notnull())
    cols: dict[str, Any] = {}
    for role, (field, vtype) in _ROLE_COLUMNS.items():
        link = group.link(role)
        holds = ibis.literal(False) if link is None else (les.link == link) & (les.vtype == vtype)
        cols[role] = les[field].max(where=holds)
    for link, column in scored.items():
        cols[column] = les.v_num.max(where=(les.link == link) & (les.vtype == "number"))
    g = les.group_by(["pid", "lesion"]).aggregate(
        source=les.source.max(), marker=(les.link == LESION_MARKER).cast("int8").max(), **cols
    )
    d, irr, node = g.diameter_mm, g.previously_irradiated, g.is_node
    minimum = ibis.cases(
        (g.method.isin(_CT_MRI) & g.slice_mm.notnull(), ibis.greatest(10.0, 2 * g.slice_mm)),
        (g.method == _CALIPER, 10.0),
        (g.method == _X_RAY, 20.0),
        else_=ibis.null("float64"),
    )
    measurable = ibis.cases(
        (irr == True, 0),
        (d.isnull() | node.isnull(), ibis.null("int8")),
        (node, ibis.cases((d < 15, 0), (irr == False, 1), else_=ibis.null("int8"))),
        (minimum.isnull(), ibis.cases((d < 10, 0), else_=ibis.null("int8"))),
        (d < minimum, 0),
        (irr.isnull(), ibis.null("int8")),
        else_=1,
    )
    return g.mutate(m=measurable, name=g.id.fill_null("?"))


def _answer_max(field: str) -> Reduction:
    """The patient's (one) answer to a linkId outside lesion groups, column ``field``."""

    def aggregate(r: ir.Table, where: Any) -> ir.Value:
        value: ir.Value = r[field].max(where=where)
        return value

    return aggregate
