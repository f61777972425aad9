"""Rules over the screening CRF (QuestionnaireResponse answers), data dictionary §2 and §4."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from trialkit.eligibility.context import EvalContext, Placement
from trialkit.eligibility.labs import _OPS
from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.model.codes import Code
from trialkit.model.record import CrfAnswer, CrfValue
from trialkit.model.time import DateSpan
from trialkit.protocol import nodes as n
from trialkit.wording import day, number, relation, yes_no


def _evidence(answer: CrfAnswer) -> Evidence:
    raw = answer.value
    value: float | int | str | bool
    if isinstance(raw, Code):
        value = raw.code
    elif isinstance(raw, Decimal):
        value = int(raw) if raw == raw.to_integral_value() else float(raw)
    elif isinstance(raw, date):
        value = raw.isoformat()
    else:
        value = raw
    return Evidence(
        answer.source,
        f"crf:{answer.link_id}",
        value,
        time=str(answer.authored) if answer.authored else None,
    )


def _item(ctx: EvalContext, link: str) -> dict[str, object]:
    from trialkit.protocol.loader import questionnaire_items

    return dict(questionnaire_items(ctx.protocol.questionnaire).get(link, {}))


def label(ctx: EvalContext, link: str) -> str:
    """The CRF item as the form asks it (its Questionnaire text), marked as the CRF's."""
    text = _item(ctx, link).get("text")
    return f"{text} (CRF)" if isinstance(text, str) and text else f"CRF item {link}"


def _display(ctx: EvalContext, link: str, code: str) -> str:
    for option in _item(ctx, link).get("answerOption", []) or []:  # type: ignore[attr-defined]
        coding = option.get("valueCoding") or {}
        if coding.get("code") == code and coding.get("display"):
            return str(coding["display"])
    return code


def _missing(ctx: EvalContext, link: str) -> str:
    """What to collect: the CRF item as the form asks it, and its linkId (to find it)."""
    text = _item(ctx, link).get("text")
    return f"{text} (CRF item {link})" if isinstance(text, str) and text else f"CRF item {link}"


def _bad_type(ctx: EvalContext, answer: CrfAnswer, expected: str) -> Verdict:
    ctx.warn(
        answer.source,
        f"item {answer.link_id}",
        f"answer {answer.value_type} where {expected} is expected",
    )
    return Verdict(
        Status.UNKNOWN,
        f"{label(ctx, answer.link_id)} has an answer of the wrong type.",
        (
            replace(
                _evidence(answer),
                role="excluded",
                note=f"{answer.value_type}; expected {expected}",
            ),
        ),
        (_missing(ctx, answer.link_id),),
    )


def number_value(value: CrfValue | None) -> float | int | None:
    """A numeric answer as int when whole (``18``, not ``18.0``)."""
    x = as_number(value)
    return int(x) if x is not None and x.is_integer() else x


