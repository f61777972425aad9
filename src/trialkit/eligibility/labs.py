"""Laboratory rules: the most recent usable result in its lookback decides.

Data dictionary §1 (Lab recency, Units, ULN) and §4 (Lookbacks, Units without
a dimension). Results that are entered-in-error, cancelled, preliminary or
carry a dataAbsentReason never decide; neither does a value whose unit cannot
be converted to the element's canonical unit, nor an impossible one (NaN,
±Infinity, negative, outside the element's physiologically possible range:
quality.plausible, a data-quality warning): when the most recent result is
such a value the rule is ``unknown`` — an older result must not decide in its
place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from trialkit.calculators import calculator
from trialkit.eligibility.context import EvalContext
from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.errors import UnitError
from trialkit.model.codes import Code
from trialkit.model.record import Measurement
from trialkit.protocol import nodes as n
from trialkit.protocol.model import Element
from trialkit.quality import conflict_reason, implausible, latest_day, no_value
from trialkit.units import convert
from trialkit.wording import (
    a_or_an,
    number,
    number_against,
    quantity,
    relation,
    sentence_case,
    significant_digits,
    unit,
)
from trialkit.wording import day as say_day

USABLE_STATUSES = frozenset({"final", "amended", "corrected"})
_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Reading:
    """A measurement converted to the element's canonical unit (or why it could not be)."""

    measurement: Measurement
    value: float | None
    evidence: Evidence
    problem: str | None = None


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 6)


def _original(m: Measurement) -> str | None:
    if m.value is not None:
        return f"{m.value} {m.unit}" if m.unit else f"{m.value} (no unit)"
    return m.value_text or ", ".join(c.display or c.code for c in m.value_codes) or None


def candidates(ctx: EvalContext, element: Element) -> list[Measurement]:
    value_set = ctx.protocol.value_sets[element.value_set]
    return [m for m in ctx.record.measurements if value_set.matches_any(m.codes)]


def select(
    ctx: EvalContext, element: Element, lookback: float | None
) -> tuple[list[Measurement], list[Evidence], str]:
    """The results of the most recent usable date in the window, the context, the window text."""
    start = ctx.as_of - timedelta(days=lookback) if lookback is not None else date.min
    window = (
        f"dated {say_day(start)} to {say_day(ctx.as_of)} (within {int(lookback)} days before as-of)"
        if lookback is not None
        else f"dated on or before {say_day(ctx.as_of)}"
    )
    usable: list[Measurement] = []
    context: list[Evidence] = []
    for m in candidates(ctx, element):
        base = Evidence(
            m.source, element.name, time=str(m.time) if m.time else None, original=_original(m)
        )
        if m.status not in USABLE_STATUSES:
            context.append(replace(base, role="excluded", note=f"status {m.status} never decides"))
            continue
        if m.data_absent:
            context.append(replace(base, role="excluded", note="dataAbsentReason"))
            continue
        if m.time is None:
            context.append(replace(base, role="excluded", note="no effective date"))
            continue
        if m.time.low > ctx.as_of:
            context.append(
                replace(
                    base, role="excluded", note=f"dated after the as-of date {say_day(ctx.as_of)}"
                )
            )
            continue
        if m.time.high < start:
            context.append(
                replace(base, role="context", note=f"older than the lookback ({window})")
            )
            continue
        if m.time.low < start or m.time.high > ctx.as_of:
            context.append(
                replace(base, role="excluded", note="imprecise date straddles the window")
            )
            continue
        usable.append(m)
    latest = latest_day(usable, _day)
    if latest is None:
        return [], context, window
    chosen = list(latest.results)
    context.extend(
        Evidence(
            m.source,
            element.name,
            time=str(m.time),
            original=_original(m),
            role="context",
            note="older result in window",
        )
        for m in latest.older
    )
    return chosen, context, window


def _day(m: Measurement) -> date:
    assert m.time is not None  # select keeps dated results only
    return m.time.low


