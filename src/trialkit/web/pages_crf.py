"""The screening CRF as an HTML form, rendered from the protocol's FHIR Questionnaire.

The form is never hand-written: every section, field, input type, choice list
and min/max comes from walking ``Questionnaire.item``. A second protocol with
another Questionnaire gets its own form with no template change. The posted
form is read back with the same field list, so a linkId the Questionnaire does
not define can never reach the service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

# Questionnaire item type → HTML input type ("select" means a <select>).
_INPUT = {
    "boolean": "select",
    "choice": "select",
    "date": "date",
    "decimal": "number",
    "integer": "number",
    "string": "text",
    "text": "text",
}
_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
# How many repeating-group rows (lesions) the form offers before "add another" is needed.
REPEAT_ROWS = 3


@dataclass(frozen=True)
class CrfField:
    link_id: str
    text: str
    type: str  # the Questionnaire item type
    options: tuple[tuple[str, str], ...] = ()  # (code, display) of a choice item
    min: float | None = None
    max: float | None = None

    @property
    def input(self) -> str:
        return _INPUT.get(self.type, "text")

    @property
    def step(self) -> str:
        return "1" if self.type == "integer" else "any"

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        """(value, label) pairs of a <select>; the empty first one means "not answered"."""
        if self.type == "boolean":
            return (("", "— not answered —"), ("true", "Yes"), ("false", "No"))
        return (("", "— not answered —"), *self.options)


@dataclass(frozen=True)
class CrfSection:
    link_id: str
    title: str
    fields: tuple[CrfField, ...]
    repeats: bool = False  # a repeating group (the baseline lesions): one row per repetition

    @property
    def row_label(self) -> str:
        """What one row of a repeating group is called ("Baseline lesion"): the group's text
        up to its first parenthesis or semicolon. Each control of row n is labelled
        "<row label> n: <question>", so a screen reader names the row, not only the column."""
        head = re.split(r"[(;]", self.title, maxsplit=1)[0].strip()
        return head or self.link_id


def crf_sections(questionnaire: Mapping[str, Any]) -> list[CrfSection]:
    """Top-level groups → sections; a stray top-level question becomes its own section."""
    sections: list[CrfSection] = []
    for item in questionnaire.get("item", []):
        if item.get("type") == "group":
            fields = tuple(_field(child) for child in _leaves(item.get("item", [])))
            sections.append(
                CrfSection(
                    str(item["linkId"]),
                    str(item.get("text", item["linkId"])),
                    fields,
                    bool(item.get("repeats")),
                )
            )
        else:
            sections.append(CrfSection(str(item["linkId"]), "", (_field(item),)))
    return sections


def _leaves(items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for item in items:
        if item.get("type") == "group":
            out += _leaves(item.get("item", []))
        elif item.get("type") != "display":
            out.append(item)
    return out


def _field(item: Mapping[str, Any]) -> CrfField:
    options = tuple(
        (str(c["code"]), str(c.get("display", c["code"])))
        for c in (o.get("valueCoding") for o in item.get("answerOption", []))
        if isinstance(c, Mapping) and "code" in c
    )
    bounds: dict[str, float] = {}
    for ext in item.get("extension", []):
        value = next((v for k, v in ext.items() if k.startswith("value")), None)
        if ext.get("url") in (_MIN, _MAX) and isinstance(value, int | float):
            bounds["min" if ext["url"] == _MIN else "max"] = float(value)
    return CrfField(
        str(item["linkId"]),
        str(item.get("text", item["linkId"])),
        str(item.get("type", "string")),
        options,
        bounds.get("min"),
        bounds.get("max"),
    )


def field_name(section: CrfSection, field: CrfField, row: int | None = None) -> str:
    """Form control name: the linkId, or ``group.row.linkId`` inside a repeating group."""
    return field.link_id if row is None else f"{section.link_id}.{row}.{field.link_id}"


def read_crf_form(
    sections: Sequence[CrfSection], form: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Posted form → (answers, errors by control name).

    ``answers`` maps linkId → JSON value (bool, int, float, ISO date, code,
    text); a repeating group maps its linkId to a list of row dicts. Blank
    controls are left out: "not answered" is not "no".
    """
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for section in sections:
        if section.repeats:
            rows: list[dict[str, Any]] = []
            for row in sorted(_rows(section, form)):
                values: dict[str, Any] = {}
                for f in section.fields:
                    _read(f, field_name(section, f, row), form, values, errors)
                if values:
                    rows.append(values)
            if rows:
                answers[section.link_id] = rows
        else:
            for f in section.fields:
                _read(f, field_name(section, f), form, answers, errors)
    return answers, errors


def _rows(section: CrfSection, form: Mapping[str, str]) -> set[int]:
    prefix = f"{section.link_id}."
    rows: set[int] = set()
    for key in form:
        index = key[len(prefix) :].split(".", 1)[0] if key.startswith(prefix) else ""
        if index.isdigit():
            rows.add(int(index))
    return rows


def _read(
    f: CrfField,
    name: str,
    form: Mapping[str, str],
    out: dict[str, Any],
    errors: dict[str, str],
) -> None:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return
    try:
        out[f.link_id] = _convert(f, raw)
    except ValueError as exc:
        errors[name] = str(exc)


def _convert(f: CrfField, raw: str) -> Any:
    if f.type == "boolean":
        if raw not in ("true", "false"):
            raise ValueError("answer Yes or No")
        return raw == "true"
    if f.type in ("integer", "decimal"):
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{raw!r} is not a number")
        if f.type == "integer" and number != number.to_integral_value():
            raise ValueError(f"{raw!r} is not a whole number")
        if f.min is not None and number < Decimal(str(f.min)):
            raise ValueError(f"must be at least {f.min:g}")
        if f.max is not None and number > Decimal(str(f.max)):
            raise ValueError(f"must be at most {f.max:g}")
        return int(number) if f.type == "integer" else float(number)
    if f.type == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None
    if f.type == "choice" and raw not in {code for code, _ in f.options}:
        raise ValueError(f"{raw!r} is not one of the listed answers")
    return raw


def form_values(sections: Sequence[CrfSection], answers: Mapping[str, Any]) -> dict[str, str]:
    """Stored answers → control name → value string, to pre-fill the form."""
    values: dict[str, str] = {}
    for section in sections:
        if section.repeats:
            rows = answers.get(section.link_id) or []
            for row, entry in enumerate(rows if isinstance(rows, list) else []):
                for f in section.fields:
                    if isinstance(entry, Mapping) and f.link_id in entry:
                        values[field_name(section, f, row)] = _text(entry[f.link_id])
        else:
            for f in section.fields:
                if f.link_id in answers:
                    values[f.link_id] = _text(answers[f.link_id])
    return values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):  # a Coding
        return str(value.get("code", ""))
    return "" if value is None else str(value)


def row_count(section: CrfSection, values: Mapping[str, str]) -> int:
    """Rows to show for a repeating group: those filled in, plus one empty, at least REPEAT_ROWS."""
    used = _rows(section, values)
    return max(REPEAT_ROWS, (max(used) + 2) if used else 0)
