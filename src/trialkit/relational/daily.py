"""Daily observations within a window, compiled (``eligibility.daily``'s rules).

Over the lab rows of ``relational.labs`` (``d`` the day number, ``v`` the value read in the
element's unit or NULL, ``precise`` a day-precise date): the rows of the window are grouped
per patient and day — a day is recorded when every row reads and all read the same value —
then per patient: recorded days, their sum, minimum and maximum, and the days that pass a
count node's test. One small per-patient table per node, joined on pid with the others.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from trialkit.eligibility.daily import MEAN_DIGITS, window_start
from trialkit.protocol import nodes as n
from trialkit.relational.columns import NULL_BOOL, Rel, Rule, compare, rel, text
from trialkit.relational.labs import rounded_compare


class DailyFeatures:
    def __init__(self) -> None:
        self.nodes: list[tuple[str, int, n.Daily, int, int, float | None]] = []

    def add(self, node: n.Daily, eid: int, as_of: date, days: int, each: float | None) -> str:
        """Register a node over element ``eid``; returns its column prefix."""
        prefix = f"day{len(self.nodes)}_"
        start = window_start(as_of, days).toordinal()
        self.nodes.append((prefix, eid, node, start, as_of.toordinal(), each))
        return prefix

    def tables(self, rows: ir.Table) -> list[ir.Table]:
        out = []
        for prefix, eid, node, start, end, each in self.nodes:
            r = rows.filter(rows.eid == eid, rows.precise, rows.d >= start, rows.d <= end)
            per_day = r.group_by(["pid", "d"]).aggregate(
                lo=r.v.min(), hi=r.v.max(), unread=(r.v.count() < r.count())
            )
            ok = ~per_day.unread & (per_day.lo == per_day.hi)
            columns: dict[str, Any] = {
                f"{prefix}n": ok.cast("int64").sum(),
                f"{prefix}sum": per_day.lo.sum(where=ok),
                f"{prefix}min": per_day.lo.min(where=ok),
                f"{prefix}max": per_day.lo.max(where=ok),
            }
            if node.stat == "count" and node.each is not None and each is not None:
                passing = ok & compare(per_day.lo, node.each.op, ibis.literal(each))
                columns[f"{prefix}pass"] = passing.cast("int64").sum()
            out.append(per_day.group_by("pid").aggregate(**columns))
        return out


def daily_rule(prefix: str, node: n.Daily, days: int, threshold: float | None, need: int) -> Rule:
    """The node's status from its per-patient columns (eligibility.daily.evaluate_daily)."""

    def rule(w: ir.Table) -> Rel:
        recorded = w[f"{prefix}n"].fill_null(0)
        if node.stat == "count":
            passing = w[f"{prefix}pass"].fill_null(0)
            status = ibis.cases(
                (passing >= need, True),
                (passing + (days - recorded) < need, False),
                else_=NULL_BOOL,
            )
            return rel(status, ibis.null("string"), text(passing))
        assert node.comparison is not None
        assert threshold is not None
        if node.stat == "mean":
            value = w[f"{prefix}sum"] / recorded
            holds = rounded_compare(value, MEAN_DIGITS, node.comparison.op, threshold)
        else:
            value = w[f"{prefix}{node.stat}"]
            holds = compare(value, node.comparison.op, ibis.literal(threshold))
        status = ibis.cases((recorded >= need, holds), else_=NULL_BOOL)
        return rel(status, ibis.null("string"), ibis.cases((recorded >= need, text(value))))

    return rule