def read(ctx: EvalContext, element: Element, m: Measurement) -> Reading:
    """Convert one measurement to the element's canonical unit; never raises."""
    base = Evidence(
        m.source, element.name, time=str(m.time) if m.time else None, original=_original(m)
    )
    score = _score(element, m.value_codes)
    if score is not None:
        return Reading(m, float(score), replace(base, value=score, unit=element.unit))
    if m.value is None or no_value(m.value):  # NaN, ±Infinity too (quality.plausible)
        problem = "no numeric value"
        return Reading(m, None, replace(base, role="excluded", note=problem), problem)
    iu_factor = ctx.number(n.Param(element.iu_factor_param)) if element.iu_factor_param else None
    target = element.unit or "1"
    try:
        value = convert(m.value, m.unit, target, analyte=element.analyte, iu_factor=iu_factor)
    except UnitError as exc:
        if not m.unit:
            ctx.warn(
                m.source,
                "valueQuantity.unit",
                f"{element.label} value {m.value} has no unit; it decides nothing",
            )
        problem = f"unit not convertible to {unit(target) or 'a plain number'}: {exc}"
        return Reading(m, None, replace(base, role="excluded", note=problem), problem)
    why = implausible(m.value) or implausible(value, element.plausible)
    if why is not None:
        if math.isinf(value) and implausible(m.value) is None:  # finite as recorded, not as g/L
            why = f"{m.value} {m.unit or ''} is beyond any possible {element.label} value".strip()
        ctx.warn(m.source, "valueQuantity.value", f"{element.label}: {why}; it decides nothing")
        problem = f"impossible value: {why}"
        return Reading(m, None, replace(base, role="excluded", note=problem), problem)
    ref = None
    if m.ref_low is not None or m.ref_high is not None:
        low = "" if m.ref_low is None else str(m.ref_low)
        high = "" if m.ref_high is None else str(m.ref_high)
        ref = f"{low}–{high} {m.ref_unit or m.unit or ''}".strip()
    return Reading(m, value, replace(base, value=_num(value), unit=target, reference_range=ref))


def _score(element: Element, codes: tuple[Code, ...]) -> int | None:
    return next((element.scores[c] for c in codes if c in element.scores), None)


def uln_for(ctx: EvalContext, element: Element, m: Measurement) -> tuple[float | None, str]:
    """The ULN in canonical units: the result's own reference range, else the site default."""
    if m.ref_high is not None:
        try:
            value = convert(
                m.ref_high, m.ref_unit or m.unit, element.unit or "1", analyte=element.analyte
            )
        except UnitError as exc:
            return (
                None,
                f"reference range high {m.ref_high} {m.ref_unit or m.unit} not convertible ({exc})",
            )
        return value, f"{m.source} referenceRange.high"
    if element.uln_param:
        return ctx.number(
            n.Param(element.uln_param)
        ), f"site default (parameter {element.uln_param})"
    return None, "no reference range and no site default"


# The pre-treatment labs are due before the first administration too (clinical-facts §3: the
# label wants them before each dose; EU SmPC: at least once within 2 to 4 weeks before). So
# a lab read with the lab lookback must also lie within this many days before the planned
# first dose, when that date is known (an unknown date: the cycle-1 dose check guards it).
FIRST_DOSE_WINDOW = "lab_before_first_dose_days"
LAB_LOOKBACK = n.Param("lab_lookback_days")


def first_dose_window(params: Mapping[str, object], lookback: n.Number | None) -> float | None:
    """Days before the planned first dose a lab read with ``lookback`` may be (None: none)."""
    days = params.get(FIRST_DOSE_WINDOW)
    if lookback != LAB_LOOKBACK or isinstance(days, bool) or not isinstance(days, int | float):
        return None
    return float(days)


def too_early_for_first_dose(
    ctx: EvalContext, lookback: n.Number | None, when: date, label: str
) -> str | None:
    """Why the latest result of ``day`` is too old for the planned first dose (None: it is not)."""
    days = first_dose_window(ctx.params, lookback)
    if days is None or ctx.first_dose is None:
        return None
    if when >= ctx.first_dose - timedelta(days=days):
        return None
    return (
        f"The latest {label} result ({say_day(when)}) is more than {int(days)} days before the "
        f"planned first dose {say_day(ctx.first_dose)} (parameter {FIRST_DOSE_WINDOW})"
    )


def stale_need(ctx: EvalContext, label: str) -> str:
    days = int(ctx.number(n.Param(FIRST_DOSE_WINDOW)))
    assert ctx.first_dose is not None  # only asked when the first dose is known
    start = ctx.first_dose - timedelta(days=days)
    return (
        f"{a_or_an(label)} result dated {say_day(start)} to {say_day(ctx.as_of)} "
        f"(within {days} days before the first dose {say_day(ctx.first_dose)})"
    )


