"""``trialkit protocol check``: every problem of a protocol folder at once, each with a fix.

The loader stops at the first problem it meets; an author fixing a new protocol wants them
all. This module walks the same folder and reports each problem with the file, the key path
inside it and what to do, and it never raises: a problem it cannot classify is reported as
the loader's own message. A protocol it passes also loads (the loader is run last).

What is checked: the top-level keys; each parameter's type, default and choices; each element's
value set, ULN and conversion parameters (numbers), score list and plausible range; each value
set's code systems; each anchor's CRF date item and value set; each criterion's id, kind, text
and rule tree; every reference inside a rule — elements (a ULN multiple needs a ULN; a numeric
test needs a unit), value sets, parameters (a threshold or window is an int or float parameter),
window anchors (``as_of`` or declared under ``anchors``), calculator inputs, and the CRF linkIds
with the answer type each test reads (``equals``: boolean, ``in``: a choice whose options hold
the values, ``op``/``range``: integer or decimal, dates: date); and the Questionnaire itself
(resourceType, url, unique linkIds, an answer type on every item).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from trialkit.calculators import CALCULATORS
from trialkit.eligibility import nodes as n
from trialkit.errors import TrialkitError, UnitError
from trialkit.protocol import loader
from trialkit.protocol.model import ANCHOR_ROLES, SUMMARY_PARAMETER, LesionGroup
from trialkit.protocol.rules import parse_rule
from trialkit.settings import ENGINE_SETTINGS
from trialkit.units import convert

_NUMERIC_PARAM = frozenset({"int", "float"})
_NUMERIC_ITEM = frozenset({"integer", "decimal", "quantity"})
_ITEM_TYPES = frozenset(
    {
        "group",
        "display",
        "boolean",
        "decimal",
        "integer",
        "date",
        "dateTime",
        "time",
        "string",
        "text",
        "url",
        "choice",
        "open-choice",
        "attachment",
        "reference",
        "quantity",
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a protocol: where (file and key path), what, and the fix."""

    file: str
    path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}. Fix: {self.fix}"


class _Report:
    def __init__(self, yaml_file: str, questionnaire_file: str) -> None:
        self.yaml_file, self.questionnaire_file = yaml_file, questionnaire_file
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, fix: str, *, questionnaire: bool = False) -> None:
        file = self.questionnaire_file if questionnaire else self.yaml_file
        problem = Problem(file, path, message, fix)
        if problem not in self.problems:
            self.problems.append(problem)


def check_protocol(folder: Path) -> list[Problem]:
    """Every problem found in the protocol folder ``folder`` (empty: it is sound)."""
    yaml_path = folder / "protocol.yaml"
    report = _Report(str(yaml_path), str(folder / "questionnaire.json"))
    if not folder.is_dir():
        report.yaml_file = str(folder)
        report.add("", "not a folder", "give the folder that holds protocol.yaml or a bundled id")
        return report.problems
    try:
        raw = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except OSError:
        report.add("", "protocol.yaml not found", "create protocol.yaml (see docs/protocols.md)")
        return report.problems
    except yaml.YAMLError as exc:
        report.add("", f"not valid YAML ({_one_line(exc)})", "correct the YAML syntax")
        return report.problems
    if not isinstance(raw, Mapping):
        report.add("", "the file is not a mapping", "start with id:, version:, criteria:")
        return report.problems
    links = _questionnaire(raw, folder, report)
    _top(raw, report)
    params = _parameters(raw, report)
    value_sets = _value_sets(raw, report)
    elements = _elements(raw, params, value_sets, report)
    anchors = _anchors(raw, links, value_sets, report)
    _derived(raw, elements, report)
    lesions = _lesions(raw, links, report)
    _criteria(raw, params, value_sets, elements, anchors, links, lesions, report)
    _regimen(folder, raw, report)
    if not report.problems:
        try:
            loader.load_protocol(str(folder))
        except TrialkitError as exc:
            report.add("", f"the loader refuses it: {exc}", "correct what the message names")
        except Exception as exc:  # a check never ends in a traceback
            report.add("", f"the loader fails: {type(exc).__name__}: {exc}", "report this")
    return report.problems


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


