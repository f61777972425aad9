"""Adversarial patients generated from a protocol's own nodes (issue 15 point 8): what the
differential test screens on both paths (``trialkit synth --protocol`` builds plausible ones,
:mod:`trialkit.synth.protocol`).

Nothing here names a trial: the walk collects, from every criterion tree, each lab element's
thresholds (absolute, ULN multiples at the element's default ULN, range bounds), each value
set's codes, each window's edges around its anchor, each CRF item's type and tested values,
and the age bounds; :func:`patient` then draws patients at and around those values —
boundaries ±, other units' absence, stale and future dates, unusable statuses, reference
ranges, missing data, CRF answers of the wrong type, CRF/EHR pairs that conflict. The random
seed is hypothesis' in the differential test.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from trialkit.model.codes import Code
from trialkit.model.record import (
    AllergyFact,
    ConditionFact,
    ConsentFact,
    Crf,
    CrfAnswer,
    Measurement,
    MedicationFact,
    PatientRecord,
    ProcedureFact,
)
from trialkit.model.time import DateSpan
from trialkit.protocol import nodes as n
from trialkit.protocol.loader import _walk, questionnaire_items
from trialkit.protocol.model import Protocol
from trialkit.protocol.valuesets import ValueSet

AS_OF = date(2026, 12, 1)
QR = "QuestionnaireResponse/generated"
POSITIVE = Code("http://snomed.info/sct", "10828004")
NEGATIVE = Code("http://snomed.info/sct", "260385009")
OTHER_CODE = Code("http://hl7.org/fhir/sid/icd-10-cm", "Z00.00")


@dataclass
class Facets:
    """What a protocol's nodes test, gathered from its trees."""

    labs: dict[str, set[float]] = field(default_factory=lambda: defaultdict(set))
    qualitative: set[str] = field(default_factory=set)
    conditions: set[str] = field(default_factory=set)
    medications: set[str] = field(default_factory=set)
    # what declared medication forms are recognised by: texts, route codes, rhythms
    form_texts: set[str] = field(default_factory=lambda: {"", "100 mcg"})
    form_routes: set[Code] = field(default_factory=set)
    intervals: set[float] = field(default_factory=set)
    per_day: set[float] = field(default_factory=set)
    procedures: set[str] = field(default_factory=set)
    allergies: set[str] = field(default_factory=set)
    consents: set[tuple[str, str | None]] = field(default_factory=set)
    crf: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    days: set[int] = field(default_factory=lambda: {0, 1, 3})
    # daily nodes: element → (window days, the values its tests compare with)
    daily: dict[str, tuple[int, set[float]]] = field(default_factory=dict)
    ages: set[int] = field(default_factory=lambda: {40})


def facets(p: Protocol) -> Facets:
    out = Facets()
    for criterion in p.criteria:
        for node in _walk(criterion.rule):
            _collect(p, node, out)
    for anchor in p.anchors.values():
        if anchor.crf:
            out.crf[anchor.crf] |= set()
        if anchor.earliest_condition:
            out.conditions.add(anchor.earliest_condition)
    return out


def _number(p: Protocol, value: n.Number | None) -> float | None:
    if isinstance(value, n.Param):
        raw = p.parameters[value.name].default
        return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    return value


def _comparison_values(p: Protocol, element: str | None, c: n.Comparison) -> set[float]:
    if c.uln_multiple is not None and element is not None:
        uln = p.elements[element].uln_param
        base = _number(p, n.Param(uln)) if uln else None
        return {c.uln_multiple * base} if base else set()
    value = _number(p, c.value)
    return {value} if value is not None else set()


