"""The protocol check's declarations: parameters (type, default, choices), value sets, elements
(value set, ULN, conversion, scores, plausible range), anchors, derived values, lesion groups
and the dosing regimen (regimen.yaml).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from trialkit.calculators import CALCULATORS
from trialkit.errors import TrialkitError, UnitError
from trialkit.protocol import loader
from trialkit.protocol.check.questionnaire import _link
from trialkit.protocol.check.report import (
    _NUMERIC_PARAM,
    Problem,
    _mapping_at,
    _message,
    _one_line,
    _Report,
)
from trialkit.protocol.model import ANCHOR_ROLES, LesionGroup
from trialkit.settings import ENGINE_SETTINGS
from trialkit.units import convert


def _parameters(raw: Mapping[str, Any], report: _Report) -> dict[str, str]:
    """Parameter name → its type (only the ones that are sound), the engine settings first
    (settings.ENGINE_SETTINGS: each has a default unless it is off until the protocol sets it)."""
    settings = _mapping_at(raw, "settings", report)
    for name, body in settings.items():
        if name not in ENGINE_SETTINGS:
            report.add(
                f"settings.{name}",
                f"unknown engine setting {name!r}",
                f"use one of {', '.join(ENGINE_SETTINGS)}, or declare it under parameters:",
            )
            continue
        try:
            loader._setting(ENGINE_SETTINGS[name], body, report.yaml_file, "settings")
        except TrialkitError as exc:
            report.add(
                f"settings.{name}",
                _one_line(exc),
                f"give {name} a {ENGINE_SETTINGS[name].type} value",
            )
    out: dict[str, str] = {
        name: s.type
        for name, s in ENGINE_SETTINGS.items()
        if s.default is not None or name in settings
    }
    for name, body in _mapping_at(raw, "parameters", report).items():
        where = f"parameters.{name}"
        if not isinstance(body, Mapping):
            report.add(where, "expected {default, type, source, description}", "write it so")
            continue
        type_name = str(body.get("type", "str"))
        if type_name not in loader._PARAM_TYPES:
            report.add(
                f"{where}.type", f"unknown type {type_name!r}", "use int, float, bool or str"
            )
            continue
        if "default" not in body:
            report.add(where, "no default", "add default: (every assumption has one)")
            continue
        try:
            default = loader.coerce_parameter(type_name, body["default"], name)
        except TrialkitError:
            report.add(
                f"{where}.default",
                f"{body['default']!r} is not a valid {type_name}",
                f"give a {type_name} default or change the type",
            )
            continue
        choices = body.get("choices")
        if choices is not None and str(default) not in [str(c) for c in choices]:
            report.add(
                f"{where}.default",
                f"{default!r} is not one of its choices {list(choices)}",
                "make the default one of the choices",
            )
        if not str(body.get("source") or "").strip():
            report.add(f"{where}.source", "no source", "say where the default comes from (source:)")
        out[str(name)] = type_name
    return out


def _value_sets(raw: Mapping[str, Any], report: _Report) -> set[str]:
    out: set[str] = set()
    for name, body in _mapping_at(raw, "value_sets", report).items():
        where = f"value_sets.{name}"
        if not isinstance(body, Mapping) or not body.get("include"):
            report.add(where, "no include: codes", "add include: [{system, codes|prefixes}]")
            continue
        try:
            loader._value_set(str(name), body)
        except (TrialkitError, KeyError, TypeError, ValueError, AttributeError) as exc:
            report.add(where, f"not a value set ({_one_line(exc)})", "see docs/protocols.md")
            continue
        out.add(str(name))
    return out


def _elements(
    raw: Mapping[str, Any], params: dict[str, str], value_sets: set[str], report: _Report
) -> dict[str, Mapping[str, Any]]:
    scores = _mapping_at(raw, "scores", report)
    out: dict[str, Mapping[str, Any]] = {}
    for name, body in _mapping_at(raw, "elements", report).items():
        where = f"elements.{name}"
        if not isinstance(body, Mapping):
            report.add(where, "expected {value_set, unit, label, ...}", "write it so")
            continue
        vs = body.get("value_set")
        if vs not in value_sets:
            report.add(
                f"{where}.value_set",
                f"unknown value set {vs!r}",
                "declare it under value_sets: or name a declared one",
            )
        for key in ("uln_param", "iu_factor_param"):
            param = body.get(key)
            if param is None:
                continue
            if param not in params:
                report.add(
                    f"{where}.{key}",
                    f"unknown parameter {param!r}",
                    "declare it under parameters: (type float)",
                )
            elif params[param] not in _NUMERIC_PARAM:
                report.add(
                    f"{where}.{key}",
                    f"parameter {param!r} is a {params[param]}, not a number",
                    f"declare {param} with type float",
                )
        score_list = body.get("scores")
        if score_list is not None and score_list not in scores:
            report.add(
                f"{where}.scores", f"unknown score list {score_list!r}", "declare it under scores:"
            )
        try:
            loader._plausible(body, where, report.yaml_file)
        except TrialkitError as exc:
            report.add(
                getattr(exc, "field", None) or where,
                _message(exc),
                "give plausible: {low, high, source} in the element's unit",
            )
        out[str(name)] = body
    return out


def _anchors(
    raw: Mapping[str, Any],
    links: dict[str, Mapping[str, Any]] | None,
    value_sets: set[str],
    report: _Report,
) -> set[str]:
    out = {"as_of"}
    for name, body in _mapping_at(raw, "anchors", report).items():
        where = f"anchors.{name}"
        if not isinstance(body, Mapping) or not ({"crf", "earliest_condition"} & set(body)):
            report.add(
                where,
                "no source for the date",
                "give crf: a date item and/or earliest_condition: a value set",
            )
            continue
        link = body.get("crf")
        if link is not None and links is not None:
            _link(links, str(link), ("date", "dateTime"), f"{where}.crf", report)
        role = body.get("role")
        if role is not None and role not in ANCHOR_ROLES:
            report.add(
                f"{where}.role",
                f"unknown anchor role {role!r}",
                f"use {', '.join(ANCHOR_ROLES)} or no role (a past event)",
            )
        cond = body.get("earliest_condition")
        if cond is not None and cond not in value_sets:
            report.add(
                f"{where}.earliest_condition",
                f"unknown value set {cond!r}",
                "declare it under value_sets:",
            )
        out.add(str(name))
    return out


def _derived(
    raw: Mapping[str, Any], elements: dict[str, Mapping[str, Any]], report: _Report
) -> None:
    """``derived:``: each a known calculator with every number input bound to a declared
    element whose unit converts to the calculator's; every ``derived:`` rule names one."""
    declared = _mapping_at(raw, "derived", report)
    for name, body in declared.items():
        where = f"derived.{name}"
        if not isinstance(body, Mapping) or not isinstance(body.get("inputs"), Mapping):
            report.add(where, "expected {calculator, inputs, label}", "write it so")
            continue
        calc = CALCULATORS.get(str(body.get("calculator")))
        if calc is None:
            report.add(
                f"{where}.calculator",
                f"unknown calculator {body.get('calculator')!r}",
                f"use one of {', '.join(CALCULATORS)}",
            )
            continue
        wanted = {i.name: i for i in calc.number_inputs()}
        for key in sorted(set(wanted) - set(body["inputs"])):
            report.add(
                f"{where}.inputs",
                f"{calc.name} reads {key!r}, which is not bound",
                f"add {key}: <element> to inputs",
            )
        for key, element in body["inputs"].items():
            if key not in wanted:
                report.add(
                    f"{where}.inputs.{key}",
                    f"{calc.name} has no input {key!r}",
                    f"bind only {', '.join(wanted)}",
                )
            elif element not in elements:
                report.add(
                    f"{where}.inputs.{key}",
                    f"unknown element {element!r}",
                    f"declare {element} under elements: (value_set, unit, plausible)",
                )
            else:
                unit = elements[element].get("unit")
                try:
                    convert(
                        1.0, unit, str(wanted[key].unit), analyte=elements[element].get("analyte")
                    )
                except UnitError:
                    report.add(
                        f"{where}.inputs.{key}",
                        f"element {element!r} is in {unit}, which does not convert to "
                        f"{wanted[key].unit}",
                        f"give elements.{element} a unit convertible to {wanted[key].unit}",
                    )
    for path, name in _raw_derived(raw.get("criteria"), "criteria"):
        if name not in declared:
            report.add(
                path,
                f"unknown derived value {name!r}",
                f"declare {name} under derived: (calculator, inputs: {{input: element}})",
            )


