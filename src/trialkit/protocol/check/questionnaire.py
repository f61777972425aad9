"""The protocol check's Questionnaire section: the file itself (resourceType, url, unique
linkIds, an answer type on every item) and each reference to one of its linkIds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trialkit.protocol.check.report import _ITEM_TYPES, _Report


def _questionnaire(
    raw: Mapping[str, Any], folder: Path, report: _Report
) -> dict[str, Mapping[str, Any]] | None:
    name = str(raw.get("questionnaire", "questionnaire.json"))
    report.questionnaire_file = str(folder / name)
    try:
        q = json.loads((folder / name).read_text(encoding="utf-8"))
    except OSError:
        report.add(
            "questionnaire", f"the CRF {name} is not in the folder", "add it or fix the name"
        )
        return None
    except json.JSONDecodeError as exc:
        report.add("", f"not valid JSON ({exc})", "correct the JSON syntax", questionnaire=True)
        return None
    if not isinstance(q, Mapping) or q.get("resourceType") != "Questionnaire":
        report.add(
            "resourceType",
            "not a FHIR Questionnaire",
            'write "resourceType": "Questionnaire"',
            questionnaire=True,
        )
        return None
    if not str(q.get("url") or "").strip():
        report.add(
            "url", "no canonical url", 'add "url": the CRF\'s canonical URL', questionnaire=True
        )
    links: dict[str, Mapping[str, Any]] = {}

    def visit(items: Any, path: str) -> None:
        if not isinstance(items, list):
            report.add(path, "item is not a list", "make item a JSON array", questionnaire=True)
            return
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            if not isinstance(item, Mapping) or not str(item.get("linkId") or "").strip():
                report.add(
                    where, "an item without a linkId", "give it a linkId", questionnaire=True
                )
                continue
            link = str(item["linkId"])
            where = f"{path}[{i}] ({link})"
            if link in links:
                report.add(
                    where, f"linkId {link!r} appears twice", "rename one", questionnaire=True
                )
            links[link] = item
            if item.get("type") not in _ITEM_TYPES:
                report.add(
                    where,
                    f"type {item.get('type')!r} is not a FHIR item type",
                    "use boolean, choice, integer, decimal, date, string or group",
                    questionnaire=True,
                )
            visit(item.get("item", []), f"{where}.item")

    visit(q.get("item", []), "item")
    return links


def _link(
    links: dict[str, Mapping[str, Any]],
    link: str,
    types: tuple[str, ...],
    where: str,
    report: _Report,
    values: tuple[str, ...] = (),
) -> None:
    item = links.get(link)
    if item is None:
        report.add(
            where,
            f"unknown CRF linkId {link!r}",
            f"add an item with linkId {link!r} to the Questionnaire or correct the name",
        )
        return
    if item.get("type") not in types:
        report.add(
            where,
            f"CRF item {link!r} is of type {item.get('type')!r}; this test reads "
            f"{' or '.join(types)}",
            f"make {link!r} a {types[0]} item or change the test",
        )
        return
    if values:
        options = {
            str(o.get("valueCoding", {}).get("code", o.get("valueString", "")))
            for o in item.get("answerOption", [])
            if isinstance(o, Mapping)
        }
        missing = [v for v in values if v not in options]
        if missing:
            report.add(
                where,
                f"{missing} are not answer options of {link!r} (it has {sorted(options)})",
                "add them to its answerOption or correct the values",
            )
