"""Daily observations within a window (:class:`~trialkit.protocol.nodes.Daily`): a diary's
mean, minimum or maximum, or the count of days that pass a test.

The window is the last ``days`` calendar days up to and including as-of. A result counts when
it is usable (final / amended / corrected, no dataAbsentReason), dated to one day inside the
window, and readable in the element's unit (``labs.read``: converted, plausible). A day is
*recorded* when it has such results and they all read the same value; a day with an unreadable
or a disagreeing result is not recorded (it is named in the evidence). The compiled query
(``relational.daily``) applies the same rules; the differential test holds them together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from trialkit.eligibility.context import EvalContext
from trialkit.eligibility.labs import USABLE_STATUSES, candidates, read
from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.protocol import nodes as n
from trialkit.wording import day as say_day
from trialkit.wording import number, quantity, relation, sentence_case

MEAN_DIGITS = 6  # the mean is compared rounded to this many decimals (both paths)
_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def window_start(as_of: date, days: int) -> date:
    """The first day of the last ``days`` calendar days up to and including as-of."""
    return as_of - timedelta(days=days - 1)


def evaluate_daily(node: n.Daily, ctx: EvalContext) -> Verdict:
    element = ctx.protocol.elements[node.element]
    days = int(ctx.number(node.days))
    start = window_start(ctx.as_of, days)
    span = f"the {days} days {say_day(start)} to {say_day(ctx.as_of)}"
    per_day: dict[date, list[float | None]] = defaultdict(list)
    shown: dict[date, list[Evidence]] = defaultdict(list)
    for m in candidates(ctx, element):
        if m.status not in USABLE_STATUSES or m.data_absent or m.time is None:
            continue
        if m.time.low != m.time.high or not start <= m.time.low <= ctx.as_of:
            continue  # not placed on one day of the window
        reading = read(ctx, element, m)
        per_day[m.time.low].append(reading.value)
        shown[m.time.low].append(reading.evidence)
    recorded: dict[date, float] = {}
    evidence: list[Evidence] = []
    for d in sorted(per_day):
        values = per_day[d]
        if None not in values and len(set(values)) == 1:
            recorded[d] = float(values[0])  # type: ignore[arg-type]
            evidence += shown[d]
        else:
            note = "results of the day disagree or cannot be read: the day is not recorded"
            evidence += [replace(e, role="context", note=note) for e in shown[d]]
    label = element.label
    if node.stat == "count":
        return _count(node, ctx, recorded, days, span, label, tuple(evidence))
    assert node.comparison is not None
    assert node.comparison.value is not None
    assert node.min_days is not None
    need = int(ctx.number(node.min_days))
    if len(recorded) < need:
        return Verdict(
            Status.UNKNOWN,
            f"{sentence_case(label)} recorded on {len(recorded)} of {span}; {need} are needed.",
            tuple(evidence),
            (f"{label} recorded on at least {need} of {span} (recorded: {len(recorded)})",),
        )
    readings = [recorded[d] for d in sorted(recorded)]
    stat = statistic(node.stat, readings)
    threshold = ctx.number(node.comparison.value)
    ok = _OPS[node.comparison.op](stat, threshold)
    name = {"mean": "Mean", "min": "Lowest", "max": "Highest"}[node.stat]
    return Verdict(
        Status.MET if ok else Status.NOT_MET,
        f"{name} {label} {quantity(stat, element.unit)} over {len(readings)} recorded of "
        f"{span}: {relation(node.comparison.op, ok)} {quantity(threshold, element.unit)}.",
        tuple(evidence),
    )


def statistic(stat: str, values: list[float]) -> float:
    """The mean (rounded to MEAN_DIGITS), minimum or maximum of the recorded days' values."""
    if stat == "mean":
        return round(sum(values) / len(values), MEAN_DIGITS)
    return min(values) if stat == "min" else max(values)


def _count(
    node: n.Daily,
    ctx: EvalContext,
    recorded: dict[date, float],
    days: int,
    span: str,
    label: str,
    evidence: tuple[Evidence, ...],
) -> Verdict:
    assert node.each is not None
    assert node.each.value is not None
    assert node.at_least is not None
    test, limit = node.each.op, ctx.number(node.each.value)
    need = int(ctx.number(node.at_least))
    passing = sum(_OPS[test](v, limit) for v in recorded.values())
    unrecorded = days - len(recorded)
    said = (
        f"{sentence_case(label)} {relation(test)} {number(limit)} on {passing} of {span} "
        f"({len(recorded)} recorded; {need} needed)"
    )
    if passing >= need:
        return Verdict(Status.MET, f"{said}.", evidence)
    if passing + unrecorded < need:
        return Verdict(Status.NOT_MET, f"{said}: not reachable.", evidence)
    return Verdict(
        Status.UNKNOWN,
        f"{said}: {unrecorded} days not recorded.",
        evidence,
        (f"{label} for the {unrecorded} days not recorded in {span}",),
    )
