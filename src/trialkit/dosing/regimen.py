"""A protocol's treatment regimen as data: ``regimen.yaml`` beside its ``protocol.yaml``.

The file declares the dose schedule and its parameters (cycles, activity, interval, window,
maximum delay, reduced activity, re-escalation, half-life, pre-dose lab lookback), the
premedication rules, the imaging calendar, the pre-dose labs (each bound to one of the
protocol's elements and graded with its CTCAE term), values derived from them with a
calculator of :mod:`trialkit.calculators`, and the dose-modification table. The engine
(:mod:`trialkit.dosing.modification`, :mod:`trialkit.dosing.plan`) interprets it and names
no trial; docs/dosing.md "The regimen file" describes every key. A protocol without the file
declares no dosing regimen: :func:`regimen_of` says so (:class:`NoRegimen`), never a traceback.

:func:`regimen_problems` lists every problem of a file (``trialkit protocol check``);
:func:`load_regimen` refuses a file with any.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from trialkit.calculators import CALCULATORS
from trialkit.ctcae import TERMS
from trialkit.errors import ProtocolError, ProtocolRefusal, UnitError
from trialkit.units import convert

REGIMEN_FILE = "regimen.yaml"
RegimenValue = bool | int | float | tuple[int, ...]
PARAM_TYPES = ("int", "float", "bool", "int_list")
# The schedule every regimen declares (engine vocabulary: the plan and the check read them).
SCHEDULE: dict[str, str] = {
    "cycles": "int",
    "activity_gbq": "float",
    "interval_days": "int",
    "window_days": "int",
    "reduced_activity_gbq": "float",
    "reescalate_after_reduced_dose": "bool",
    "max_delay_days": "int",
    "half_life_days": "float",
    "lab_lookback_days": "int",
}
ACTIONS = {
    "withhold_then_reduce": "withhold until recovery, then resume at the reduced activity; "
    "recurrence after a reduction or a delay ≥ max_delay_days discontinues",
    "discontinue": "discontinue treatment",
    "report": "no dose change; reported in the notes",
}
# A condition tests one lab, one derived value or the related adverse-event grade.
TESTS = (
    "grade_at_least",
    "below",
    "above",
    "above_uln",
    "rise_from_baseline_pct",
    "fall_from_baseline_pct",
)
SUBJECT_WEIGHT = "subject_weight"  # a calculator input bound to the subject's body weight (kg)
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class NoRegimen(ProtocolRefusal):  # a refusal: 422 on the API, exit 2 on the CLI
    """The protocol declares no dosing regimen, so it has no dose plan or dose check."""

    def __init__(self, protocol: str) -> None:
        super().__init__(
            f"protocol {protocol} declares no dosing regimen (no {REGIMEN_FILE} in its "
            "folder): no dosing plan or dose check",
            rule="no_dosing_regimen",
        )


@dataclass(frozen=True)
class RegimenParameter:
    name: str
    default: RegimenValue
    type: str  # int / float / bool / int_list
    source: str


@dataclass(frozen=True)
class PreDoseLab:
    key: str  # the lab key results are recorded under (the protocol's element)
    ctcae: str | None  # the CTCAE v5.0 term it is graded with
    unit: str  # canonical unit (the element's)
    analyte: str | None  # for mass <-> substance conversions (the element's)
    short: str
    required: bool
    baseline_field: str | None = None  # its name under ``baseline`` in the check input


@dataclass(frozen=True)
class DerivedValue:
    key: str
    calculator: str
    inputs: dict[str, str]  # calculator input → pre-dose lab key, or SUBJECT_WEIGHT
    short: str
    label: str
    unit: str
    required: bool
    baseline_field: str | None = None


@dataclass(frozen=True)
class Condition:
    """One test (``test`` of :data:`TESTS` on ``lab``/``derived`` or ``related_ae``), or
    ``any``/``all`` of ``parts``. ``threshold`` is a number or a parameter's name."""

    test: str
    lab: str | None = None
    derived: str | None = None
    threshold: float | str | None = None
    unit: str | None = None
    parts: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Row:
    toxicity: str
    label: str
    when: Condition
    action: str
    until: str | None
    note: str | None
    source: str