def _collect(p: Protocol, node: object, out: Facets) -> None:
    if isinstance(node, n.Lab):
        if node.comparison is not None:
            out.labs[node.element] |= _comparison_values(p, node.element, node.comparison)
        if node.range is not None:
            out.labs[node.element] |= {node.range.low, node.range.high}
        if (days := _number(p, node.lookback)) is not None:
            out.days.add(int(days))
    elif isinstance(node, n.Qualitative):
        out.qualitative.add(node.element)
        if (days := _number(p, node.lookback)) is not None:
            out.days.add(int(days))
    elif isinstance(node, n.Daily):
        window = int(_number(p, node.days) or 1)
        tested = {
            v
            for c in (node.comparison, node.each)
            if c is not None
            for v in [_number(p, c.value)]
            if v is not None
        }
        old_days, old_values = out.daily.get(node.element, (0, set()))
        out.daily[node.element] = (max(window, old_days), old_values | tested)
    elif isinstance(node, n.Age):
        out.ages |= {a for a in (node.min, node.max) if a is not None}
    elif isinstance(node, n.ConditionPresent):
        out.conditions.add(node.value_set)
        if (years := _number(p, node.years)) is not None:
            out.days.add(int(years * 365.25))
    elif isinstance(node, n.MedicationExposure):
        out.medications.add(node.value_set)
        if node.forms is not None:
            _collect_forms(p, node.forms, out)
    elif isinstance(node, n.ProcedureDone):
        out.procedures.add(node.value_set)
    elif isinstance(node, n.AllergyRecorded):
        out.allergies.add(node.value_set)
    elif isinstance(node, n.ConsentSigned):
        out.consents.add((node.scope_value_set, node.study_value_set))
    elif isinstance(node, n.Window):
        if (days := _number(p, node.days)) is not None:
            out.days.add(int(days))
        if after := _number(p, node.after):
            out.days.add(-int(after))  # days "ago" after as-of
    elif isinstance(node, n.CrfAnswer):
        values = out.crf[node.link]
        if node.equals is not None:
            values |= {True, False}
        if node.one_of is not None:
            values |= set(node.one_of)
        if node.comparison is not None:
            values |= _comparison_values(p, None, node.comparison)
        if node.range is not None:
            values |= {node.range.low, node.range.high}
    elif isinstance(node, n.CrfHistory):
        out.crf[node.ever] |= {True, False}
        out.crf[node.date] |= set()
    elif isinstance(node, n.Attestation):
        out.crf[node.link] |= {True, False}


def _collect_forms(p: Protocol, group: str, out: Facets) -> None:
    """Each sign's words and phrases (alone, in a longer text, and as a near miss), route
    codes, and the interval and doses-a-day bounds with their neighbours."""
    for form in p.medication_forms[group].forms:
        for sign in form.signs:
            for text in sign.words + sign.phrases:
                out.form_texts |= {text, f"Product {text.upper()} 30 mg", f"{text}x"}
            if sign.route is not None:
                out.form_routes |= set(codes_of(p.value_sets[sign.route]))
            if sign.min_interval_days is not None:
                out.intervals |= {sign.min_interval_days + e for e in (-1, 0, 1)}
            if sign.above_doses_per_day is not None:
                out.per_day |= {sign.above_doses_per_day + e for e in (-0.5, 0, 1)}


def codes_of(vs: ValueSet) -> list[Code]:
    """Codes that the value set's include rules name (codes, prefixes, range ends) and a
    near miss of each prefix; excluded codes come out too (they must not count)."""
    out: list[Code] = []
    for rules in (vs.include, vs.exclude):
        for rule in rules:
            for system in rule.systems:
                out += [Code(system, c) for c in sorted(rule.codes)]
                out += [Code(system, pre + suffix) for pre in rule.prefixes for suffix in ("", "1")]
                out += [Code(system, lo) for lo, _hi in rule.ranges]
    return out or [OTHER_CODE]


def _edges(days: set[int]) -> list[int]:
    """Days before as-of at and around every window edge (negative: after as-of)."""
    return sorted({d + e for d in days for e in (-1, 0, 1)} | {-3, 400})


