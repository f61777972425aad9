"""Load a protocol folder (``protocol.yaml`` + the CRF ``Questionnaire``) and check it whole.

A bundled protocol is named by its id (the folder name under ``protocols/``,
``settings.DEFAULT_PROTOCOL`` when none is given); any other is a path
to a folder of the same shape. Every reference inside the file (value sets,
elements, parameters, CRF linkIds) is checked at load time, so a broken
protocol fails before it screens anyone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from trialkit.calculators import calculator
from trialkit.errors import ProtocolError, UnitError
from trialkit.model.codes import Code
from trialkit.protocol import nodes as n
from trialkit.protocol.baseline import parse_baseline
from trialkit.protocol.forms import parse_form_groups
from trialkit.protocol.model import (
    ANCHOR_ROLES,
    FIRST_DOSE_ROLE,
    LESION_ROLES,
    MEASURABILITY_ROLES,
    RECIST_METHODS,
    SUMMARY_PARAMETER,
    TARGET_ROLES,
    AnchorSource,
    Criterion,
    DerivedValue,
    Element,
    KnownDefect,
    LesionGroup,
    Parameter,
    ParamValue,
    Protocol,
)
from trialkit.protocol.rules import parse_rule
from trialkit.protocol.valuesets import CodeRule, ValueSet, make_rule, resolve_systems
from trialkit.quality import PlausibleRange
from trialkit.settings import DEFAULT_PROTOCOL, ENGINE_SETTINGS, Setting
from trialkit.units import convert

_BUNDLED = "trialkit.protocols"
_ANCHOR_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PARAM_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str}


def available_protocols() -> list[str]:
    root = resources.files(_BUNDLED)
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "protocol.yaml").is_file())


def load_protocol(name_or_path: str = DEFAULT_PROTOCOL) -> Protocol:
    """The protocol bundled under ``name_or_path``, or the one in that folder."""
    path = Path(name_or_path)
    if path.is_dir():
        return _load_folder(path.resolve())
    if name_or_path in available_protocols():
        return _load_bundled(name_or_path)
    raise ProtocolError(
        f"no protocol {name_or_path!r}: not a folder, and the bundled ones are "
        f"{', '.join(available_protocols())}"
    )


def bundled_folder(name: str) -> Path:
    """The folder of the bundled protocol ``name``."""
    return Path(str(resources.files(_BUNDLED) / name))


@cache
def _load_bundled(name: str) -> Protocol:
    return _load_folder(bundled_folder(name))


def _load_folder(folder: Path) -> Protocol:
    source = str(folder / "protocol.yaml")
    try:
        raw = yaml.safe_load((folder / "protocol.yaml").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProtocolError("protocol.yaml not found", source=str(folder)) from exc
    except yaml.YAMLError as exc:
        raise ProtocolError(f"not valid YAML ({exc})", source=source) from exc
    if not isinstance(raw, Mapping):
        raise ProtocolError("expected a mapping at the top", source=source)
    q_name = str(raw.get("questionnaire", "questionnaire.json"))
    try:
        questionnaire = json.loads((folder / q_name).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ProtocolError(
            f"cannot read the CRF Questionnaire {q_name} ({exc})", source=source
        ) from exc
    protocol = _build(raw, questionnaire, source, str(folder))
    _check_references(protocol, source)
    return protocol


def _req(raw: Mapping[str, Any], key: str, source: str) -> Any:
    if key not in raw:
        raise ProtocolError(f"missing {key!r}", source=source)
    return raw[key]


def _build(
    raw: Mapping[str, Any], questionnaire: dict[str, Any], source: str, folder: str
) -> Protocol:
    parameters = _settings(raw.get("settings") or {}, source)
    for name, body in (raw.get("parameters") or {}).items():
        if name in ENGINE_SETTINGS:  # an engine setting declared as a parameter: an override
            parameters[name] = _setting(ENGINE_SETTINGS[name], body, source, "parameters")
        else:
            parameters[name] = _parameter(name, body, source)
    scores = {
        name: {
            Code(resolve_systems(e["system"])[0], str(e["code"])): int(e["score"]) for e in entries
        }
        for name, entries in (raw.get("scores") or {}).items()
    }
    elements = {}
    for name, body in (raw.get("elements") or {}).items():
        score_name = body.get("scores")
        if score_name is not None and score_name not in scores:
            raise ProtocolError(
                f"unknown score list {score_name!r}", source=source, field=f"elements.{name}"
            )
        elements[name] = Element(
            name=name,
            value_set=str(body["value_set"]),
            label=str(body.get("label", name)),
            unit=body.get("unit"),
            analyte=body.get("analyte"),
            uln_param=body.get("uln_param"),
            iu_factor_param=body.get("iu_factor_param"),
            scores=scores.get(score_name, {}) if score_name else {},
            plausible=_plausible(body, f"elements.{name}", source),
        )
    value_sets = {
        name: _value_set(name, body) for name, body in (raw.get("value_sets") or {}).items()
    }
    qualitative = raw.get("qualitative") or {}
    criteria = tuple(
        Criterion(
            id=str(_req(c, "id", source)),
            kind=str(_req(c, "kind", source)),
            text=" ".join(str(_req(c, "text", source)).split()),
            rule=parse_rule(
                _req(c, "rule", source), source=source, path=f"criteria.{c['id']}.rule"
            ),
            summary=" ".join(str(c.get("summary") or "").split()),
        )
        for c in _req(raw, "criteria", source)
    )
    return Protocol(
        id=str(_req(raw, "id", source)),
        version=str(_req(raw, "version", source)),
        title=" ".join(str(raw.get("title", "")).split()),
        criteria=criteria,
        parameters=parameters,
        elements=elements,
        value_sets=value_sets,
        qualitative_positive=_codes(qualitative.get("positive", [])),
        qualitative_negative=_codes(qualitative.get("negative", [])),
        questionnaire=questionnaire,
        anchors={
            str(name): _anchor(str(name), body, source)
            for name, body in (raw.get("anchors") or {}).items()
        },
        known_defects=tuple(
            KnownDefect(str(d["text"]), str(d["reading"])) for d in raw.get("known_defects", [])
        ),
        folder=folder,
        derived={
            name: _derived(name, body, source) for name, body in (raw.get("derived") or {}).items()
        },
        medication_forms=parse_form_groups(raw.get("medication_forms"), source),
        lesions=lesion_group(raw.get("lesions"), source),
        baseline=parse_baseline(raw.get("baseline"), source),
    )


def lesion_group(body: Any, source: str) -> LesionGroup | None:
    """``lesions: {group: <linkId>, items: {role: <linkId>}}`` (docs/protocols.md "Lesions")."""
    if body is None:
        return None
    if not isinstance(body, Mapping) or not isinstance(body.get("items"), Mapping):
        raise ProtocolError(
            "lesions is {group: the repeating group's linkId, items: {role: linkId}}",
            source=source,
            field="lesions",
        )
    unknown = sorted(set(map(str, body["items"])) - set(LESION_ROLES))
    if unknown:
        raise ProtocolError(
            f"unknown lesion role(s) {', '.join(map(repr, unknown))}; known: "
            f"{', '.join(LESION_ROLES)}",
            source=source,
            field="lesions.items",
        )
    return LesionGroup(
        str(_req(body, "group", source)), {str(k): str(v) for k, v in body["items"].items()}
    )


def _anchor(name: str, body: Any, source: str) -> AnchorSource:
    """``anchors.<name>: {crf, earliest_condition, label, role}`` (docs/eligibility.md)."""
    where = f"anchors.{name}"
    if not _ANCHOR_NAME.fullmatch(name) or name == n.AS_OF:
        raise ProtocolError(
            "an anchor name is lower-case letters, digits and _ (and not as_of, the engine's)",
            source=source,
            field=where,
        )
    if not isinstance(body, Mapping) or not ({"crf", "earliest_condition"} & set(body)):
        raise ProtocolError(
            "an anchor needs crf (a date item) or earliest_condition (a value set)",
            source=source,
            field=where,
        )
    role = body.get("role")
    if role is not None and role not in ANCHOR_ROLES:
        raise ProtocolError(
            f"unknown role {role!r}; known: {', '.join(ANCHOR_ROLES)}", source=source, field=where
        )
    return AnchorSource(
        body.get("crf"),
        body.get("earliest_condition"),
        str(body.get("label") or name.replace("_", " ")),
        role,
    )


def _derived(name: str, body: Any, source: str) -> DerivedValue:
    """``derived.<name>: {calculator, inputs: {calculator input: element}, label, note}``."""
    where = f"derived.{name}"
    if not isinstance(body, Mapping) or not isinstance(body.get("inputs"), Mapping):
        raise ProtocolError(
            "a derived value is {calculator, inputs: {input: element}, label}",
            source=source,
            field=where,
        )
    try:
        calc = calculator(str(body.get("calculator")))
    except KeyError as exc:
        raise ProtocolError(str(exc.args[0]), source=source, field=f"{where}.calculator") from exc
    inputs = {str(k): str(v) for k, v in body["inputs"].items()}
    wanted = {i.name for i in calc.number_inputs()}
    if set(inputs) != wanted:
        raise ProtocolError(
            f"{calc.name} reads {', '.join(sorted(wanted))} (age and sex from the patient); "
            f"bind each to an element, got {', '.join(sorted(inputs)) or 'none'}",
            source=source,
            field=f"{where}.inputs",
        )
    return DerivedValue(
        name, calc.name, inputs, str(body.get("label") or calc.label), str(body.get("note") or "")
    )


def _settings(raw: Any, source: str) -> dict[str, Parameter]:
    """The engine settings (settings.ENGINE_SETTINGS) with the protocol's overrides: ``settings:
    {name: value}`` or ``{name: {default, source}}``; one left off keeps the engine default (and
    one whose engine default is None stays off)."""
    if not isinstance(raw, Mapping):
        raise ProtocolError("settings is a mapping of name: value", source=source, field="settings")
    unknown = sorted(set(raw) - set(ENGINE_SETTINGS))
    if unknown:
        raise ProtocolError(
            f"unknown engine setting(s) {', '.join(map(repr, unknown))}; known: "
            f"{', '.join(ENGINE_SETTINGS)} (a trial's own assumptions go under parameters:)",
            source=source,
            field="settings",
        )
    out: dict[str, Parameter] = {}
    for name, setting in ENGINE_SETTINGS.items():
        if name in raw:
            out[name] = _setting(setting, raw[name], source, "settings")
        elif setting.default is not None:
            out[name] = _setting(setting, None, source, "settings")
    return out


def _setting(setting: Setting, body: Any, source: str, section: str) -> Parameter:
    where = f"{section}.{setting.name}"
    given = body if isinstance(body, Mapping) else {"default": body} if body is not None else {}
    if given.get("type", setting.type) != setting.type:
        raise ProtocolError(
            f"{setting.name} is an engine setting of type {setting.type}",
            source=source,
            field=where,
        )
    value = given.get("default", setting.default)
    if value is None:
        raise ProtocolError(f"{setting.name} needs a value", source=source, field=where)
    coerced = coerce_parameter(setting.type, value, setting.name)
    if setting.choices and str(coerced) not in setting.choices:
        raise ProtocolError(
            f"{coerced!r} is not one of {list(setting.choices)}", source=source, field=where
        )
    overridden = "default" in given
    return Parameter(
        name=setting.name,
        default=coerced,
        type=setting.type,
        source=str(given.get("source") or ("the protocol" if overridden else setting.source)),
        description=str(given.get("description") or setting.description),
        unit=setting.unit,
        choices=setting.choices,
    )


def _codes(entries: list[Mapping[str, Any]]) -> frozenset[Code]:
    return frozenset(
        Code(system, str(e["code"]))
        for e in entries
        for system in resolve_systems(str(e["system"]))
    )


def _parameter(name: str, body: Mapping[str, Any], source: str) -> Parameter:
    type_name = str(body.get("type", "str"))
    if type_name not in _PARAM_TYPES:
        raise ProtocolError(
            f"unknown type {type_name!r}", source=source, field=f"parameters.{name}"
        )
    return Parameter(
        name=name,
        default=coerce_parameter(type_name, body.get("default"), name),
        type=type_name,
        source=str(body.get("source", "")),
        description=str(body.get("description", "")),
        unit=body.get("unit"),
        choices=tuple(str(c) for c in body.get("choices", [])),
    )


def _plausible(body: Mapping[str, Any], where: str, source: str) -> PlausibleRange | None:
    """``plausible: {low, high, source}``: the physiologically possible values in the element's
    canonical unit (quality.plausible). Every element with a unit declares one; never below 0."""
    raw, unit = body.get("plausible"), body.get("unit")
    if raw is None:
        if unit is not None:
            raise ProtocolError(
                "a laboratory element declares its physiologically possible range "
                "(plausible: {low, high, source})",
                source=source,
                field=where,
            )
        return None
    if unit is None or not isinstance(raw, Mapping):
        raise ProtocolError(
            "plausible needs a unit and {low, high, source}", source=source, field=where
        )
    low, high, cited = raw.get("low"), raw.get("high"), str(raw.get("source") or "").strip()
    bounds = [float(x) for x in (low, high) if isinstance(x, int | float) and x is not True]
    sound = len(bounds) == 2 and all(math.isfinite(x) for x in bounds) and bool(cited)
    if not sound or not 0 <= bounds[0] < bounds[1]:
        raise ProtocolError(
            f"plausible range {low!r}–{high!r} must be finite, 0 <= low < high, with a source",
            source=source,
            field=f"{where}.plausible",
        )
    return PlausibleRange(bounds[0], bounds[1], str(unit), cited)


def _value_set(name: str, body: Mapping[str, Any]) -> ValueSet:
    def rules(entries: list[Mapping[str, Any]]) -> tuple[CodeRule, ...]:
        return tuple(
            make_rule(
                str(e["system"]),
                codes=[str(c) for c in e.get("codes", [])],
                prefixes=[str(p) for p in e.get("prefixes", [])],
                ranges=[(str(lo), str(hi)) for lo, hi in e.get("ranges", [])],
            )
            for e in entries
        )

    return ValueSet(
        name=name,
        include=rules(body.get("include", [])),
        exclude=rules(body.get("exclude", [])),
        text=tuple(str(t) for t in body.get("text", [])),
        description=" ".join(str(body.get("description", "")).split()),
    )


def coerce_parameter(type_name: str, value: Any, name: str) -> ParamValue:
    """``value`` (from YAML or a ``--param name=value`` string) as the parameter's type."""
    try:
        if type_name == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"true", "yes", "1"}:
                return True
            if text in {"false", "no", "0"}:
                return False
            raise ValueError(value)
        if type_name == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(str(value))
        if type_name == "float":
            number = float(value)
            if not math.isfinite(number):  # NaN / ±Infinity are no value (issue 12)
                raise ValueError(value)
            return number
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(
            f"{value!r} is not a valid {type_name}", field=f"parameter {name}"
        ) from exc


