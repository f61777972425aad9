"""A patient plan of :mod:`trialkit.synth.protocol` as the record the engine reads.

Values are drawn inside the plan's bounds and the element's plausible range, now and then
exactly on a limit (``edge``) or in another unit UCUM converts from; spoiled facts come out
missing, stale (before the lookback), with an unusable status, in a unit nothing converts or,
for CRF answers, of the wrong type.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

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
from trialkit.synth.nodes import codes_of
from trialkit.units.ucum import conversion_factor

if TYPE_CHECKING:
    from trialkit.synth.protocol import _Lab, _Walker

QR = "QuestionnaireResponse/synthetic"
_VALUE_TYPES = {
    bool: "valueBoolean",
    int: "valueInteger",
    Decimal: "valueDecimal",
    date: "valueDate",
    Code: "valueCoding",
    str: "valueString",
}


def draw(rng: Any, b: _Lab, low: float, high: float, edge: float, step: float) -> float:
    """A value inside ``b`` and the plausible ``low``–``high`` (on a limit with ``edge``)."""
    lo = max(b.low + (step if b.low_open else 0), low)
    hi = min(b.high - (step if b.high_open else 0), high)
    if lo > hi:  # contradictory wants: the last bound set wins
        return lo if b.low > low else hi
    if rng.random() < edge and (math.isfinite(b.low) or math.isfinite(b.high)):
        return lo if math.isfinite(b.low) and b.low >= low else hi
    if math.isfinite(b.low) and not math.isfinite(b.high):
        hi = min(hi, max(lo * 1.8, lo + 10 * step))
    if math.isfinite(b.high) and not math.isfinite(b.low):
        lo = max(lo, min(hi * 0.4, hi - 10 * step))
    if not math.isfinite(b.low) and not math.isfinite(b.high):  # nothing wanted: mid-range
        span = hi - lo
        lo, hi = lo + span * 0.25, lo + span * 0.45
    return float(rng.uniform(lo, hi))


def _step(value: float) -> float:
    """A reporting step fitting the magnitude (1 for hundreds, 0.1 for tens, …)."""
    magnitude = abs(value) or 1.0
    return float(10 ** (math.floor(math.log10(magnitude)) - 1)) if magnitude >= 1 else 0.01


def render(
    w: _Walker, pid: str, lesions: tuple[dict[str, CrfAnswer], ...], edge: float
) -> PatientRecord:
    from trialkit.synth.protocol import other_units

    rng, p, plan, as_of = w.rng, w.p, w.plan, w.as_of

    def span(days: int) -> DateSpan:
        return DateSpan.day(as_of - timedelta(days=days))

    gone = {fact for fact, how in plan.spoiled.items() if how == "missing"}
    measurements: list[Measurement] = []
    for element, b in sorted(plan.labs.items()):
        if f"lab:{element}" in gone:
            continue
        el = p.elements[element]
        code = codes_of(p.value_sets[el.value_set])[0]
        low, high = (el.plausible.low, el.plausible.high) if el.plausible else (0.0, 1000.0)
        finite = [x for x in (b.low, b.high) if math.isfinite(x)]
        step = _step(finite[0] if finite else (low + high) / 2)
        value = round(draw(rng, b, low, high, edge, step), 2)
        unit, how = el.unit, plan.spoiled.get(f"lab:{element}")
        shown = value
        alternatives = other_units(el.unit, el.analyte)
        if how is None and el.unit and alternatives and rng.random() < 0.25:
            candidate = rng.choice(alternatives)
            factor = conversion_factor(candidate, el.unit, analyte=el.analyte)
            back = round(value / factor, 4)
            # keep the other unit only where it converts back to the same side of every limit
            if round(back * factor, 9) == value or not finite:
                unit, shown = candidate, back
        status = "final" if how != "status" else rng.choice(["preliminary", "entered-in-error"])
        days = b.days_ago if how != "stale" else 400 + rng.randint(0, 200)
        if how == "unit":
            unit = "K/uL" if el.unit else "kg/s"
        measurements.append(
            Measurement(
                _rid("Observation", pid, element),
                (code,),
                span(days),
                status,
                value=Decimal(str(shown)),
                unit=unit,
            )
        )
    for element, positive in sorted(plan.qualitative.items()):
        if f"qual:{element}" in gone:
            continue
        el = p.elements[element]
        how = plan.spoiled.get(f"qual:{element}")
        result = sorted(p.qualitative_positive if positive else p.qualitative_negative, key=str)
        if not result:
            continue
        measurements.append(
            Measurement(
                _rid("Observation", pid, element),
                (codes_of(p.value_sets[el.value_set])[0],),
                span(400 if how == "stale" else rng.randint(1, 14)),
                "final" if how != "status" else "entered-in-error",
                value_codes=(result[0],),
            )
        )
    conditions = [
        ConditionFact(
            _rid("Condition", pid, vs),
            (rng.choice(_member_codes(p, vs, plan.absent)),),
            "active",
            "confirmed" if plan.spoiled.get(f"vs:{vs}") != "status" else "refuted",
            span(ago or 365),
            None,
        )
        for vs, ago in sorted(plan.conditions.items())
        if f"vs:{vs}" not in gone
    ]
    medications = []
    for vs, (ago, sign) in sorted(plan.medications.items()):
        if f"vs:{vs}" in gone:
            continue
        words = (sign.words + sign.phrases) if sign else ()
        route = _member_codes(p, sign.route)[:1] if sign and sign.route else []
        per_day = sign.above_doses_per_day if sign else None
        interval = sign.min_interval_days if sign else None
        medications.append(
            MedicationFact(
                _rid("MedicationStatement", pid, vs),
                "MedicationStatement",
                (rng.choice(_member_codes(p, vs, plan.absent)),),
                f"{rng.choice(words)} 30 mg" if words else "",
                "active" if plan.spoiled.get(f"vs:{vs}") != "status" else "entered-in-error",
                span(ago),
                None,
                route_codes=tuple(route),
                interval_days=Decimal(str(interval)) if interval is not None else None,
                doses_per_day=Decimal(str(per_day + 2)) if per_day is not None else None,
            )
        )
    procedures = [
        ProcedureFact(
            _rid("Procedure", pid, vs),
            (rng.choice(_member_codes(p, vs, plan.absent)),),
            "completed" if plan.spoiled.get(f"vs:{vs}") != "status" else "not-done",
            span(ago),
        )
        for vs, ago in sorted(plan.procedures.items())
        if f"vs:{vs}" not in gone
    ]
    allergies = [
        AllergyFact(
            _rid("AllergyIntolerance", pid, vs),
            (rng.choice(_member_codes(p, vs, plan.absent)),),
            None,
            "active",
            "confirmed",
        )
        for vs in sorted(plan.allergies)
        if f"allergy:{vs}" not in gone
    ]
    consents = [
        ConsentFact(
            _rid("Consent", pid, str(i)),
            "active",
            (_member_codes(p, scope)[0],),
            (),
            span(rng.randint(1, 10)),
            (_member_codes(p, study)[0],) if study else (),
        )
        for i, ((scope, study), signed) in enumerate(sorted(plan.consents.items(), key=str))
        if signed and f"consent:{(scope, study)}" not in gone
    ]
    return PatientRecord(
        patient_id=pid,
        source_file="synthetic",
        birth_date=None if "birth" in plan.spoiled else _birth(rng, plan.age, as_of),
        sex=None if "sex" in plan.spoiled else plan.sex or rng.choice(["female", "male"]),
        measurements=tuple(measurements),
        conditions=tuple(conditions),
        medications=tuple(medications),
        procedures=tuple(procedures),
        allergies=tuple(allergies),
        consents=tuple(consents),
        crf=Crf(_answers(w, edge), _lesions(w, lesions, edge)),
    )


def _lesions(
    w: _Walker, lesions: tuple[dict[str, CrfAnswer], ...], edge: float
) -> tuple[dict[str, CrfAnswer], ...]:
    """The example's lesion groups, made non-measurable or given per-lesion answers as the
    plan wants."""
    plan = w.plan
    if not plan.lesions or "lesions" in plan.spoiled:
        return ()
    diameter = w.p.lesions.link("diameter_mm") if w.p.lesions else None
    out = []
    for lesion in lesions:
        group = dict(lesion)
        if plan.small_lesions and diameter:
            group[diameter] = CrfAnswer(diameter, Decimal(5), QR, None, "valueDecimal")
        for link, b in plan.lesion_items.items():
            kind = w.items.get(link, {}).get("type")
            number = draw(w.rng, b, 0.0, 100.0, edge, 1.0)
            value: int | Decimal = round(number) if kind == "integer" else Decimal(str(number))
            group[link] = CrfAnswer(link, value, QR, None, _VALUE_TYPES[type(value)])
        out.append(group)
    return tuple(out)


def _rid(rtype: str, *parts: str) -> str:
    """``Type/id`` with a FHIR-valid id (letters, digits, '-' and '.')."""
    return f"{rtype}/" + re.sub(r"[^A-Za-z0-9.-]", "-", "-".join(parts))[:64]


def _birth(rng: Any, ages: tuple[int, int], as_of: date) -> DateSpan:
    low, high = ages
    age = rng.randint(low, max(low, high))
    born = as_of.replace(year=as_of.year - age - 1) + timedelta(days=rng.randint(1, 364))
    return DateSpan.day(born)


def _member_codes(p: Any, vs: str, avoid: set[str] = frozenset()) -> list[Code]:  # type: ignore[assignment]
    """Codes of ``vs`` that it includes and does not exclude (what a site would record), and
    that fall in none of the value sets ``avoid`` (those the patient must not have)."""
    value_set = p.value_sets[vs]
    inside = [c for c in codes_of(value_set) if value_set.matches(c)]
    clean = [c for c in inside if not any(p.value_sets[a].matches(c) for a in avoid if a != vs)]
    return clean or inside or codes_of(value_set)


def _answers(w: _Walker, edge: float) -> dict[str, CrfAnswer]:
    plan, items, rng = w.plan, w.items, w.rng
    authored = DateSpan.day(w.as_of)
    values = dict(plan.crf)
    for link, b in plan.crf_numbers.items():
        kind = items.get(link, {}).get("type")
        number = draw(rng, b, 0.0, 1000.0, edge, 1.0 if kind == "integer" else 0.1)
        values[link] = round(number) if kind == "integer" else Decimal(str(round(number, 1)))
    for name, anchor in w.p.anchors.items():  # anchors the CRF dates
        if anchor.crf and anchor.crf not in values:
            values[anchor.crf] = w.as_of - timedelta(days=w.anchor_offset(name))
    out = {}
    for link, value in sorted(values.items()):
        how = plan.spoiled.get(f"crf:{link}")
        if how == "missing":
            continue
        if how is not None:  # stale, unusable or unconvertible: a CRF answer of the wrong type
            value = "not sure"
        kind = items.get(link, {}).get("type")
        if isinstance(value, int) and not isinstance(value, bool) and kind == "decimal":
            value = Decimal(value)
        out[link] = CrfAnswer(link, value, QR, authored, _VALUE_TYPES[type(value)])
    return out