def evaluate_lab(node: n.Lab, ctx: EvalContext) -> Verdict:
    element = ctx.protocol.elements[node.element]
    lookback = ctx.number(node.lookback) if node.lookback is not None else None
    chosen, context, window = select(ctx, element, lookback)
    label = element.label
    if not chosen:
        return Verdict(
            Status.UNKNOWN,
            f"No usable {label} result {window}.",
            tuple(context),
            (f"{a_or_an(label)} result {window}",),
        )
    stale = too_early_for_first_dose(ctx, node.lookback, _day(chosen[0]), label)
    if stale is not None:
        shown = tuple(
            Evidence(
                m.source,
                element.name,
                time=str(m.time),
                original=_original(m),
                role="context",
                note="too long before the planned first dose",
            )
            for m in chosen
        )
        return Verdict(
            Status.UNKNOWN, f"{stale}.", shown + tuple(context), (stale_need(ctx, label),)
        )
    verdicts = [_judge(node, ctx, element, ctx_m) for ctx_m in chosen]
    statuses = {v.status for v in verdicts}
    if len(statuses) == 1:
        v = (
            verdicts[0]
            if len(verdicts) == 1
            else Verdict(
                verdicts[0].status,
                verdicts[0].reason,
                tuple(e for x in verdicts for e in x.evidence),
                verdicts[0].missing,
            )
        )
        return Verdict(v.status, v.reason, v.evidence + tuple(context), v.missing)
    return Verdict(
        Status.UNKNOWN,
        f"{conflict_reason(len(chosen), label, _day(chosen[0]))} or cannot all be read.",
        tuple(e for v in verdicts for e in v.evidence) + tuple(context),
        (f"one confirmed {label} result",),
    )


def _judge(node: n.Lab, ctx: EvalContext, element: Element, m: Measurement) -> Verdict:
    reading = read(ctx, element, m)
    label = element.label
    when = f" on {say_day(str(m.time))}" if m.time else ""
    if reading.value is None:
        return Verdict(
            Status.UNKNOWN,
            f"The latest {label} result{when} cannot be used ({reading.problem}).",
            (reading.evidence,),
            (
                f"{a_or_an(label)} result in a unit convertible to "
                f"{unit(element.unit) or 'a plain number'}",
            ),
        )
    digits = significant_digits(reading.evidence.original)
    value = reading.value

    def shown_against(*limits: float) -> str:
        amount = number_against(value, limits, digits)
        return sentence_case(f"{label} {amount} {unit(element.unit)}".rstrip())

    shown = shown_against()
    if node.range is not None:
        shown = shown_against(node.range.low, node.range.high)
        inside = node.range.low <= reading.value <= node.range.high
        bounds = f"{number(node.range.low)}–{number(node.range.high)}"
        status = Status.MET if inside else Status.NOT_MET
        verb = "is within" if inside else "is outside"
        return Verdict(status, f"{shown}{when} {verb} {bounds}.", (reading.evidence,))
    comparison = node.comparison
    assert comparison is not None  # the parser guarantees range xor comparison
    evidence = reading.evidence
    if comparison.uln_multiple is not None:
        uln, uln_source = uln_for(ctx, element, m)
        if uln is None:
            return Verdict(
                Status.UNKNOWN,
                f"{shown}{when}: no usable upper limit of normal ({uln_source}).",
                (evidence,),
                (f"the ULN for {label}",),
            )
        evidence = replace(evidence, uln=_num(uln), uln_source=uln_source)
        threshold = round(comparison.uln_multiple * uln, 9)  # as units._tidy
        described = (
            f"{number(comparison.uln_multiple)} × ULN {number(uln)} = "
            f"{quantity(threshold, element.unit)}"
        )
    else:
        assert comparison.value is not None
        threshold = ctx.number(comparison.value)
        described = quantity(threshold, element.unit)
    holds = _OPS[comparison.op](reading.value, threshold)
    status = Status.MET if holds else Status.NOT_MET
    said = relation(comparison.op, holds)
    shown = shown_against(threshold)
    return Verdict(status, f"{shown}{when} is {said} {described}.", (evidence,))