def _raw_derived(raw: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every ``derived: {name: …}`` in the rules as written."""
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if key == "derived" and isinstance(value, Mapping) and "name" in value:
                yield f"{path}.derived", str(value["name"])
            else:
                yield from _raw_derived(value, f"{path}.{key}")
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            yield from _raw_derived(value, f"{path}.{i}")


def _lesions(
    raw: Mapping[str, Any], links: dict[str, Mapping[str, Any]] | None, report: _Report
) -> LesionGroup | None:
    """The ``lesions:`` declaration (None: none, or too broken to read) and its problems."""
    if raw.get("lesions") is None:
        return None
    try:
        lesions = loader.lesion_group(raw["lesions"], report.yaml_file)
    except TrialkitError as exc:
        report.add(
            getattr(exc, "field", None) or "lesions",
            _message(exc),
            "write lesions: {group: <the repeating group's linkId>, items: {role: linkId}}",
        )
        return None
    if links is not None and lesions is not None:
        for problem in loader.lesion_problems(lesions, links):
            report.add(*problem)
    return lesions


def _regimen(folder: Path, raw: Mapping[str, Any], report: _Report) -> None:
    """The dosing regimen (``regimen.yaml``, optional): every problem, each in that file."""
    from trialkit.dosing.regimen import REGIMEN_FILE, regimen_problems

    path = folder / REGIMEN_FILE
    if not path.is_file():
        return
    try:
        regimen = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        report.problems.append(
            Problem(str(path), "", f"not valid YAML ({_one_line(exc)})", "correct the YAML syntax")
        )
        return
    elements = {
        str(name): (body.get("unit"), body.get("analyte"))
        for name, body in (raw.get("elements") or {}).items()
        if isinstance(body, Mapping)
    }
    for where, message, fix in regimen_problems(regimen, elements):
        report.problems.append(Problem(str(path), where, message, fix))
