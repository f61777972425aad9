"""Parse the ``rule:`` trees of a protocol file into criterion nodes.

Each node is a mapping with exactly one key naming its type. Errors name the
criterion and the path inside its rule, so a protocol author can fix them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from trialkit.errors import ProtocolError
from trialkit.protocol import nodes as n

_OPS = frozenset({"<", "<=", ">", ">="})


class _Ctx:
    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.path = path

    def at(self, part: str) -> _Ctx:
        return _Ctx(self.source, f"{self.path}.{part}")

    def fail(self, message: str) -> ProtocolError:
        return ProtocolError(message, source=self.source, field=self.path)


def parse_rule(raw: Any, *, source: str, path: str) -> n.Node:
    return _node(raw, _Ctx(source, path))


def _node(raw: Any, ctx: _Ctx) -> n.Node:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise ctx.fail("a rule node is a mapping with exactly one key (its type)")
    ((kind, body),) = raw.items()
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ctx.fail(f"unknown rule node {kind!r}; known: {', '.join(sorted(_PARSERS))}")
    return parser(body, ctx.at(kind))


def _mapping(body: Any, ctx: _Ctx, allowed: set[str]) -> Mapping[str, Any]:
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        raise ctx.fail("expected a mapping")
    unknown = set(body) - allowed
    if unknown:
        raise ctx.fail(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    return body


def _number(raw: Any, ctx: _Ctx) -> n.Number:
    if isinstance(raw, Mapping) and set(raw) == {"param"}:
        return n.Param(str(raw["param"]))
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ctx.fail(f"expected a number or {{param: name}}, got {raw!r}")
    return float(raw)


def _window(raw: Any, ctx: _Ctx) -> n.Window:
    body = _mapping(raw, ctx, {"anchor", "days", "after"})
    anchor = body.get("anchor")
    if not isinstance(anchor, str) or not anchor:
        raise ctx.fail("anchor is as_of or an anchor declared under anchors:")
    return n.Window(
        anchor,
        _number(body.get("days", 0), ctx.at("days")),
        _number(body.get("after", 0), ctx.at("after")),
    )


def _comparison(body: Mapping[str, Any], ctx: _Ctx) -> n.Comparison | None:
    if "op" not in body:
        return None
    op = body["op"]
    if op not in _OPS:
        raise ctx.fail(f"op must be one of {sorted(_OPS)}")
    if ("value" in body) == ("uln_multiple" in body):
        raise ctx.fail("a comparison needs exactly one of value / uln_multiple")
    if "uln_multiple" in body:
        return n.Comparison(op, uln_multiple=float(body["uln_multiple"]))
    return n.Comparison(op, value=_number(body["value"], ctx.at("value")))


def _range(raw: Any, ctx: _Ctx) -> n.Range | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        raise ctx.fail("range is [low, high]")
    return n.Range(float(raw[0]), float(raw[1]))


def _lab(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"element", "op", "value", "uln_multiple", "range", "lookback"})
    comparison, rng = _comparison(b, ctx), _range(b.get("range"), ctx.at("range"))
    if (comparison is None) == (rng is None):
        raise ctx.fail("a lab rule needs exactly one of op/value, op/uln_multiple, range")
    lookback: n.Number | None = n.Param("lab_lookback_days")
    if "lookback" in b:
        lookback = None if b["lookback"] == "none" else _number(b["lookback"], ctx.at("lookback"))
    return n.Lab(str(b["element"]), comparison, rng, lookback)


def _qualitative(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"element", "lookback", "negative_decides"})
    return n.Qualitative(
        str(b["element"]),
        _number(b.get("lookback", {"param": "lab_lookback_days"}), ctx.at("lookback")),
        bool(b.get("negative_decides", True)),
    )


def _derived(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"name", "op", "value"})
    comparison = _comparison(b, ctx)
    if "name" not in b or comparison is None or comparison.value is None:
        raise ctx.fail("derived needs name (a value declared under derived:), op and value")
    return n.Derived(str(b["name"]), comparison)


def _daily(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(
        body, ctx, {"element", "days", "stat", "op", "value", "min_days", "each", "at_least"}
    )
    if "element" not in b or "days" not in b:
        raise ctx.fail("daily needs element and days (the last so many days up to as-of)")
    stat = str(b.get("stat"))
    days = _number(b["days"], ctx.at("days"))
    if stat == "count":
        each = _comparison(b.get("each") or {}, ctx.at("each"))
        if each is None or each.value is None or "at_least" not in b or "op" in b:
            raise ctx.fail("stat count needs each: {op, value} (a day's test) and at_least")
        return n.Daily(
            str(b["element"]),
            days,
            stat,
            each=each,
            at_least=_number(b["at_least"], ctx.at("at_least")),
        )
    if stat not in {"mean", "min", "max"}:
        raise ctx.fail("stat is mean, min, max or count")
    comparison = _comparison(b, ctx)
    if comparison is None or comparison.value is None or "min_days" not in b:
        raise ctx.fail(f"stat {stat} needs op, value and min_days (fewer recorded days: unknown)")
    return n.Daily(
        str(b["element"]),
        days,
        stat,
        comparison,
        min_days=_number(b["min_days"], ctx.at("min_days")),
    )


def _age(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"min", "max"})
    return n.Age(b.get("min"), b.get("max"))


def _sex(body: Any, ctx: _Ctx) -> n.Node:
    return n.Sex(str(_mapping(body, ctx, {"is"})["is"]))


def _condition(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"value_set", "label", "status", "years"})
    status = str(b.get("status", "any"))
    if status not in {"any", "active", "active_or_resolved_within"}:
        raise ctx.fail("status is any, active or active_or_resolved_within")
    years = _number(b["years"], ctx.at("years")) if "years" in b else None
    if (status == "active_or_resolved_within") != (years is not None):
        raise ctx.fail("years goes with status active_or_resolved_within (and only with it)")
    return n.ConditionPresent(
        str(b["value_set"]), str(b.get("label", b["value_set"])), status, years
    )


def _medication(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"value_set", "label", "within", "since", "active", "forms", "form"})
    within = _window(b["within"], ctx.at("within")) if "within" in b else None
    since = str(b["since"]) if "since" in b else None
    if ("forms" in b) != ("form" in b):
        raise ctx.fail(
            "form (one form's name) goes with forms (a group declared under medication_forms:)"
        )
    return n.MedicationExposure(
        str(b["value_set"]),
        str(b.get("label", b["value_set"])),
        within,
        since,
        bool(b.get("active", False)),
        str(b["form"]) if "form" in b else None,
        str(b["forms"]) if "forms" in b else None,
    )


def _procedure(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"value_set", "label", "within"})
    within = _window(b["within"], ctx.at("within")) if "within" in b else None
    return n.ProcedureDone(str(b["value_set"]), str(b.get("label", b["value_set"])), within)


def _allergy(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"value_set", "label"})
    return n.AllergyRecorded(str(b["value_set"]), str(b.get("label", b["value_set"])))


def _consent(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"scope", "study"})
    study = b.get("study")
    return n.ConsentSigned(str(b["scope"]), None if study is None else str(study))


def _crf(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"link", "equals", "in", "op", "value", "range", "on_or_before"})
    tests = [k for k in ("equals", "in", "op", "range", "on_or_before") if k in b]
    if len(tests) != 1:
        raise ctx.fail(
            "a crf rule needs exactly one of equals / in / op+value / range / on_or_before"
        )
    if isinstance(b.get("on_or_before"), Mapping) and "after" in b["on_or_before"]:
        raise ctx.at("on_or_before").fail("on_or_before takes anchor and days (no after)")
    return n.CrfAnswer(
        link=str(b["link"]),
        equals=bool(b["equals"]) if "equals" in b else None,
        one_of=tuple(str(v) for v in b["in"]) if "in" in b else None,
        comparison=_comparison(b, ctx),
        range=_range(b.get("range"), ctx.at("range")),
        on_or_before=_window(b["on_or_before"], ctx.at("on_or_before"))
        if "on_or_before" in b
        else None,
    )


def _crf_history(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"ever", "date", "within"})
    return n.CrfHistory(str(b["ever"]), str(b["date"]), _window(b["within"], ctx.at("within")))


def _attestation(body: Any, ctx: _Ctx) -> n.Node:
    return n.Attestation(str(_mapping(body, ctx, {"link"})["link"]))


def _measurable(body: Any, ctx: _Ctx) -> n.Node:
    _mapping(body, ctx, set())
    return n.MeasurableLesion()


def _every_target(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"item", "op", "value"})
    comparison = _comparison(b, ctx)
    if "item" not in b or comparison is None or comparison.value is None:
        raise ctx.fail("every_target_lesion needs item (a lesion-group item), op and value")
    return n.EveryTargetLesion(str(b["item"]), comparison)


def _children(body: Any, ctx: _Ctx) -> tuple[n.Node, ...]:
    if not isinstance(body, list) or not body:
        raise ctx.fail("expected a non-empty list of rule nodes")
    return tuple(_node(child, ctx.at(str(i))) for i, child in enumerate(body))


def _all(body: Any, ctx: _Ctx) -> n.Node:
    return n.AllOf(_children(body, ctx))


def _any(body: Any, ctx: _Ctx) -> n.Node:
    return n.AnyOf(_children(body, ctx))


def _not(body: Any, ctx: _Ctx) -> n.Node:
    return n.Not(_node(body, ctx))


def _reconcile(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"fact", "ehr", "crf"})
    return n.Reconcile(
        str(b["fact"]), _node(b["ehr"], ctx.at("ehr")), _node(b["crf"], ctx.at("crf"))
    )


def _ask(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"crf", "relevant_if"})
    return n.Ask(_node(b["crf"], ctx.at("crf")), _node(b["relevant_if"], ctx.at("relevant_if")))


def _guard(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"fact", "rule", "conflict"})
    return n.Guard(
        str(b["fact"]), _node(b["rule"], ctx.at("rule")), _node(b["conflict"], ctx.at("conflict"))
    )


def _if(body: Any, ctx: _Ctx) -> n.Node:
    b = _mapping(body, ctx, {"condition", "then", "else"})
    missing = [k for k in ("condition", "then", "else") if k not in b]
    if missing:
        raise ctx.fail(
            f"an if needs condition, then and else (missing {', '.join(missing)}); "
            "a branch where the criterion does not apply is {always: met} or {always: not_met}"
        )
    return n.If(
        _node(b["condition"], ctx.at("condition")),
        _node(b["then"], ctx.at("then")),
        _node(b["else"], ctx.at("else")),
    )


def _always(body: Any, ctx: _Ctx) -> n.Node:
    if body not in ("met", "not_met"):
        raise ctx.fail("always is met or not_met")
    return n.Always(body == "met")


_PARSERS: dict[str, Callable[[Any, _Ctx], n.Node]] = {
    "lab": _lab,
    "qualitative": _qualitative,
    "derived": _derived,
    "daily": _daily,
    "age": _age,
    "sex": _sex,
    "condition": _condition,
    "medication": _medication,
    "procedure": _procedure,
    "allergy": _allergy,
    "consent": _consent,
    "crf": _crf,
    "crf_history": _crf_history,
    "attestation": _attestation,
    "measurable_lesion": _measurable,
    "every_target_lesion": _every_target,
    "all": _all,
    "any": _any,
    "not": _not,
    "reconcile": _reconcile,
    "ask": _ask,
    "guard": _guard,
    "if": _if,
    "always": _always,
}