def _message(exc: TrialkitError) -> str:
    """The message of a loader error without its ``source: field:`` prefix."""
    where = ": ".join(
        str(part) for part in (getattr(exc, "source", None), getattr(exc, "field", None)) if part
    )
    text = str(exc)
    return text[len(where) + 2 :] if where and text.startswith(f"{where}: ") else text


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def _mapping_at(raw: Mapping[str, Any], key: str, report: _Report) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        report.add(key, "expected a mapping of names", f"write {key}: as name: {{...}} entries")
        return {}
    return value


def _top(raw: Mapping[str, Any], report: _Report) -> None:
    for key in ("id", "version", "title"):
        if not str(raw.get(key) or "").strip():
            report.add(key, f"missing {key!r}", f"add {key}: at the top of the file")
    criteria = raw.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        report.add("criteria", "no criteria", "add criteria: a list of {id, kind, text, rule}")


# --- the Questionnaire ---------------------------------------------------------------------


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


# --- parameters, value sets, elements, anchors ------------------------------------------------


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


# --- criteria ------------------------------------------------------------------------------


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


def _criteria(
    raw: Mapping[str, Any],
    params: dict[str, str],
    value_sets: set[str],
    elements: dict[str, Mapping[str, Any]],
    anchors: set[str],
    links: dict[str, Mapping[str, Any]] | None,
    lesions: LesionGroup | None,
    report: _Report,
) -> None:
    criteria = raw.get("criteria")
    if not isinstance(criteria, list):
        return
    seen: set[str] = set()
    for i, c in enumerate(criteria):
        if not isinstance(c, Mapping):
            report.add(f"criteria[{i}]", "not a mapping", "write {id, kind, text, rule}")
            continue
        cid = str(c.get("id") or f"[{i}]")
        where = f"criteria.{cid}"
        if "id" not in c:
            report.add(where, "no id", "give it the id the registry record gives it")
        elif cid in seen:
            report.add(
                where, f"criterion id {cid!r} appears twice", "give each criterion its own id"
            )
        seen.add(cid)
        if c.get("kind") not in ("inclusion", "exclusion"):
            report.add(f"{where}.kind", f"kind {c.get('kind')!r}", "write inclusion or exclusion")
        if not str(c.get("text") or "").strip():
            report.add(f"{where}.text", "no text", "quote the registry record's words verbatim")
        for name in SUMMARY_PARAMETER.findall(str(c.get("summary") or "")):
            if name not in params:
                report.add(
                    f"{where}.summary",
                    f"unknown parameter {{{name}}} in the summary",
                    f"declare {name} under parameters: or write the value itself",
                )
        if "rule" not in c:
            report.add(where, "no rule", "add rule: a node tree (see docs/protocols.md)")
            continue
        for path, anchor in _raw_anchors(c["rule"], f"{where}.rule"):
            if anchor not in anchors:
                report.add(
                    path,
                    f"unknown anchor {anchor!r}",
                    f"declare {anchor} under anchors: (crf: a date item) or use as_of",
                )
        try:
            rule = parse_rule(c["rule"], source=report.yaml_file, path=f"{where}.rule")
        except TrialkitError as exc:
            report.add(
                getattr(exc, "field", None) or f"{where}.rule",
                _message(exc),
                "write the node as docs/protocols.md shows",
            )
            continue
        except Exception as exc:  # a malformed node: never a traceback
            report.add(
                f"{where}.rule",
                f"malformed rule ({type(exc).__name__}: {_one_line(exc)})",
                "every node is a mapping with one key; see docs/protocols.md",
            )
            continue
        for node in _walk(rule):
            _node(node, f"{where}.rule", params, value_sets, elements, anchors, links, report)
            # a lesions: declaration too broken to read is reported once, above
            if links is not None and (lesions is not None or raw.get("lesions") is None):
                problem = loader.lesion_node_problem(node, lesions, links)
                if problem is not None:
                    report.add(f"{where}.rule", *problem)


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