@dataclass(frozen=True)
class Stop:
    what: str
    stop_days: str  # parameter: days before the first dose
    source: str


@dataclass(frozen=True)
class Imaging:
    baseline: str
    baseline_days: str  # parameter names, so each stays overridable
    assessment: str
    weeks: str
    every_weeks: str
    horizon_weeks: str
    window_days: str


@dataclass(frozen=True, eq=False)  # one per protocol (cached): identity is equality
class Regimen:
    protocol: str  # the protocol's id
    drug: str
    source: str
    file: str
    parameters: dict[str, RegimenParameter]
    labs: dict[str, PreDoseLab]
    derived: dict[str, DerivedValue]
    table: tuple[Row, ...]
    before_first_dose: tuple[Stop, ...]
    each_dose: tuple[str, ...]
    imaging: Imaging | None
    ref: str = ""  # how the protocol was named (bundled id or folder): load_protocol(ref)

    def toxicities(self) -> tuple[str, ...]:
        """The toxicities that can withhold a dose (what prior_reductions / on_hold name)."""
        return tuple(r.toxicity for r in self.table if r.action == "withhold_then_reduce")

    def related_ae_toxicity(self) -> str | None:
        """The withholding row for a related adverse event no pre-dose lab grades (its
        condition tests ``related_ae_grade_at_least``), if the table has one."""
        for r in self.table:
            if r.action == "withhold_then_reduce" and _tests_related(r.when):
                return r.toxicity
        return None

    def row(self, toxicity: str) -> Row:
        return next(r for r in self.table if r.toxicity == toxicity)

    def defaults(self) -> dict[str, RegimenValue]:
        return {name: p.default for name, p in self.parameters.items()}


def _tests_related(c: Condition) -> bool:
    return c.test == "related_ae" or any(_tests_related(p) for p in c.parts)


ElementUnits = Mapping[str, tuple[str | None, str | None]]  # element → (unit, analyte)


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []

    def add(self, path: str, message: str, fix: str) -> None:
        self.items.append((path, message, fix))


def regimen_problems(raw: Any, elements: ElementUnits) -> list[tuple[str, str, str]]:
    """Every problem of a parsed regimen file as (key path, message, fix); empty: sound."""
    problems = _Problems()
    _parse(raw, elements, problems, "", "")
    return problems.items


def load_regimen(folder: Path, protocol: str, elements: ElementUnits) -> Regimen | None:
    """The regimen in ``folder`` (None: the protocol declares none); ProtocolError naming
    the file and key path for the first problem."""
    path = folder / REGIMEN_FILE
    if not path.is_file():
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProtocolError(
            f"not valid YAML ({' '.join(str(exc).split())})", source=str(path)
        ) from None
    problems = _Problems()
    regimen = _parse(raw, elements, problems, protocol, str(path))
    if problems.items:
        where, message, fix = problems.items[0]
        raise ProtocolError(f"{message}. Fix: {fix}", source=str(path), field=where or None)
    assert regimen is not None
    return replace(regimen, ref=str(folder))


def regimen_of(protocol: str | None = None) -> Regimen:
    """The regimen of a protocol (id or folder; default the bundled one); :class:`NoRegimen`
    when it declares none."""
    from trialkit.settings import DEFAULT_PROTOCOL

    return _cached(protocol or DEFAULT_PROTOCOL)


@cache
def _cached(protocol: str) -> Regimen:
    from trialkit.protocol import load_protocol

    p = load_protocol(protocol)
    units = {name: (e.unit, e.analyte) for name, e in p.elements.items()}
    regimen = load_regimen(Path(p.folder), p.id, units)
    if regimen is None:
        raise NoRegimen(p.id)
    return replace(regimen, ref=protocol)


def has_regimen(protocol: str | None = None) -> bool:
    try:
        regimen_of(protocol)
    except NoRegimen:
        return False
    return True


