"""Screening CRF: QuestionnaireResponses answering the protocol's Questionnaire → one ``Crf``.

Data dictionary §1: where several responses exist, the latest ``authored``
wins item by item; §4: items are found by ``linkId`` anywhere in the tree.
The repeating lesion groups (the group the protocol's ``lesions:`` names) are
taken whole from the latest response that has any (mixing lesions of two
responses would invent a lesion list nobody entered).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from trialkit.model.codes import Code
from trialkit.model.record import Crf, CrfAnswer, CrfValue, DataWarning
from trialkit.model.time import DateSpan, parse_fhir_time
from trialkit.quality import no_value

IGNORED_STATUSES = frozenset({"entered-in-error", "stopped"})
_VALUE_FIELDS = (
    "valueBoolean",
    "valueInteger",
    "valueDecimal",
    "valueDate",
    "valueDateTime",
    "valueString",
    "valueCoding",
    "valueQuantity",
)


def is_screening_response(resource: Mapping[str, Any], questionnaire_url: str) -> bool:
    canonical = str(resource.get("questionnaire", "")).split("|", 1)[0]
    return canonical == questionnaire_url


def merge_responses(
    responses: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    timezone: str,
    source_file: str,
    lesion_group: str | None = None,
) -> tuple[Crf, list[DataWarning]]:
    """``responses`` are (``QuestionnaireResponse/id``, resource) pairs of one patient;
    ``lesion_group`` the linkId of the repeating lesion group (None: the CRF has none)."""
    warnings: list[DataWarning] = []
    parsed: list[tuple[DateSpan | None, str, dict[str, CrfAnswer], list[dict[str, CrfAnswer]]]] = []
    for key, resource in responses:
        if resource.get("status") in IGNORED_STATUSES:
            continue
        authored = _authored(resource, key, timezone, source_file, warnings)
        answers: dict[str, CrfAnswer] = {}
        groups: list[dict[str, CrfAnswer]] = []
        reader = _Reader(key, authored, timezone, f"{source_file} {key}", warnings)
        reader.walk(resource.get("item", []), answers, groups, lesion_group)
        parsed.append((authored, key, answers, groups))
    parsed.sort(key=lambda p: (p[0].low if p[0] else date.min, p[1]))
    merged: dict[str, CrfAnswer] = {}
    lesions: list[dict[str, CrfAnswer]] = []
    for _, _, answers, groups in parsed:
        merged.update(answers)
        if groups:
            lesions = groups
    return Crf(merged, tuple(lesions)), warnings


def _authored(
    resource: Mapping[str, Any], key: str, tz: str, source_file: str, warnings: list[DataWarning]
) -> DateSpan | None:
    text = resource.get("authored")
    if not isinstance(text, str):
        return None
    try:
        return parse_fhir_time(text, tz)
    except ValueError:
        warnings.append(
            DataWarning(f"{source_file} {key}", "authored", f"{text!r} is not a dateTime")
        )
        return None


class _Reader:
    def __init__(
        self, key: str, authored: DateSpan | None, tz: str, where: str, warnings: list[DataWarning]
    ) -> None:
        self.key, self.authored, self.tz, self.where, self.warnings = (
            key,
            authored,
            tz,
            where,
            warnings,
        )

    def walk(
        self,
        items: Any,
        answers: dict[str, CrfAnswer],
        groups: list[dict[str, CrfAnswer]],
        group_link: str | None,
    ) -> None:
        for item in items if isinstance(items, list) else []:
            link = item.get("linkId")
            if group_link is not None and link == group_link and item.get("item"):
                group: dict[str, CrfAnswer] = {}
                self.walk(item["item"], group, groups, group_link)
                groups.append(group)
                continue
            for answer in item.get("answer", []):
                if isinstance(link, str) and link not in answers:
                    value = self.value(link, answer)
                    if value is not None:
                        answers[link] = value
                self.walk(answer.get("item", []), answers, groups, group_link)
            self.walk(item.get("item", []), answers, groups, group_link)

    def value(self, link: str, answer: Mapping[str, Any]) -> CrfAnswer | None:
        field = next((f for f in _VALUE_FIELDS if f in answer), None)
        if field is None:
            self.warnings.append(DataWarning(self.where, f"item {link}", "answer without a value"))
            return None
        raw = answer[field]
        converted = self.convert(field, raw, link)
        if converted is None:
            return None
        return CrfAnswer(link, converted, self.key, self.authored, field)

    def convert(self, field: str, raw: Any, link: str) -> CrfValue | None:
        try:
            if field == "valueBoolean" and isinstance(raw, bool):
                return raw
            if field == "valueInteger" and isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            if field in ("valueDecimal", "valueQuantity"):
                number = raw.get("value") if isinstance(raw, Mapping) else raw
                if isinstance(number, bool):
                    raise ValueError(number)
                decimal = Decimal(str(number))
                if no_value(decimal):  # NaN / ±Infinity are no value (issue 12)
                    raise ValueError(f"{number!r} is no value")
                return decimal
            if field in ("valueDate", "valueDateTime") and isinstance(raw, str):
                span = parse_fhir_time(raw, self.tz)
                if not span.exact:
                    raise ValueError(f"partial date {raw!r}")
                return span.low
            if field == "valueString" and isinstance(raw, str):
                return raw
            if field == "valueCoding" and isinstance(raw, Mapping) and raw.get("code") is not None:
                return Code(str(raw.get("system", "")), str(raw["code"]), raw.get("display"))
        except (ValueError, InvalidOperation) as exc:
            self.warnings.append(
                DataWarning(self.where, f"item {link}", f"{field} unusable: {exc}")
            )
            return None
        self.warnings.append(
            DataWarning(self.where, f"item {link}", f"{field} {raw!r} is not valid")
        )
        return None