def patient(rng: random.Random, p: Protocol, f: Facets, pid: str) -> PatientRecord:
    """One patient drawn at and around what ``f`` (the protocol's :func:`facets`) tests."""
    ago = _edges(f.days)

    def span(days: int) -> DateSpan:
        return DateSpan.day(AS_OF - timedelta(days=days))

    def maybe_span() -> DateSpan | None:
        if rng.randint(0, 9) == 0:
            return None
        if rng.randint(0, 9) == 0:  # a month, not a day
            return DateSpan(date(2026, 11, 1), date(2026, 11, 30), "2026-11")
        return span(rng.choice(ago))

    age = rng.choice(sorted({a + e for a in f.ages for e in (-1, 0, 1)}))
    birth_offset = rng.choice([-1, 0, 1, 180])
    birth = AS_OF.replace(year=AS_OF.year - age) + timedelta(days=birth_offset)
    measurements: list[Measurement] = []
    for i, (element, thresholds) in enumerate(sorted(f.labs.items())):
        el = p.elements[element]
        code = codes_of(p.value_sets[el.value_set])[0]
        low, high = (el.plausible.low, el.plausible.high) if el.plausible else (0.0, 1e6)
        for j in range(rng.randint(0, 2)):
            base = rng.choice(sorted(thresholds) or [1.0])
            factor = rng.choice([1.0, 1.0, 0.999, 1.001, 0.5, 2.0, 0.0, 1e9])
            value = min(max(base * factor, low - 1), high * 2)
            measurements.append(
                Measurement(
                    source=f"Observation/{element}-{i}-{j}",
                    codes=(code,),
                    time=maybe_span(),
                    status=rng.choice(["final", "final", "amended", "preliminary"]),
                    value=Decimal(str(round(value, 3))),
                    unit=rng.choice([el.unit, el.unit, el.unit, None, "mmol/L"]),
                    ref_high=rng.choice([None, None, Decimal(str(round(base / 2 + 1, 2)))]),
                    ref_unit=el.unit,
                )
            )
    for element, (window, tested) in sorted(f.daily.items()):
        measurements += _diary(rng, p, element, window, tested)
    for element in sorted(f.qualitative):
        el = p.elements[element]
        code = codes_of(p.value_sets[el.value_set])[0]
        for j in range(rng.randint(0, 2)):
            result = rng.choice([POSITIVE, NEGATIVE])
            measurements.append(
                Measurement(
                    f"Observation/{element}-q{j}",
                    (code,),
                    maybe_span(),
                    "final",
                    value_codes=(result,),
                )
            )
    conditions = [
        ConditionFact(
            f"Condition/{vs}-{j}",
            (rng.choice(codes_of(p.value_sets[vs])),),
            rng.choice(["active", "active", "resolved", "inactive", None]),
            rng.choice(["confirmed", "confirmed", "refuted", None]),
            maybe_span(),
            rng.choice([None, None, span(rng.choice(ago))]),
        )
        for vs in sorted(f.conditions)
        for j in range(rng.randint(0, 1))
    ]
    medications = [
        MedicationFact(
            f"MedicationStatement/{vs}-{j}",
            rng.choice(["MedicationStatement", "MedicationRequest"]),
            (rng.choice(codes_of(p.value_sets[vs])),),
            rng.choice(sorted(f.form_texts)),
            rng.choice(["active", "completed", "stopped", "entered-in-error"]),
            maybe_span(),
            rng.choice([None, span(rng.choice(ago))]),
            route_codes=tuple(
                rng.sample(
                    sorted(f.form_routes, key=str), min(len(f.form_routes), rng.randint(0, 1))
                )
            ),
            interval_days=_maybe_decimal(rng, f.intervals),
            doses_per_day=_maybe_decimal(rng, f.per_day),
        )
        for vs in sorted(f.medications)
        for j in range(rng.randint(0, 1))
    ]
    procedures = [
        ProcedureFact(
            f"Procedure/{vs}-{j}",
            (rng.choice(codes_of(p.value_sets[vs])),),
            rng.choice(["completed", "completed", "not-done", None]),
            maybe_span(),
        )
        for vs in sorted(f.procedures)
        for j in range(rng.randint(0, 1))
    ]
    allergies = [
        AllergyFact(
            f"AllergyIntolerance/{vs}-{j}",
            (rng.choice(codes_of(p.value_sets[vs])),),
            None,
            rng.choice(["active", "inactive", None]),
            rng.choice(["confirmed", "refuted", None]),
        )
        for vs in sorted(f.allergies)
        for j in range(rng.randint(0, 1))
    ]
    consents = [
        ConsentFact(
            f"Consent/{scope}-{j}",
            rng.choice(["active", "active", "rejected"]),
            tuple(codes_of(p.value_sets[scope])[:1]),
            (),
            maybe_span(),
            tuple(codes_of(p.value_sets[study])[:1]) if study and (rng.random() < 0.5) else (),
        )
        for scope, study in sorted(f.consents, key=str)
        for j in range(rng.randint(0, 1))
    ]
    return PatientRecord(
        patient_id=pid,
        source_file="generated",
        birth_date=DateSpan.day(birth),
        sex=rng.choice(["male", "female", "female", "male", "other", None]),
        measurements=tuple(measurements),
        conditions=tuple(conditions),
        medications=tuple(medications),
        procedures=tuple(procedures),
        allergies=tuple(allergies),
        consents=tuple(consents),
        crf=Crf(dict(_answers(rng, p, f, ago))),
    )


