"""The CRF's baseline lesions: RECIST 1.1 measurability and per-target-lesion tests.

The protocol declares its repeating lesion group and which item plays which role
(``lesions:`` in protocol.yaml, :class:`~trialkit.protocol.model.LesionGroup`); the rules
here read a lesion by role (id, is_node, diameter_mm, method, slice_mm,
previously_irradiated, target), never by a trial's linkId. ``relational.crf`` compiles the
same rules to SQL; the differential test holds the two together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trialkit.eligibility.context import EvalContext
from trialkit.eligibility.crf import as_number, label
from trialkit.eligibility.labs import _OPS
from trialkit.eligibility.verdict import Evidence, Status, Verdict
from trialkit.model.codes import Code
from trialkit.model.record import CrfAnswer, CrfValue
from trialkit.protocol import nodes as n
from trialkit.protocol.model import RECIST_METHODS
from trialkit.wording import count, names, number, relation

_CROSS_SECTIONAL = RECIST_METHODS[:2]  # CT, MRI: the slice thickness sets the minimum


@dataclass(frozen=True)
class Measurability:
    lesion: str
    measurable: bool | None
    why: str


def by_role(lesion: Mapping[str, CrfAnswer], items: Mapping[str, str]) -> dict[str, CrfValue]:
    """One lesion group's answers by role (``items``: role → linkId); unanswered roles absent."""
    return {role: lesion[link].value for role, link in items.items() if link in lesion}


def lesion_measurability(lesion: Mapping[str, CrfValue]) -> Measurability:
    """RECIST 1.1 measurability at baseline (clinical-facts §4) of a lesion given by role."""
    name = str(lesion.get("id") or "?")
    diameter = as_number(lesion.get("diameter_mm"))
    is_node = lesion.get("is_node")
    irradiated = lesion.get("previously_irradiated")
    raw_method = lesion.get("method")
    method = raw_method.code if isinstance(raw_method, Code) else raw_method
    slice_mm = as_number(lesion.get("slice_mm"))
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
    if method in _CROSS_SECTIONAL:
        if slice_mm is None:
            if diameter < 10:
                return Measurability(name, False, f"{number(diameter)} mm < 10 mm")
            return Measurability(name, None, "slice thickness missing")
        minimum = max(10.0, 2 * slice_mm)
    elif method == RECIST_METHODS[3]:  # caliper
        minimum = 10.0
    elif method == RECIST_METHODS[2]:  # chest X-ray
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


def _items(ctx: EvalContext) -> dict[str, str]:
    # the loader refuses a lesion rule in a protocol that declares no lesions
    assert ctx.protocol.lesions is not None
    return ctx.protocol.lesions.items


def _name(lesion: Mapping[str, CrfAnswer], items: Mapping[str, str]) -> str:
    return str(by_role(lesion, items).get("id") or "?")


def evaluate_measurable(_: n.MeasurableLesion, ctx: EvalContext) -> Verdict:
    lesions = ctx.record.crf.lesions
    if not lesions:
        return Verdict(
            Status.UNKNOWN,
            "No baseline lesion is recorded in the CRF.",
            (),
            ("the baseline lesions (one CRF lesion group per lesion)",),
        )
    items = _items(ctx)
    results = [lesion_measurability(by_role(lesion, items)) for lesion in lesions]
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


def evaluate_every_target(node: n.EveryTargetLesion, ctx: EvalContext) -> Verdict:
    """Every target lesion's ``node.item`` holds the comparison; a target without an answer
    (or with one that is not a number) leaves it unknown unless another target fails it."""
    items = _items(ctx)
    target = items["target"]
    comparison = node.comparison
    assert comparison.value is not None
    threshold = ctx.number(comparison.value)
    what = label(ctx, node.item)
    targets = [
        lesion
        for lesion in ctx.record.crf.lesions
        if (a := lesion.get(target)) is not None and a.value is True
    ]
    if not targets:
        return Verdict(
            Status.UNKNOWN,
            "No lesion is marked as a RECIST target.",
            (),
            (f"{label(ctx, target)}: which lesions are the RECIST targets",),
        )
    evidence: list[Evidence] = []
    failing: list[str] = []
    unknown: list[str] = []
    for lesion in targets:
        name = _name(lesion, items)
        answer = lesion.get(node.item)
        value = as_number(answer.value) if answer is not None else None
        if answer is None or value is None:
            unknown.append(name)
            continue
        evidence.append(
            Evidence(
                answer.source,
                f"crf:{node.item}",
                int(value) if value.is_integer() else value,
                note=f"target lesion {name}",
            )
        )
        if not _OPS[comparison.op](value, threshold):
            failing.append(f"{name} ({number(value)})")
    shown = number(threshold)
    if failing:
        return Verdict(
            Status.NOT_MET,
            f"{what} is {relation(comparison.op, False)} {shown} for "
            f"{'target lesion' if len(failing) == 1 else 'target lesions'} {names(failing)}.",
            tuple(evidence),
        )
    if unknown:
        return Verdict(
            Status.UNKNOWN,
            f"{what} is missing for some target lesions.",
            tuple(evidence),
            tuple(f"{what} of target lesion {u}" for u in unknown),
        )
    param = comparison.value.name if isinstance(comparison.value, n.Param) else None
    which = "the target lesion" if len(targets) == 1 else f"all {len(targets)} target lesions"
    return Verdict(
        Status.MET,
        f"{what} is {relation(comparison.op)} {shown} for {which}"
        + (f" (parameter {param})." if param else "."),
        tuple(evidence),
    )