def _raw_anchors(raw: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every ``anchor:`` / ``since:`` name in a rule as written (before it is parsed)."""
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if key in ("anchor", "since") and isinstance(value, str):
                yield f"{path}.{key}", value
            else:
                yield from _raw_anchors(value, f"{path}.{key}")
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            yield from _raw_anchors(value, f"{path}.{i}")


def _walk(node: object) -> Iterator[object]:
    yield from loader._walk(node)


def _node(
    node: object,
    where: str,
    params: dict[str, str],
    value_sets: set[str],
    elements: dict[str, Mapping[str, Any]],
    anchors: set[str],
    links: dict[str, Mapping[str, Any]] | None,
    report: _Report,
) -> None:
    if isinstance(node, n.Param):
        if node.name not in params:
            report.add(
                where,
                f"unknown parameter {node.name!r}",
                f"declare {node.name} under parameters: (default, type, source)",
            )
        elif params[node.name] not in _NUMERIC_PARAM:
            report.add(
                where,
                f"parameter {node.name!r} is a {params[node.name]}; a threshold or window "
                "needs a number",
                f"declare {node.name} with type int or float",
            )
    if isinstance(node, n.Lab | n.Qualitative | n.Daily):
        body = elements.get(node.element)
        if body is None:
            report.add(
                where,
                f"unknown element {node.element!r}",
                f"declare {node.element} under elements: (value_set, unit, plausible)",
            )
        elif isinstance(node, n.Daily) and body.get("unit") is None:
            report.add(
                where,
                f"a daily summary of {node.element!r}, which has no unit",
                f"give elements.{node.element} its canonical unit",
            )
        elif isinstance(node, n.Lab):
            if node.comparison is not None and node.comparison.uln_multiple is not None:
                if body.get("uln_param") is None:
                    report.add(
                        where,
                        f"a multiple of the ULN of {node.element!r}, which declares no ULN",
                        f"give elements.{node.element} a uln_param (the site default ULN)",
                    )
            elif body.get("unit") is None:
                report.add(
                    where,
                    f"a numeric test of {node.element!r}, which has no unit",
                    f"give elements.{node.element} its canonical unit",
                )
    for vs in _value_set_refs(node):
        if vs not in value_sets:
            report.add(where, f"unknown value set {vs!r}", f"declare {vs} under value_sets:")
    for anchor in _anchor_refs(node):
        if anchor not in anchors:
            report.add(
                where,
                f"unknown anchor {anchor!r}",
                f"declare {anchor} under anchors: (crf: a date item) or use as_of",
            )
    if links is not None:
        for link, types, values in _link_refs(node):
            _link(links, link, types, where, report, values)


def _value_set_refs(node: object) -> Iterator[str]:
    if isinstance(
        node, n.ConditionPresent | n.MedicationExposure | n.ProcedureDone | n.AllergyRecorded
    ):
        yield node.value_set
    if isinstance(node, n.ConsentSigned):
        yield node.scope_value_set
        if node.study_value_set is not None:
            yield node.study_value_set


def _anchor_refs(node: object) -> Iterator[str]:
    if isinstance(node, n.Window):
        yield str(node.anchor)
    if isinstance(node, n.MedicationExposure) and node.since is not None:
        yield str(node.since)


_BOOL, _DATE = ("boolean",), ("date", "dateTime")


def _link_refs(node: object) -> Iterator[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    if isinstance(node, n.CrfAnswer):
        if node.equals is not None:
            yield node.link, _BOOL, ()
        elif node.one_of is not None:
            yield node.link, ("choice", "open-choice"), node.one_of
        elif node.comparison is not None or node.range is not None:
            yield node.link, tuple(sorted(_NUMERIC_ITEM)), ()
        else:
            yield node.link, _DATE, ()
    if isinstance(node, n.CrfHistory):
        yield node.ever, _BOOL, ()
        yield node.date, _DATE, ()
    if isinstance(node, n.Attestation):
        yield node.link, _BOOL, ()
