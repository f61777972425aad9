"""The protocol check's criteria: each criterion's id, kind, text and rule tree, and every
reference inside a rule (elements, value sets, parameters, anchors, calculator inputs, linkIds).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from trialkit.errors import TrialkitError
from trialkit.protocol import loader
from trialkit.protocol import nodes as n
from trialkit.protocol.check.questionnaire import _link
from trialkit.protocol.check.report import (
    _NUMERIC_ITEM,
    _NUMERIC_PARAM,
    _message,
    _one_line,
    _Report,
)
from trialkit.protocol.model import SUMMARY_PARAMETER, LesionGroup
from trialkit.protocol.rules import parse_rule


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