def resolve_parameters(protocol: Protocol, overrides: Mapping[str, str]) -> dict[str, ParamValue]:
    """The protocol's defaults with ``overrides`` applied (each checked for type and choices)."""
    values = protocol.defaults()
    for name, text in overrides.items():
        if name not in protocol.parameters:
            raise ProtocolError(
                f"unknown parameter {name!r}; known: {', '.join(sorted(protocol.parameters))}",
                field="--param",
            )
        param = protocol.parameters[name]
        value = coerce_parameter(param.type, text, name)
        if param.choices and str(value) not in param.choices:
            raise ProtocolError(
                f"{value!r} is not one of {list(param.choices)}", field=f"parameter {name}"
            )
        values[name] = value
    return values


def _walk(node: object) -> Iterator[object]:
    yield node
    if is_dataclass(node) and not isinstance(node, type):
        for f in fields(node):
            value = getattr(node, f.name)
            children = value if isinstance(value, tuple) else (value,)
            for child in children:
                if is_dataclass(child) and not isinstance(child, type):
                    yield from _walk(child)


def questionnaire_items(questionnaire: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every item of the Questionnaire by linkId, at any depth."""
    found: dict[str, Mapping[str, Any]] = {}

    def visit(items: list[Mapping[str, Any]]) -> None:
        for item in items:
            found[str(item["linkId"])] = item
            visit(item.get("item", []))

    visit(questionnaire.get("item", []))
    return found


def _check_references(p: Protocol, source: str) -> None:
    links = questionnaire_items(p.questionnaire)
    for name, element in p.elements.items():
        if element.value_set not in p.value_sets:
            raise ProtocolError(
                f"unknown value set {element.value_set!r}", source=source, field=f"elements.{name}"
            )
        for param in (element.uln_param, element.iu_factor_param):
            if param is not None and param not in p.parameters:
                raise ProtocolError(
                    f"unknown parameter {param!r}", source=source, field=f"elements.{name}"
                )
    for name, anchor in p.anchors.items():
        if anchor.crf is not None and anchor.crf not in links:
            raise ProtocolError(
                f"unknown CRF linkId {anchor.crf!r}", source=source, field=f"anchors.{name}"
            )
        if anchor.earliest_condition is not None and anchor.earliest_condition not in p.value_sets:
            raise ProtocolError(
                f"unknown value set {anchor.earliest_condition!r}",
                source=source,
                field=f"anchors.{name}",
            )
    if sum(a.role == FIRST_DOSE_ROLE for a in p.anchors.values()) > 1:
        raise ProtocolError("only one anchor has role first_dose", source=source, field="anchors")
    for criterion in p.criteria:
        # a summary names a parameter as {name}: shown with the value in force, never the default
        for name in SUMMARY_PARAMETER.findall(criterion.summary):
            if name not in p.parameters:
                raise ProtocolError(
                    f"unknown parameter {{{name}}} in the summary",
                    source=source,
                    field=f"criteria.{criterion.id}.summary",
                )
    for name, value in p.derived.items():
        for key, bound in value.inputs.items():
            where = f"derived.{name}.inputs.{key}"
            if bound not in p.elements:
                raise ProtocolError(f"unknown element {bound!r}", source=source, field=where)
            want = next(i for i in calculator(value.calculator).inputs if i.name == key).unit
            try:
                convert(1.0, p.elements[bound].unit, str(want), analyte=p.elements[bound].analyte)
            except UnitError as exc:
                raise ProtocolError(
                    f"element {bound!r} has no unit convertible to {want} ({exc})",
                    source=source,
                    field=where,
                ) from exc
    for group in p.medication_forms.values():
        for form in group.forms:
            for i, sign in enumerate(form.signs):
                if sign.route is not None and sign.route not in p.value_sets:
                    raise ProtocolError(
                        f"unknown value set {sign.route!r}",
                        source=source,
                        field=f"medication_forms.{group.name}.forms.{form.name}.signs[{i}].route",
                    )
    _check_lesions(p, source, links)
    ids = [c.id for c in p.criteria]
    if len(set(ids)) != len(ids):
        raise ProtocolError("criterion ids are not unique", source=source, field="criteria")
    for criterion in p.criteria:
        where = f"criteria.{criterion.id}"
        if criterion.kind not in {"inclusion", "exclusion"}:
            raise ProtocolError("kind is inclusion or exclusion", source=source, field=where)
        for node in _walk(criterion.rule):
            for ref in _references(node):
                kind, name = ref
                known: Mapping[str, object] = {
                    "element": p.elements,
                    "value set": p.value_sets,
                    "parameter": p.parameters,
                    "CRF linkId": links,
                    "derived value": p.derived,
                    "anchor": p.anchors,
                    "medication form group": p.medication_forms,
                }[kind]  # type: ignore[assignment]
                if name not in known:
                    raise ProtocolError(f"unknown {kind} {name!r}", source=source, field=where)
            if isinstance(node, n.MedicationExposure) and node.forms is not None:
                declared = [f.name for f in p.medication_forms[node.forms].forms]
                if node.form not in declared:
                    raise ProtocolError(
                        f"form {node.form!r} is not one of {node.forms}'s: {', '.join(declared)}",
                        source=source,
                        field=where,
                    )
            problem = lesion_node_problem(node, p.lesions, links)
            if problem is not None:
                raise ProtocolError(problem[0], source=source, field=where)


def lesion_group_items(
    lesions: LesionGroup, links: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]] | None:
    """The items of the declared lesion group by linkId (None: no such group in the CRF);
    ``links`` is the Questionnaire's :func:`questionnaire_items`."""
    group = links.get(lesions.group)
    if group is None or group.get("type") != "group":
        return None
    return {str(i["linkId"]): i for i in group.get("item", [])}


def lesion_problems(
    lesions: LesionGroup, links: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, str, str]]:
    """(key path, problem, fix) of a ``lesions:`` declaration against the Questionnaire
    (``[]``: sound): the group is a repeating group item, each role's item one of its items,
    of a type the role reads."""
    children = lesion_group_items(lesions, links)
    if children is None:
        return [
            (
                "lesions.group",
                f"{lesions.group!r} is not a group item of the Questionnaire",
                "name the linkId of the CRF's repeating lesion group (type group)",
            )
        ]
    problems = []
    if not links[lesions.group].get("repeats"):
        problems.append(
            (
                "lesions.group",
                f"the group {lesions.group!r} does not repeat",
                f'give the item {lesions.group!r} "repeats": true (one group per lesion)',
            )
        )
    for role, link in lesions.items.items():
        item = children.get(link)
        where = f"lesions.items.{role}"
        if item is None:
            problems.append(
                (
                    where,
                    f"{link!r} is not an item of the group {lesions.group!r}",
                    f"add the item to the group or name one of {', '.join(children)}",
                )
            )
        elif role == "method" and (odd := _method_codes(item) - set(RECIST_METHODS)):
            problems.append(
                (
                    where,
                    f"the method item {link!r} offers {', '.join(sorted(odd))}, which RECIST 1.1 "
                    "gives no measurable size for",
                    f"offer only the codes {', '.join(RECIST_METHODS)}",
                )
            )
        elif item.get("type") not in LESION_ROLES[role]:
            problems.append(
                (
                    where,
                    f"{link!r} is a {item.get('type')} item; the role {role} reads "
                    f"{' or '.join(LESION_ROLES[role])}",
                    f"bind {role} to a {LESION_ROLES[role][0]} item",
                )
            )
    return problems


