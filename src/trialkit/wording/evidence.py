"""One datum of a verdict as a clinician reads it.

``Haemoglobin 121 g/L (entered 12.1 g/dL), 19 Nov 2026 — lab result o-hb`` and
``Date the written informed consent was signed (CRF): 18 Nov 2026, answered 20 Nov 2026``.
Labels come from the protocol (element labels, the Questionnaire's item texts and answer
displays, the rule nodes' labels of value sets); nothing here names a trial.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from trialkit.calculators import CALCULATORS
from trialkit.eligibility.verdict import Evidence
from trialkit.protocol.model import SUMMARY_PARAMETER, Protocol
from trialkit.wording import (
    coded,
    day,
    entered,
    number,
    quantity,
    sentence_case,
    shown,
    significant_digits,
    unit,
    yes_no,
)

# Elements the engine itself names (RECIST lesions, demographics, derived values).
_ENGINE_ELEMENTS = {
    "lesion": "Lesion",
    "birth_date": "Date of birth",
    "gender": "Administrative sex",
    "consent": "Consent",
}
_RESOURCES = {
    "Observation": "lab result",
    "Condition": "condition",
    "MedicationRequest": "medication order",
    "MedicationStatement": "medication statement",
    "MedicationAdministration": "medication administration",
    "MedicationDispense": "medication dispense",
    "Procedure": "procedure",
    "AllergyIntolerance": "allergy record",
    "Consent": "consent record",
    "Patient": "patient record",
    "QuestionnaireResponse": "CRF",
}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Labels:
    """What the protocol calls its elements, CRF items, answers and criteria."""

    elements: Mapping[str, str] = field(default_factory=dict)
    observations: frozenset[str] = frozenset()  # elements that are not lab tests
    items: Mapping[str, str] = field(default_factory=dict)
    choices: Mapping[tuple[str, str], str] = field(default_factory=dict)
    summaries: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def of(protocol: Protocol, params: Mapping[str, object] | None = None) -> Labels:
        """``params``: the parameters in force (a summary names them), defaults if not given."""
        from trialkit.protocol.loader import questionnaire_items

        elements = {name: e.label for name, e in protocol.elements.items()}
        elements.update({name: d.label for name, d in protocol.derived.items()})
        for criterion in protocol.criteria:
            for node in _nodes(criterion.rule):
                value_set, label = getattr(node, "value_set", None), getattr(node, "label", None)
                if isinstance(value_set, str) and isinstance(label, str):
                    elements.setdefault(value_set, label)
        observations = frozenset(
            name for name, e in protocol.elements.items() if e.scores or e.unit in ("kg", "cm")
        )
        items: dict[str, str] = {}
        choices: dict[tuple[str, str], str] = {}
        for link, item in questionnaire_items(protocol.questionnaire).items():
            if item.get("text"):
                items[link] = str(item["text"])
            for option in item.get("answerOption", []):
                coding = option.get("valueCoding") or {}
                if coding.get("code") and coding.get("display"):
                    choices[(link, str(coding["code"]))] = str(coding["display"])
        return Labels(
            elements=elements,
            observations=observations,
            items=items,
            choices=choices,
            summaries=criterion_summaries(protocol, params),
            texts={c.id: c.text for c in protocol.criteria},
        )

    def element(self, name: str) -> str:
        if name.startswith("crf:"):
            return self.item(name[4:])
        label = self.elements.get(name) or _ENGINE_ELEMENTS.get(name) or name.replace("_", " ")
        return sentence_case(label)

    def item(self, link: str) -> str:
        return self.items.get(link, f"CRF item {link}")


def criterion_summaries(
    protocol: Protocol, params: Mapping[str, object] | None = None
) -> dict[str, str]:
    """Each criterion's summary with every ``{parameter}`` shown at its value in ``params``
    (the parameters in force; the protocol's default for any not given): one place, so an
    override reads the same on the page, in the CLI, the report and the CONSORT figure."""
    values: dict[str, object] = {**protocol.defaults(), **(params or {})}
    return {
        c.id: SUMMARY_PARAMETER.sub(lambda m: shown(values[m.group(1)]), c.summary)
        for c in protocol.criteria
    }


def _nodes(node: object) -> Iterator[object]:
    yield node
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            child = getattr(node, f.name)
            children = child if isinstance(child, tuple | list) else (child,)
            for c in children:
                if dataclasses.is_dataclass(c) and not isinstance(c, type):
                    yield from _nodes(c)


def evidence_from_json(data: Mapping[str, Any]) -> Evidence:
    """A stored verdict's evidence (its JSON form) back as an :class:`Evidence`."""
    names = {f.name for f in dataclasses.fields(Evidence)}
    return Evidence(**{k: v for k, v in data.items() if k in names})


def _crf_value(e: Evidence, link: str, labels: Labels) -> str:
    v = e.value
    if isinstance(v, bool):
        return yes_no(v)
    if isinstance(v, str):
        if v in ("True", "False"):
            return yes_no(v == "True")
        if _ISO_DAY.match(v):
            return day(v)
        return labels.choices.get((link, v), v.replace("-", " ") if " " not in v else v)
    return shown(v)


def _uln(e: Evidence) -> str:
    if e.uln is None:
        return ""
    source = e.uln_source or ""
    where = "the result's reference range" if "referenceRange" in source else source
    return f"; ULN {quantity(e.uln, e.unit)}" + (f" from {where}" if where else "")


def _role(e: Evidence) -> str:
    note = e.note or ""
    if e.role == "context":
        return "; looked at, did not decide" + (f": {note}" if note else "")
    if e.role == "excluded":
        return "; not used" + (f": {note}" if note else "")
    if e.role == "conflict":
        return "; conflicting" + (f": {note}" if note else "")
    return f"; {note}" if note else ""


def evidence_text(e: Evidence, labels: Labels) -> str:
    """The datum in one line: what, value (as entered), when — where from; role."""
    kind, _, ident = e.source.partition("/")
    label = labels.element(e.element)
    if e.element.startswith("crf:"):
        link = e.element[4:]
        when = f", answered {day(e.time)}" if e.time else ""
        return f"{label} (CRF): {_crf_value(e, link, labels)}{when}{_role(e)}"
    if e.element == "lesion":
        return f"Lesion {shown(e.value)} (CRF): {e.note or ''}".rstrip(": ")
    if kind.startswith("derived:"):
        name = kind.split(":", 1)[1].replace("-", "_")
        method = CALCULATORS[name].method if name in CALCULATORS else name.replace("_", " ")
        what = f"{label} {quantity(e.value, e.unit)} ({method})"
        when = f", {day(e.time)}" if e.time else ""
        return f"{what}{when} — calculated: {e.note}" if e.note else f"{what}{when}"
    if isinstance(e.value, int | float) and not isinstance(e.value, bool):
        digits = significant_digits(e.original) if e.original else None
        what = f"{label} {quantity(e.value, e.unit, digits=digits)}"
        recorded = entered(e.original)
        if recorded and recorded != quantity(e.value, e.unit, digits=digits):
            what += f" (entered {recorded})"
    elif e.value is None:
        recorded = entered(e.original)
        what = f"{label}, entered {recorded}" if recorded else label
    elif kind in (
        "Condition",
        "MedicationRequest",
        "MedicationStatement",
        "Procedure",
        "MedicationAdministration",
        "MedicationDispense",
        "AllergyIntolerance",
    ):
        what = f"{label}: {coded(str(e.value))}"
    elif e.element == "birth_date":
        what = f"{label} {day(str(e.value))}"
    else:
        text = shown(e.value)
        recorded = entered(e.original)
        what = f"{label} {text}"
        if recorded and recorded.lower() != text.lower():
            what += f" (entered {recorded})"
    # the date of birth is its own date; the age note says at which date
    when = f", {day(e.time)}" if e.time and e.element != "birth_date" else ""
    resource = _RESOURCES.get(kind, kind)
    if kind == "Observation" and e.element in labels.observations:
        resource = "observation"
    if e.reference_range and e.uln is None:
        what += f" (reference range {_range(e.reference_range)})"
    return f"{what}{when} — {resource} {ident}{_uln(e)}{_role(e)}"


def _range(text: str) -> str:
    low, _, rest = text.partition("–")
    high, _, ucum = rest.partition(" ")
    return f"{low}–{high} {unit(ucum)}".strip() if rest else text


def first_dose_source(source: str, labels: Labels) -> str:
    """``CRF <linkId> (QuestionnaireResponse/x)`` (the first-dose anchor's CRF date) →
    ``CRF: <the item's text>``."""
    match = re.fullmatch(r"CRF (\S+) \((.*)\)", source)
    if match is None:
        return source
    return f"CRF: {labels.items.get(match.group(1), match.group(1))}"


def evidence_json_text(data: Mapping[str, Any], labels: Labels) -> str:
    return evidence_text(evidence_from_json(data), labels)


__all__ = ["Labels", "evidence_from_json", "evidence_json_text", "evidence_text", "number"]
