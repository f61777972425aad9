"""CRF answers as the web form sends them ↔ the FHIR QuestionnaireResponse the engine reads.

The form is rendered from the protocol's Questionnaire, so its answers arrive as
``linkId → value`` (the protocol's lesion group → a list of ``linkId → value``
groups, one per lesion; ``lesions:`` in protocol.yaml names the group). Each
value is checked against the item's type here, at the edge, and the answers
become one QuestionnaireResponse (data dictionary §4: items found by linkId
anywhere) that is added to the patient's Bundle. Being authored last, it wins
item by item over a CRF already inside the Bundle (data dictionary §1).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from trialkit.errors import InputError
from trialkit.protocol import Protocol
from trialkit.protocol.loader import lesion_group_items, questionnaire_items


def _items(protocol: Protocol) -> dict[str, Mapping[str, Any]]:
    return questionnaire_items(protocol.questionnaire)


def _lesion_items(protocol: Protocol) -> dict[str, Mapping[str, Any]]:
    """The items of the protocol's repeating lesion group (none when it declares none)."""
    if protocol.lesions is None:
        return {}
    return lesion_group_items(protocol.lesions, _items(protocol)) or {}


def _choice_codes(item: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        str(o["valueCoding"]["code"]): o["valueCoding"]
        for o in item.get("answerOption", [])
        if isinstance(o.get("valueCoding"), Mapping)
    }


def _answer(item: Mapping[str, Any], link: str, value: Any) -> dict[str, Any]:
    """One FHIR answer for ``value``, validated against the item's type."""
    kind = item.get("type")

    def bad(expected: str) -> InputError:
        return InputError(f"expected {expected}, got {value!r}", source="CRF", field=link)

    if kind == "boolean":
        if isinstance(value, bool):
            return {"valueBoolean": value}
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
            return {"valueBoolean": value.lower() in ("true", "yes")}
        raise bad("true or false")
    if kind == "integer":
        try:
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            return {"valueInteger": int(float(value))}
        except (TypeError, ValueError):
            raise bad("a whole number") from None
    if kind == "decimal":
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise bad("a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise bad("a finite number")
        return {"valueDecimal": number}
    if kind in ("date", "dateTime"):
        if isinstance(value, datetime | date):
            return {"valueDate": value.isoformat()[:10]}
        try:
            return {"valueDate": date.fromisoformat(str(value)).isoformat()}
        except ValueError:
            raise bad("a date YYYY-MM-DD") from None
    if kind == "choice":
        codes = _choice_codes(item)
        code = value.get("code") if isinstance(value, Mapping) else value
        if str(code) not in codes:
            raise bad("one of " + ", ".join(codes))
        return {"valueCoding": dict(codes[str(code)])}
    if kind in ("string", "text"):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise bad("text")
        return {"valueString": str(value)}
    raise InputError(f"item type {kind!r} cannot be answered here", source="CRF", field=link)


def normalise_answers(protocol: Protocol, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Validate flat answers and return them as stored (JSON values; ``None`` drops an item)."""
    items = _items(protocol)
    out: dict[str, Any] = {}
    for link, value in answers.items():
        if link == protocol.lesion_group:
            out[link] = _lesions(_lesion_items(protocol), link, value)
            continue
        item = items.get(link)
        if item is None or item.get("type") == "group":
            raise InputError("not an item of the screening Questionnaire", source="CRF", field=link)
        if value is None or value == "":
            out[link] = None
            continue
        _answer(item, link, value)  # validates
        out[link] = _stored(item, value)
    return out


def _stored(item: Mapping[str, Any], value: Any) -> Any:
    answer = _answer(item, str(item.get("linkId")), value)
    ((key, v),) = answer.items()
    return v["code"] if key == "valueCoding" else v


def _lesions(
    items: Mapping[str, Mapping[str, Any]], group_link: str, value: Any
) -> list[dict[str, Any]]:
    """The lesion groups as stored; ``items`` are the lesion group's own items."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(g, Mapping) for g in value):
        raise InputError("expected a list of lesion groups", source="CRF", field=group_link)
    groups: list[dict[str, Any]] = []
    for n, group in enumerate(value, start=1):
        stored: dict[str, Any] = {}
        for link, v in group.items():
            item = items.get(link)
            if item is None:
                raise InputError(
                    "not a lesion item", source="CRF", field=f"{group_link} {n} {link}"
                )
            if v is not None and v != "":
                stored[link] = _stored(item, v)
        if stored:
            groups.append(stored)
    return groups


def merge_answers(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(stored)
    for link, value in changes.items():
        if value is None or value == []:  # a list is the lesion groups: none left
            merged.pop(link, None)
        else:
            merged[link] = value
    return merged


def questionnaire_response(
    protocol: Protocol, answers: Mapping[str, Any], patient_id: str, authored: datetime
) -> dict[str, Any]:
    """The stored answers as one QuestionnaireResponse of ``patient_id``."""
    items = _items(protocol)
    lesion_group = protocol.lesion_group
    flat = [
        {"linkId": link, "answer": [_answer(items[link], link, value)]}
        for link, value in answers.items()
        if link != lesion_group and value is not None
    ]
    groups = [
        {
            "linkId": lesion_group,
            "item": [
                {"linkId": link, "answer": [_answer(items[link], link, value)]}
                for link, value in group.items()
            ],
        }
        for group in (answers.get(lesion_group, []) if lesion_group is not None else [])
    ]
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "crf-trialkit-study",
        "questionnaire": protocol.questionnaire_url,
        "status": "completed",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authored": authored.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "item": flat + groups,
    }


def answers_from_response(protocol: Protocol, response: Mapping[str, Any]) -> dict[str, Any]:
    """A QuestionnaireResponse sent as the CRF → flat answers (then validated like a form)."""
    if response.get("resourceType") != "QuestionnaireResponse":
        raise InputError("expected a QuestionnaireResponse", source="CRF", field="resourceType")
    flat: dict[str, Any] = {}
    lesions: list[dict[str, Any]] = []

    def value_of(item: Mapping[str, Any]) -> Any:
        answers = item.get("answer") or []
        if not answers or not isinstance(answers[0], Mapping):
            return None
        for key, v in answers[0].items():
            if key.startswith("value"):
                return v.get("code") if key == "valueCoding" and isinstance(v, Mapping) else v
        return None

    def walk(nodes: Any, into: dict[str, Any]) -> None:
        for node in nodes or []:
            if not isinstance(node, Mapping):
                continue
            link = str(node.get("linkId", ""))
            if link == protocol.lesion_group:
                group: dict[str, Any] = {}
                walk(node.get("item"), group)
                lesions.append(group)
            elif node.get("item"):
                walk(node.get("item"), into)
            elif (v := value_of(node)) is not None:
                into[link] = v

    walk(response.get("item"), flat)
    if lesions and protocol.lesion_group is not None:
        flat[protocol.lesion_group] = lesions
    return normalise_answers(protocol, flat)