def _mapping(value: Any, path: str, problems: _Problems, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(path, f"expected {what}", f"write {path} as a mapping")
        return {}
    return value


def _parse(
    raw: Any, elements: ElementUnits, problems: _Problems, protocol: str, file: str
) -> Regimen | None:
    if not isinstance(raw, Mapping):
        problems.add("", "the regimen file is not a mapping", "start with parameters:, labs:")
        return None
    for key in raw:
        if key not in (
            "drug",
            "source",
            "parameters",
            "premedication",
            "imaging",
            "labs",
            "derived",
            "modification",
        ):
            problems.add(str(key), f"unknown key {key!r}", "remove it (docs/dosing.md)")
    params = _parameters(
        _mapping(raw.get("parameters"), "parameters", problems, "parameters"), problems
    )
    labs = _labs(_mapping(raw.get("labs"), "labs", problems, "labs"), elements, problems)
    derived = _derived(_mapping(raw.get("derived"), "derived", problems, "values"), labs, problems)
    table = _table(raw.get("modification"), params, labs, derived, problems)
    premed = _mapping(raw.get("premedication"), "premedication", problems, "a mapping")
    stops = []
    for i, s in enumerate(premed.get("before_first_dose") or []):
        where = f"premedication.before_first_dose[{i}]"
        if not isinstance(s, Mapping) or "what" not in s or "stop_days" not in s:
            problems.add(where, "expected {what:, stop_days:, source:}", "give all three")
            continue
        _param_ref(s["stop_days"], params, f"{where}.stop_days", problems, ("int",))
        stops.append(Stop(str(s["what"]), str(s["stop_days"]), str(s.get("source", ""))))
    each = tuple(str(t) for t in premed.get("each_dose") or [])
    for i, text in enumerate(each):
        for name in _PLACEHOLDER.findall(text):
            if name not in params:
                problems.add(
                    f"premedication.each_dose[{i}]",
                    f"{{{name}}} is not a declared parameter",
                    "declare it under parameters: or correct the name",
                )
    imaging = None
    if raw.get("imaging") is not None:
        im = _mapping(raw.get("imaging"), "imaging", problems, "a mapping")
        kinds = {"baseline_days": ("int",), "weeks": ("int_list",), "every_weeks": ("int",)}
        kinds["horizon_weeks"] = kinds["window_days"] = ("int",)
        for key, types in kinds.items():
            _param_ref(im.get(key), params, f"imaging.{key}", problems, types)
        imaging = Imaging(
            baseline=str(im.get("baseline", "baseline imaging")),
            baseline_days=str(im.get("baseline_days")),
            assessment=str(im.get("assessment", "tumour assessment")),
            weeks=str(im.get("weeks")),
            every_weeks=str(im.get("every_weeks")),
            horizon_weeks=str(im.get("horizon_weeks")),
            window_days=str(im.get("window_days")),
        )
    if problems.items:
        return None
    return Regimen(
        protocol=protocol,
        drug=str(raw.get("drug", "")),
        source=str(raw.get("source", "")),
        file=file,
        parameters=params,
        labs=labs,
        derived=derived,
        table=table,
        before_first_dose=tuple(stops),
        each_dose=each,
        imaging=imaging,
    )


def coerce(type_name: str, value: Any) -> RegimenValue | None:
    """``value`` as a parameter of ``type_name``; None when it is not one (or not positive)."""
    if type_name == "bool":
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if type_name == "int_list":
        if (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in value)
        ):
            return tuple(value)
        return None
    if type_name == "int" and isinstance(value, int) and value > 0:
        return value
    if type_name == "float" and isinstance(value, int | float) and 0 < value < float("inf"):
        return float(value)
    return None


def _parameters(raw: Mapping[str, Any], problems: _Problems) -> dict[str, RegimenParameter]:
    out: dict[str, RegimenParameter] = {}
    for name, body in raw.items():
        where = f"parameters.{name}"
        if not isinstance(body, Mapping) or "default" not in body:
            problems.add(where, "expected {type:, default:, source:}", "give type, default, source")
            continue
        kind = body.get("type")
        if kind not in PARAM_TYPES:
            problems.add(where, f"unknown type {kind!r}", f"use one of {', '.join(PARAM_TYPES)}")
            continue
        value = coerce(str(kind), body["default"])
        if value is None:
            problems.add(where, f"default {body['default']!r} is not a positive {kind}", "fix it")
            continue
        if not body.get("source"):
            problems.add(where, "no source", "cite where the value comes from (label, record)")
        out[str(name)] = RegimenParameter(str(name), value, str(kind), str(body.get("source")))
    for name, kind in SCHEDULE.items():
        if name not in out and not any(p[0] == f"parameters.{name}" for p in problems.items):
            problems.add(
                f"parameters.{name}", "missing (every regimen declares it)", f"declare it ({kind})"
            )
        elif name in out and out[name].type != kind:
            problems.add(f"parameters.{name}", f"must be {kind}", f"declare it as type: {kind}")
    return out