def _method_codes(item: Mapping[str, Any]) -> set[str]:
    return {
        str((o.get("valueCoding") or {}).get("code", o.get("valueString", "")))
        for o in item.get("answerOption", [])
    }


def lesion_node_problem(
    node: object, lesions: LesionGroup | None, links: Mapping[str, Mapping[str, Any]]
) -> tuple[str, str] | None:
    """(problem, fix) of a lesion rule node against the protocol's ``lesions:`` (None: fine)."""
    if isinstance(node, n.MeasurableLesion):
        needed: tuple[str, ...] = MEASURABILITY_ROLES
    elif isinstance(node, n.EveryTargetLesion):
        needed = TARGET_ROLES
    else:
        return None
    declare = "declare lesions: {group: <the repeating group>, items: {role: linkId}}"
    if lesions is None:
        return "a lesion rule, and the protocol declares no lesions", declare
    missing = [role for role in needed if role not in lesions.items]
    if missing:
        return (
            f"a lesion rule reads the role(s) {', '.join(missing)}, not bound under lesions.items",
            f"bind {', '.join(missing)} to items of the group {lesions.group!r}",
        )
    if isinstance(node, n.EveryTargetLesion):
        item = (lesion_group_items(lesions, links) or {}).get(node.item)
        if item is None:
            return (
                f"{node.item!r} is not an item of the lesion group {lesions.group!r}",
                f"add {node.item!r} to the group {lesions.group!r} or correct the name",
            )
        if item.get("type") not in ("integer", "decimal"):
            return (
                f"{node.item!r} is a {item.get('type')} item; the comparison needs a number",
                f"make {node.item!r} an integer or decimal item",
            )
    return None


