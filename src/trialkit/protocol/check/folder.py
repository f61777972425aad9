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
(resourceType, url, unique linkIds, an answer type on every item); the dosing regimen
(``regimen.yaml``) and the synthetic warehouse profile (``warehouse/ehr.yaml``) when present;
the baseline characteristics (``baseline:``: column kinds, choices, the report's rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from trialkit.errors import TrialkitError
from trialkit.protocol import loader
from trialkit.protocol.check.criteria import _criteria
from trialkit.protocol.check.declarations import (
    _anchors,
    _derived,
    _elements,
    _lesions,
    _parameters,
    _regimen,
    _value_sets,
)
from trialkit.protocol.check.questionnaire import _questionnaire
from trialkit.protocol.check.report import Problem, _one_line, _Report


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
    _warehouse(folder, report)
    _baseline(raw, report)
    if not report.problems:
        try:
            loader.load_protocol(str(folder))
        except TrialkitError as exc:
            report.add("", f"the loader refuses it: {exc}", "correct what the message names")
        except Exception as exc:  # a check never ends in a traceback
            report.add("", f"the loader fails: {type(exc).__name__}: {exc}", "report this")
    return report.problems


def _warehouse(folder: Path, report: _Report) -> None:
    """The synthetic warehouse profile (``warehouse/ehr.yaml``, optional): its first problem."""
    from trialkit.synth.profile import PROFILE_FILE, ProfileError, load_profile

    path = folder / PROFILE_FILE
    if not path.is_file():
        return
    try:
        load_profile(path)
    except ProfileError as exc:
        report.problems.append(Problem(str(path), exc.where, exc.problem, exc.fix))


def _baseline(raw: Mapping[str, Any], report: _Report) -> None:
    """The baseline characteristics (``baseline:``, optional): its first problem."""
    from trialkit.protocol.baseline import BaselineError, parse_baseline

    try:
        parse_baseline(raw.get("baseline"), report.yaml_file)
    except BaselineError as exc:
        report.add(exc.where, exc.problem, exc.fix)


def _top(raw: Mapping[str, Any], report: _Report) -> None:
    for key in ("id", "version", "title"):
        if not str(raw.get(key) or "").strip():
            report.add(key, f"missing {key!r}", f"add {key}: at the top of the file")
    criteria = raw.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        report.add("criteria", "no criteria", "add criteria: a list of {id, kind, text, rule}")
