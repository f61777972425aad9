"""Rules over the screening CRF (QuestionnaireResponse answers), data dictionary §2 and §4."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from trialkit.eligibility import nodes as n
from trialkit.eligibility.context import EvalContext, Placement
from trialkit.eligibility.labs import _OPS
from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.model.codes import Code
from trialkit.model.record import CrfAnswer, CrfValue
from trialkit.model.time import DateSpan


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


def _missing(ctx: EvalContext, link: str) -> str:
    from trialkit.protocol.loader import questionnaire_items

    item = questionnaire_items(ctx.protocol.questionnaire).get(link, {})
    text = item.get("text")
    return f"CRF item {link}" + (f" ({text})" if text else "")


def _bad_type(ctx: EvalContext, answer: CrfAnswer, expected: str) -> Verdict:
    ctx.warn(
        answer.source,
        f"item {answer.link_id}",
        f"answer {answer.value_type} where {expected} is expected",
    )
    return Verdict(
        Status.UNKNOWN,
        f"CRF item {answer.link_id} has an answer of the wrong type.",
        (
            Evidence(
                answer.source,
                f"crf:{answer.link_id}",
                str(answer.value),
                role="excluded",
                note=f"{answer.value_type}; expected {expected}",
            ),
        ),
        (_missing(ctx, answer.link_id),),
    )


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
            f"CRF item {node.link} is not answered.",
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
            f"CRF {node.link}: {str(answer.value).lower()}.",
            (ev,),
        )
    if node.one_of is not None:
        choice = _choice(answer.value)
        if choice is None:
            return _bad_type(ctx, answer, "valueCoding or valueString")
        holds = choice in node.one_of
        return Verdict(
            Status.MET if holds else Status.NOT_MET, f"CRF {node.link}: {choice}.", (ev,)
        )
    if node.on_or_before is not None:
        if not isinstance(answer.value, date):
            return _bad_type(ctx, answer, "valueDate")
        return _date_on_or_before(node, node.on_or_before, answer.value, ctx, ev)
    number = as_number(answer.value)
    if number is None:
        return _bad_type(ctx, answer, "valueDecimal or valueInteger")
    shown = f"CRF {node.link}: {ev.value}"
    if node.range is not None:
        inside = node.range.low <= number <= node.range.high
        verb = "within" if inside else "outside"
        return Verdict(
            Status.MET if inside else Status.NOT_MET,
            f"{shown} is {verb} {node.range.low:g}–{node.range.high:g}.",
            (ev,),
        )
    assert node.comparison is not None
    assert node.comparison.value is not None
    threshold = ctx.number(node.comparison.value)
    holds = _OPS[node.comparison.op](number, threshold)
    relation = node.comparison.op if holds else f"not {node.comparison.op}"
    return Verdict(
        Status.MET if holds else Status.NOT_MET, f"{shown} is {relation} {threshold:g}.", (ev,)
    )


def _date_on_or_before(
    node: n.CrfAnswer, window: n.Window, when: date, ctx: EvalContext, ev: Evidence
) -> Verdict:
    span = ctx.anchor(window.anchor)
    days = int(ctx.number(window.days))
    if span is None:
        return Verdict(Status.UNKNOWN, f"CRF {node.link} {when}: reference date unknown.", (ev,))
    label = f"{days} days before {span.label}" if days else span.label
    from datetime import timedelta

    delta = timedelta(days=days)
    if when <= span.low - delta:
        return Verdict(Status.MET, f"CRF {node.link} {when} is on or before {label}.", (ev,))
    if span.high is not None and when > span.high - delta:
        return Verdict(Status.NOT_MET, f"CRF {node.link} {when} is after {label}.", (ev,))
    return Verdict(Status.UNKNOWN, f"CRF {node.link} {when}: cannot tell against {label}.", (ev,))


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
                dated.source, f"item {node.date}", f"date {dated.value} is after as-of {ctx.as_of}"
            )
            return Verdict(
                Status.UNKNOWN,
                f"CRF {node.date} {dated.value} is after as-of; a past date is needed.",
                (ev,),
                (_missing(ctx, node.date),),
            )
        placement = ctx.place(DateSpan.day(dated.value), node.within)
        if placement is Placement.INSIDE:
            return Verdict(Status.MET, f"CRF {node.date} {dated.value} is {window}.", (ev,))
        if placement is Placement.OUTSIDE:
            return Verdict(Status.NOT_MET, f"CRF {node.date} {dated.value} is not {window}.", (ev,))
        return Verdict(
            Status.UNKNOWN,
            f"CRF {node.date} {dated.value}: cannot tell whether it is {window}.",
            (ev,),
            ("the planned first dose date",),
        )
    if ever is None:
        return Verdict(
            Status.UNKNOWN,
            f"CRF items {node.ever} and {node.date} are not answered.",
            (),
            (_missing(ctx, node.ever),),
        )
    if not isinstance(ever.value, bool):
        return _bad_type(ctx, ever, "valueBoolean")
    if ever.value is False:
        return Verdict(Status.NOT_MET, f"CRF {node.ever}: false (never).", (_evidence(ever),))
    return Verdict(
        Status.UNKNOWN,
        f"CRF {node.ever}: true, but {node.date} is not given.",
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
            f"node short axis {diameter:g} mm {'≥' if ok else '<'} 15 mm",
        )
    if method in ("CT", "MRI"):
        if slice_mm is None:
            if diameter < 10:
                return Measurability(name, False, f"{diameter:g} mm < 10 mm")
            return Measurability(name, None, "slice thickness missing")
        minimum = max(10.0, 2 * slice_mm)
    elif method == "caliper":
        minimum = 10.0
    elif method == "X-ray":
        minimum = 20.0
    else:
        if diameter < 10:
            return Measurability(name, False, f"{diameter:g} mm < 10 mm")
        return Measurability(name, None, "method missing")
    ok = diameter >= minimum
    why = f"{diameter:g} mm {'≥' if ok else '<'} {minimum:g} mm ({method})"
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
            ("CRF lesion group(s)",),
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
            f"{len(measurable)} measurable lesion(s): "
            f"{measurable[0].lesion} ({measurable[0].why}).",
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
            ("CRF lesion-target for the target lesions",),
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
            f"Target lesion(s) below Krenning {minimum:g}: {', '.join(below)}.",
            tuple(evidence),
        )
    if unknown:
        return Verdict(
            Status.UNKNOWN,
            "Krenning score missing for some target lesions.",
            tuple(evidence),
            tuple(f"lesion-krenning of lesion {u}" for u in unknown),
        )
    return Verdict(
        Status.MET,
        f"All {len(targets)} target lesion(s) have Krenning ≥ {minimum:g} "
        "(parameter sstr_min_krenning).",
        tuple(evidence),
    )