def _check_lesions(p: Protocol, source: str, links: Mapping[str, Mapping[str, Any]]) -> None:
    if p.lesions is not None:
        for where, message, _ in lesion_problems(p.lesions, links):
            raise ProtocolError(message, source=source, field=where)


def _references(node: object) -> Iterator[tuple[str, str]]:
    if isinstance(node, n.Param):
        yield "parameter", node.name
    if isinstance(node, n.Lab | n.Qualitative | n.Daily):
        yield "element", node.element
    if isinstance(node, n.Derived):
        yield "derived value", node.name
    if isinstance(node, n.Window) and node.anchor != n.AS_OF:
        yield "anchor", node.anchor
    if isinstance(node, n.MedicationExposure) and node.since not in (None, n.AS_OF):
        yield "anchor", str(node.since)
    if isinstance(node, n.MedicationExposure) and node.forms is not None:
        yield "medication form group", node.forms
    if isinstance(
        node, n.ConditionPresent | n.MedicationExposure | n.ProcedureDone | n.AllergyRecorded
    ):
        yield "value set", node.value_set
    if isinstance(node, n.ConsentSigned):
        yield "value set", node.scope_value_set
        if node.study_value_set is not None:
            yield "value set", node.study_value_set
    if isinstance(node, n.CrfAnswer | n.Attestation):
        yield "CRF linkId", node.link
    if isinstance(node, n.CrfHistory):
        yield "CRF linkId", node.ever
        yield "CRF linkId", node.date
