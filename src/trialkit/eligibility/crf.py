"""Rules over the screening CRF (QuestionnaireResponse answers), data dictionary §2 and §4."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from trialkit.eligibility import nodes as n
from trialkit.eligibility.context import EvalContext, Placement
from trialkit.eligibility.labs import _OPS
from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.model.codes import Code
from trialkit.model.record import CrfAnswer, CrfValue
from trialkit.model.time import DateSpan
from trialkit.wording import count, day, names, number, relation, yes_no


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


# --- lesions (IN5, IN6) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurability:
    lesion: str
    measurable: bool | None
    why: str


def lesion_measurability(lesion: dict[str, CrfAnswer]) -> Measurability:
    """RECIST 1.1 measurability at baseline (clinical-facts §4)."""

    def val(link: str) -> CrfValue | None:
        a = lesion.get(link)
        return a.value if a is not None else None

    name = str(val("lesion-id") or "?")
    diameter = as_number(val("lesion-diameter-mm"))
    is_node = val("lesion-is-node")
    irradiated = val("lesion-previously-irradiated")
    method = _choice(val("lesion-method"))
    slice_mm = as_number(val("lesion-slice-mm"))
    if irradiated is True:
        return Measurability(name, False, "in a previously irradiated field")
    if diameter is None or not isinstance(is_node, bool):
        return Measurability(name, None, "diameter or node flag missing")
    if is_node:
        ok = diameter >= 15
        return Measurability(
            name,
            ok if irradiated is False or not ok else None,
            f"node short axis {number(diameter)} mm {'≥' if ok else '<'} 15 mm",
        )
    if method in ("CT", "MRI"):
        if slice_mm is None:
            if diameter < 10:
                return Measurability(name, False, f"{number(diameter)} mm < 10 mm")
            return Measurability(name, None, "slice thickness missing")
        minimum = max(10.0, 2 * slice_mm)
    elif method == "caliper":
        minimum = 10.0
    elif method == "X-ray":
        minimum = 20.0
    else:
        if diameter < 10:
            return Measurability(name, False, f"{number(diameter)} mm < 10 mm")
        return Measurability(name, None, "method missing")
    ok = diameter >= minimum
    why = f"{number(diameter)} mm {'≥' if ok else '<'} {number(minimum)} mm, {method}"
    if ok and irradiated is None:
        return Measurability(name, None, why + "; previously-irradiated not answered")
    return Measurability(name, ok, why)


def evaluate_measurable(_: n.MeasurableLesion, ctx: EvalContext) -> Verdict:
    lesions = ctx.record.crf.lesions
    if not lesions:
        return Verdict(
            Status.UNKNOWN,
            "No baseline lesion is recorded in the CRF.",
            (),
            ("the baseline lesions (one CRF lesion group per lesion)",),
        )
    results = [lesion_measurability(lesion) for lesion in lesions]
    evidence = tuple(
        Evidence(
            next(iter(lesion.values())).source,
            "lesion",
            r.lesion,
            note=r.why,
            role="decided" if r.measurable else "context",
        )
        for lesion, r in zip(lesions, results, strict=True)
    )
    measurable = [r for r in results if r.measurable]
    if measurable:
        return Verdict(
            Status.MET,
            f"{count(len(measurable), 'measurable lesion')}: "
            + names(f"{r.lesion} ({r.why})" for r in measurable)
            + ".",
            evidence,
        )
    if all(r.measurable is False for r in results):
        return Verdict(Status.NOT_MET, "No recorded lesion is measurable by RECIST 1.1.", evidence)
    return Verdict(
        Status.UNKNOWN,
        "No lesion is shown measurable; some lack the data to tell.",
        evidence,
        tuple(f"lesion {r.lesion}: {r.why}" for r in results if r.measurable is None),
    )


def evaluate_sstr(node: n.TargetLesionsSstrPositive, ctx: EvalContext) -> Verdict:
    minimum = ctx.number(node.min_krenning)
    targets = [
        lesion
        for lesion in ctx.record.crf.lesions
        if (a := lesion.get("lesion-target")) is not None and a.value is True
    ]
    if not targets:
        return Verdict(
            Status.UNKNOWN,
            "No lesion is marked as a RECIST target.",
            (),
            (f"{label(ctx, 'lesion-target')}: which lesions are the RECIST targets",),
        )
    evidence: list[Evidence] = []
    below: list[str] = []
    unknown: list[str] = []
    for lesion in targets:
        name = str(lesion["lesion-id"].value) if "lesion-id" in lesion else "?"
        answer = lesion.get("lesion-krenning")
        score = as_number(answer.value) if answer is not None else None
        if answer is None or score is None:
            unknown.append(name)
            continue
        evidence.append(
            Evidence(answer.source, "krenning", int(score), note=f"target lesion {name}")
        )
        if score < minimum:
            below.append(f"{name} (Krenning {int(score)})")
    if below:
        return Verdict(
            Status.NOT_MET,
            f"{'Target lesion' if len(below) == 1 else 'Target lesions'} below Krenning "
            f"{number(minimum)}: {names(below)}.",
            tuple(evidence),
        )
    if unknown:
        return Verdict(
            Status.UNKNOWN,
            "Krenning score missing for some target lesions.",
            tuple(evidence),
            tuple(f"{label(ctx, 'lesion-krenning')} of target lesion {u}" for u in unknown),
        )
    return Verdict(
        Status.MET,
        (
            f"The target lesion has Krenning ≥ {number(minimum)}"
            if len(targets) == 1
            else f"All {len(targets)} target lesions have Krenning ≥ {number(minimum)}"
        )
        + " (parameter sstr_min_krenning).",
        tuple(evidence),
    )