def as_number(value: CrfValue | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return float(value)


def _choice(value: CrfValue | None) -> str | None:
    if isinstance(value, Code):
        return value.code
    if isinstance(value, str):
        return value
    return None


def evaluate_crf(node: n.CrfAnswer, ctx: EvalContext) -> Verdict:
    answer = ctx.record.crf.get(node.link)
    if answer is None:
        return Verdict(
            Status.UNKNOWN,
            f"{label(ctx, node.link)} is not answered.",
            (),
            (_missing(ctx, node.link),),
        )
    ev = _evidence(answer)
    if node.equals is not None:
        if not isinstance(answer.value, bool):
            return _bad_type(ctx, answer, "valueBoolean")
        holds = answer.value is node.equals
        return Verdict(
            Status.MET if holds else Status.NOT_MET,
            f"{label(ctx, node.link)}: {yes_no(answer.value)}.",
            (ev,),
        )
    if node.one_of is not None:
        choice = _choice(answer.value)
        if choice is None:
            return _bad_type(ctx, answer, "valueCoding or valueString")
        holds = choice in node.one_of
        return Verdict(
            Status.MET if holds else Status.NOT_MET,
            f"{label(ctx, node.link)}: {_display(ctx, node.link, choice)}.",
            (ev,),
        )
    if node.on_or_before is not None:
        if not isinstance(answer.value, date):
            return _bad_type(ctx, answer, "valueDate")
        return _date_on_or_before(node, node.on_or_before, answer.value, ctx, ev)
    numeric = as_number(answer.value)
    if numeric is None:
        return _bad_type(ctx, answer, "valueDecimal or valueInteger")
    shown = f"{label(ctx, node.link)}: {number(number_value(answer.value))}"
    if node.range is not None:
        inside = node.range.low <= numeric <= node.range.high
        verb = "within" if inside else "outside"
        return Verdict(
            Status.MET if inside else Status.NOT_MET,
            f"{shown} is {verb} {number(node.range.low)}–{number(node.range.high)}.",
            (ev,),
        )
    assert node.comparison is not None
    assert node.comparison.value is not None
    threshold = ctx.number(node.comparison.value)
    holds = _OPS[node.comparison.op](numeric, threshold)
    said = relation(node.comparison.op, holds)
    return Verdict(
        Status.MET if holds else Status.NOT_MET, f"{shown} is {said} {number(threshold)}.", (ev,)
    )


def _date_on_or_before(
    node: n.CrfAnswer, window: n.Window, when: date, ctx: EvalContext, ev: Evidence
) -> Verdict:
    span = ctx.anchor(window.anchor)
    days = int(ctx.number(window.days))
    item = label(ctx, node.link)
    if span is None:
        return Verdict(Status.UNKNOWN, f"{item} {day(when)}: reference date unknown.", (ev,))
    against = f"{days} days before {span.label}" if days else span.label
    from datetime import timedelta

    delta = timedelta(days=days)
    if when <= span.low - delta:
        return Verdict(Status.MET, f"{item} {day(when)} is on or before {against}.", (ev,))
    if span.high is not None and when > span.high - delta:
        return Verdict(Status.NOT_MET, f"{item} {day(when)} is after {against}.", (ev,))
    return Verdict(Status.UNKNOWN, f"{item} {day(when)}: cannot tell against {against}.", (ev,))


def evaluate_crf_history(node: n.CrfHistory, ctx: EvalContext) -> Verdict:
    """Data dictionary §4: ``false`` decides "none"; a date decides by its window whether or
    not the companion is answered; ``true`` without a date is unknown."""
    ever = ctx.record.crf.get(node.ever)
    dated = ctx.record.crf.get(node.date)
    window = ctx.window_text(node.within)
    if dated is not None:
        if not isinstance(dated.value, date):
            return _bad_type(ctx, dated, "valueDate")
        ev = _evidence(dated)
        if dated.value > ctx.as_of:
            ctx.warn(
                dated.source,
                f"item {node.date}",
                f"date {day(dated.value)} is after the as-of date {day(ctx.as_of)}",
            )
            return Verdict(
                Status.UNKNOWN,
                f"{label(ctx, node.date)} {day(dated.value)} is after the as-of date; "
                "a past date is needed.",
                (ev,),
                (_missing(ctx, node.date),),
            )
        placement = ctx.place(DateSpan.day(dated.value), node.within)
        when = f"{label(ctx, node.date)} {day(dated.value)}"
        if placement is Placement.INSIDE:
            return Verdict(Status.MET, f"{when} is {window}.", (ev,))
        if placement is Placement.OUTSIDE:
            return Verdict(Status.NOT_MET, f"{when} is not {window}.", (ev,))
        return Verdict(
            Status.UNKNOWN,
            f"{when}: cannot tell whether it is {window}.",
            (ev,),
            ("the planned first dose date",),
        )
    if ever is None:
        return Verdict(
            Status.UNKNOWN,
            f"{label(ctx, node.ever)} and {label(ctx, node.date)} are not answered.",
            (),
            (_missing(ctx, node.ever),),
        )
    if not isinstance(ever.value, bool):
        return _bad_type(ctx, ever, "valueBoolean")
    if ever.value is False:
        return Verdict(Status.NOT_MET, f"{label(ctx, node.ever)}: no (never).", (_evidence(ever),))
    return Verdict(
        Status.UNKNOWN,
        f"{label(ctx, node.ever)}: yes, but {label(ctx, node.date)} is not given.",
        (_evidence(ever),),
        (_missing(ctx, node.date),),
    )


def evaluate_attestation(node: n.Attestation, ctx: EvalContext) -> Verdict:
    answer = ctx.record.crf.get(node.link)
    if answer is None:
        return Verdict(
            Status.UNKNOWN,
            "The investigator's judgement is not recorded.",
            (),
            (_missing(ctx, node.link) + " — investigator",),
        )
    if not isinstance(answer.value, bool):
        return _bad_type(ctx, answer, "valueBoolean")
    verdict = "applies" if answer.value else "does not apply"
    return Verdict(
        Status.MET if answer.value else Status.NOT_MET,
        f"Investigator judges that this {verdict}.",
        (_evidence(answer),),
    )