def _labs(
    raw: Mapping[str, Any], elements: ElementUnits, problems: _Problems
) -> dict[str, PreDoseLab]:
    out: dict[str, PreDoseLab] = {}
    for key, body in raw.items():
        where = f"labs.{key}"
        body = _mapping(body, where, problems, "{element:, ctcae:}")
        element = str(body.get("element", key))
        if element not in elements:
            problems.add(
                f"{where}.element",
                f"unknown analyte {element!r}: not an element of the protocol",
                "bind the lab to an element declared under elements: in protocol.yaml",
            )
            continue
        unit, analyte = elements[element]
        term = body.get("ctcae")
        if term is not None and term not in TERMS:
            problems.add(
                f"{where}.ctcae", f"unknown CTCAE term {term!r}", "use a trialkit.ctcae term"
            )
            continue
        if unit is None:
            problems.add(where, f"element {element!r} has no unit", "give the element a unit")
            continue
        out[str(key)] = PreDoseLab(
            str(key),
            None if term is None else str(term),
            str(unit),
            analyte,
            str(body.get("short", key)),
            body.get("required") is True,
            None if body.get("baseline_field") is None else str(body["baseline_field"]),
        )
    return out


def _derived(
    raw: Mapping[str, Any], labs: Mapping[str, PreDoseLab], problems: _Problems
) -> dict[str, DerivedValue]:
    out: dict[str, DerivedValue] = {}
    for key, body in raw.items():
        where = f"derived.{key}"
        body = _mapping(body, where, problems, "{calculator:, inputs:}")
        calc = CALCULATORS.get(str(body.get("calculator")))
        if calc is None:
            problems.add(
                f"{where}.calculator",
                f"unknown calculator {body.get('calculator')!r}",
                f"use one of {', '.join(CALCULATORS)}",
            )
            continue
        inputs = {str(k): str(v) for k, v in (body.get("inputs") or {}).items()}
        for i in calc.number_inputs():
            bound = inputs.get(i.name)
            if bound is None or (bound not in labs and bound != SUBJECT_WEIGHT):
                problems.add(
                    f"{where}.inputs.{i.name}",
                    f"the calculator's input {i.name!r} is bound to {bound!r}",
                    f"bind it to a pre-dose lab under labs: (or {SUBJECT_WEIGHT})",
                )
        out[str(key)] = DerivedValue(
            str(key),
            calc.name,
            inputs,
            str(body.get("short", key)),
            str(body.get("label", calc.label)),
            calc.unit,
            body.get("required") is True,
            None if body.get("baseline_field") is None else str(body["baseline_field"]),
        )
    return out


def _param_ref(
    value: Any,
    params: Mapping[str, RegimenParameter],
    where: str,
    problems: _Problems,
    types: tuple[str, ...],
) -> None:
    if isinstance(value, str) and value in params and params[value].type in types:
        return
    problems.add(
        where,
        f"{value!r} is not a declared {' or '.join(types)} parameter",
        "name a parameter declared under parameters:",
    )


def _table(
    raw: Any,
    params: Mapping[str, RegimenParameter],
    labs: Mapping[str, PreDoseLab],
    derived: Mapping[str, DerivedValue],
    problems: _Problems,
) -> tuple[Row, ...]:
    if not isinstance(raw, list):
        problems.add("modification", "expected a list of rows", "write the table as - rows")
        return ()
    rows: list[Row] = []
    for i, body in enumerate(raw):
        where = f"modification[{i}]"
        if not isinstance(body, Mapping) or not body.get("toxicity"):
            problems.add(where, "expected {toxicity:, when:, action:}", "give each row all three")
            continue
        action = body.get("action")
        if action not in ACTIONS:
            problems.add(
                f"{where}.action", f"unknown action {action!r}", f"use one of {', '.join(ACTIONS)}"
            )
            continue
        if action == "withhold_then_reduce" and not body.get("until"):
            problems.add(f"{where}.until", "no recovery named", "say what the dose waits for")
        when = _condition(body.get("when"), f"{where}.when", params, labs, derived, problems)
        if when is None:
            continue
        rows.append(
            Row(
                str(body["toxicity"]),
                str(body.get("label", body["toxicity"])),
                when,
                str(action),
                None if body.get("until") is None else str(body["until"]),
                None if body.get("note") is None else str(body["note"]),
                str(body.get("source", "")),
            )
        )
    names = [r.toxicity for r in rows]
    for name in {n for n in names if names.count(n) > 1}:
        problems.add("modification", f"toxicity {name!r} twice", "give each row its own name")
    return tuple(rows)