def _diary(
    rng: random.Random, p: Protocol, element: str, window: int, tested: set[float]
) -> list[Measurement]:
    """A diary over the window and a day beyond it: days kept at a random rate, values at and
    around the tested ones, some days recorded twice (agreeing or not), a few unusable."""
    if rng.random() < 0.15:
        return []
    el = p.elements[element]
    code = codes_of(p.value_sets[el.value_set])[0]
    keep = rng.choice([0.3, 0.6, 0.9, 1.0])
    level = rng.choice(sorted(tested) or [1.0]) + rng.choice([-1.0, -0.5, 0.0, 0.0, 0.5, 1.0])
    out = []
    for ago in range(window + 1):
        if rng.random() > keep:
            continue
        for k in range(rng.choice([1, 1, 1, 1, 2])):
            value = max(0.0, level + rng.choice([-1.0, 0.0, 0.0, 1.0]))
            out.append(
                Measurement(
                    source=f"Observation/{element}-d{ago}-{k}",
                    codes=(code,),
                    time=DateSpan.day(AS_OF - timedelta(days=ago))
                    if rng.random() < 0.95
                    else DateSpan(date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
                    status=rng.choice(["final"] * 8 + ["preliminary", "entered-in-error"]),
                    value=Decimal(str(value)),
                    unit=rng.choice([el.unit] * 9 + [None]),
                )
            )
    return out


def _maybe_decimal(rng: random.Random, values: set[float]) -> Decimal | None:
    if not values or rng.random() < 0.4:
        return None
    return Decimal(str(rng.choice(sorted(values))))


def _answers(
    rng: random.Random, p: Protocol, f: Facets, ago: list[int]
) -> Iterator[tuple[str, CrfAnswer]]:
    items = questionnaire_items(p.questionnaire)
    authored = DateSpan.day(AS_OF)
    for link in sorted(f.crf):
        if rng.randint(0, 5) == 0:
            continue  # unanswered
        kind = items[link].get("type")
        tested = sorted(f.crf[link], key=str)
        value: Any
        if rng.randint(0, 19) == 0:  # an answer of the wrong type
            value, value_type = "not sure", "valueString"
        elif kind == "boolean":
            value, value_type = (rng.random() < 0.5), "valueBoolean"
        elif kind in ("choice", "open-choice"):
            options = [
                str(o.get("valueCoding", {}).get("code")) for o in items[link]["answerOption"]
            ]
            value = Code("urn:generated", rng.choice(options or tested or ["x"]))
            value_type = "valueCoding"
        elif kind in ("integer", "decimal"):
            base = rng.choice([t for t in tested if isinstance(t, float)] or [1.0])
            number = base + rng.choice([0, 0, -1, 1, -0.01, 0.01])
            if kind == "integer":
                value, value_type = round(number), "valueInteger"
            else:
                value, value_type = Decimal(str(round(number, 2))), "valueDecimal"
        elif kind in ("date", "dateTime"):
            value, value_type = AS_OF - timedelta(days=rng.choice(ago)), "valueDate"
        else:
            value, value_type = "text", "valueString"
        yield link, CrfAnswer(link, value, QR, authored, value_type)