def evaluate_qualitative(node: n.Qualitative, ctx: EvalContext) -> Verdict:
    element = ctx.protocol.elements[node.element]
    chosen, context, window = select(ctx, element, ctx.number(node.lookback))
    label = element.label
    readings: list[tuple[bool | None, Evidence]] = []
    for m in chosen:
        result = _polarity(ctx, m)
        base = Evidence(
            m.source,
            element.name,
            value=None if result is None else ("positive" if result else "negative"),
            time=str(m.time) if m.time else None,
            original=_original(m),
        )
        if result is None:
            ctx.warn(
                m.source,
                "valueCodeableConcept",
                f"{label} result is neither a known positive nor negative code",
            )
            base = replace(base, role="excluded", note="not a recognised positive/negative result")
        readings.append((result, base))
    decided = {r for r, _ in readings if r is not None}
    evidence = tuple(e for _, e in readings) + tuple(context)
    if not chosen or not decided:
        return Verdict(
            Status.UNKNOWN,
            f"No readable {label} result {window}.",
            evidence,
            (f"{a_or_an(label)} result {window}",),
        )
    if len(decided) > 1 or any(r is None for r, _ in readings):
        return Verdict(
            Status.UNKNOWN,
            f"{conflict_reason(len(chosen), label, _day(chosen[0]))}.",
            evidence,
            (f"a confirmed {label} result",),
        )
    positive = decided.pop()
    when = say_day(str(chosen[0].time))
    label = sentence_case(label)
    if positive:
        return Verdict(Status.MET, f"{label} positive on {when}.", evidence)
    if not node.negative_decides:
        note = tuple(replace(e, role="context") for e in evidence)
        return Verdict(
            Status.UNKNOWN,
            f"{label} negative on {when} (a negative result does not decide this).",
            note,
        )
    return Verdict(Status.NOT_MET, f"{label} negative on {when}.", evidence)


def _polarity(ctx: EvalContext, m: Measurement) -> bool | None:
    codes = m.value_codes + m.interpretation
    if any(c in ctx.protocol.qualitative_positive for c in codes):
        return True
    if any(c in ctx.protocol.qualitative_negative for c in codes):
        return False
    return None


def evaluate_derived(node: n.Derived, ctx: EvalContext) -> Verdict:
    """A declared derived value (``derived:``): its calculator over the one usable result of
    each bound element in the lab lookback, age at as-of and sex; unknown if any is missing."""
    from trialkit.eligibility.demographics import age_at

    decl = ctx.protocol.derived[node.name]
    calc = calculator(decl.calculator)
    lookback = ctx.number(LAB_LOOKBACK)
    missing: list[str] = []
    evidence: list[Evidence] = []
    values: dict[str, object] = {}
    for need in calc.inputs:
        if need.kind != "number":
            continue
        element = ctx.protocol.elements[decl.inputs[need.name]]
        chosen, _context, window = select(ctx, element, lookback)
        readings = [read(ctx, element, m) for m in chosen]
        numbers = {r.value for r in readings if r.value is not None}
        evidence.extend(r.evidence for r in readings)
        stale = (
            too_early_for_first_dose(ctx, LAB_LOOKBACK, _day(chosen[0]), element.label)
            if chosen
            else None
        )
        if stale is not None:
            missing.append(stale_need(ctx, element.label))
        elif len(numbers) > 1:
            missing.append(
                f"{conflict_reason(len(chosen), element.label, _day(chosen[0]))}: "
                f"one confirmed {element.label} result"
            )
        elif len(numbers) != 1 or any(r.value is None for r in readings):
            missing.append(f"one usable {element.label} result {window}")
        else:
            values[need.name] = input_value(numbers.pop(), element, str(need.unit))
    if any(i.kind == "age" for i in calc.inputs):
        age, age_evidence, age_missing = age_at(ctx)
        evidence.extend(age_evidence)
        missing.extend(age_missing)
        values["age"] = age
    if any(i.kind == "sex" for i in calc.inputs):
        sex = ctx.record.sex
        if sex not in ("male", "female"):
            missing.append(f"administrative sex male or female (factor of {decl.label})")
        values["female"] = sex == "female"
    label = sentence_case(decl.label)
    if missing:
        return Verdict(
            Status.UNKNOWN, f"{label} cannot be computed.", tuple(evidence), tuple(missing)
        )
    result = calc.compute(values)
    assert node.comparison.value is not None
    threshold = ctx.number(node.comparison.value)
    holds = _OPS[node.comparison.op](result, threshold)
    derived = Evidence(
        f"derived:{calc.name.replace('_', '-')}",
        decl.name,
        result,
        calc.unit,
        time=str(ctx.as_of),
        note=calc.shown(values) + (f"; {decl.note}" if decl.note else ""),
    )
    return Verdict(
        Status.MET if holds else Status.NOT_MET,
        f"{label} {number(result)} {unit(calc.unit)} is "
        f"{relation(node.comparison.op, holds)} {number(threshold)} {unit(calc.unit)}.",
        (derived, *evidence),
    )


def input_value(value: float, element: Element, target: str) -> float:
    """An element's canonical value in the unit a calculator reads (exact when they agree)."""
    if element.unit == target:
        return value
    return convert(value, element.unit, target, analyte=element.analyte)