def _condition(
    raw: Any,
    where: str,
    params: Mapping[str, RegimenParameter],
    labs: Mapping[str, PreDoseLab],
    derived: Mapping[str, DerivedValue],
    problems: _Problems,
) -> Condition | None:
    if not isinstance(raw, Mapping):
        problems.add(where, "expected a condition", "write {lab: NAME, grade_at_least: N}")
        return None
    for combo in ("any", "all"):
        if combo in raw:
            parts = [
                _condition(p, f"{where}.{combo}[{i}]", params, labs, derived, problems)
                for i, p in enumerate(raw[combo] or [])
            ]
            if not parts:
                problems.add(where, f"empty {combo}:", "list at least one condition")
            if any(p is None for p in parts) or not parts:
                return None
            return Condition(combo, parts=tuple(p for p in parts if p is not None))
    if "related_ae_grade_at_least" in raw:
        g = _grade(raw["related_ae_grade_at_least"], f"{where}.related_ae_grade_at_least", problems)
        return None if g is None else Condition("related_ae", threshold=g)
    tests = [t for t in TESTS if t in raw]
    if len(tests) != 1:
        problems.add(where, f"expected one test of {', '.join(TESTS)}", "give exactly one")
        return None
    test = tests[0]
    lab, value = raw.get("lab"), raw.get("derived")
    if lab is not None and lab not in labs:
        problems.add(f"{where}.lab", f"unknown analyte {lab!r}", "name a lab declared under labs:")
        return None
    if value is not None and value not in derived:
        problems.add(f"{where}.derived", f"unknown derived value {value!r}", "declare it")
        return None
    if (lab is None) == (value is None):
        problems.add(where, "test one lab: or one derived:", "give exactly one")
        return None
    if test == "grade_at_least":
        ctcae = labs[lab].ctcae if lab is not None else None
        if ctcae is None:
            problems.add(where, "a grade test needs a lab with a CTCAE term", "give the lab ctcae:")
            return None
        g = _grade(raw[test], f"{where}.{test}", problems)
        return None if g is None else Condition(test, lab=lab, threshold=g)
    threshold = raw[test]
    if isinstance(threshold, str):
        _param_ref(threshold, params, f"{where}.{test}", problems, ("int", "float"))
    elif isinstance(threshold, bool) or not isinstance(threshold, int | float):
        problems.add(f"{where}.{test}", f"{threshold!r} is not a number", "give a number")
        return None
    unit = raw.get("unit")
    canonical = labs[lab].unit if lab is not None else derived[str(value)].unit
    term = TERMS.get(labs[lab].ctcae or "") if lab is not None else None
    if test == "above_uln" and (term is None or term.default_uln is None):
        problems.add(where, "above_uln needs a lab whose CTCAE term has a ULN", "test above:")
        return None
    if test in ("below", "above"):
        if unit is None:
            problems.add(f"{where}.unit", "a threshold needs its unit", f"give unit: {canonical}")
            return None
        try:
            convert(1.0, str(unit), canonical, analyte=labs[lab].analyte if lab else None)
        except UnitError:
            problems.add(f"{where}.unit", f"{unit!r} does not convert to {canonical}", "fix it")
            return None
    return Condition(test, lab=lab, derived=value, threshold=threshold, unit=unit)


def _grade(value: Any, where: str, problems: _Problems) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    problems.add(where, f"{value!r} is not a CTCAE grade", "give a grade 1–5")
    return None
