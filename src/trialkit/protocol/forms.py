"""Medication forms a protocol declares (``medication_forms:``), and the one rule that reads them.

A criterion may be about one form of a medicine only (its short-acting or its long-acting
depot form). Which form a record is cannot be read from its code alone (sites code the substance);
the protocol declares, per group of mutually exclusive forms, the *signs* of each form: whole
words or phrases in the record's text (product, Medication and dose-form texts, dosage text),
a route in a value set, a dosing interval of at least so many days, more than so many doses a
day. A sign holds when every feature it states holds; a form is recognised when any of its
signs holds; the forms are tried in the order declared and the first recognised is the
record's form. None recognised: the form is unknown (a criterion about a form is then
undecided for that record, never "not that form").

:func:`form_of` is the only implementation: the evaluator calls it per record, and the
population path calls it once per distinct (text, route, interval, doses a day) of the data
(``relational.vocabulary.form_table``). The loader reads
``medication_forms:`` with :func:`parse_form_groups`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trialkit.errors import ProtocolError
from trialkit.model.codes import Code
from trialkit.model.record import MedicationFact
from trialkit.protocol.valuesets import ValueSet


@dataclass(frozen=True)
class FormSign:
    """One way to recognise a form; every feature stated must hold (an empty sign never does)."""

    words: tuple[str, ...] = ()  # any of these, as a whole word of the text (case-insensitive)
    phrases: tuple[str, ...] = ()  # any of these, anywhere in the text (case-insensitive)
    route: str | None = None  # a value set: any of the record's route codes in it
    min_interval_days: float | None = None  # dosing interval (timing period) ≥ this many days
    above_doses_per_day: float | None = None  # doses a day (frequency / period) > this


@dataclass(frozen=True)
class MedicationForm:
    name: str
    label: str
    signs: tuple[FormSign, ...]


@dataclass(frozen=True)
class FormGroup:
    """Mutually exclusive forms of one medicine, in the order they are tried."""

    name: str
    forms: tuple[MedicationForm, ...]
    description: str = ""

    def form(self, name: str) -> MedicationForm:
        return next(f for f in self.forms if f.name == name)


@dataclass(frozen=True)
class FormFeatures:
    """What a form is recognised by, as one medication record states it."""

    text: str
    route_codes: tuple[Code, ...] = ()
    interval_days: float | None = None
    doses_per_day: float | None = None


def features_of(m: MedicationFact) -> FormFeatures:
    return FormFeatures(
        m.text,
        m.route_codes,
        _float(m.interval_days),
        _float(m.doses_per_day),
    )


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _sign_holds(sign: FormSign, f: FormFeatures, value_sets: Mapping[str, ValueSet]) -> bool:
    tests: list[bool] = []
    text = f.text.lower()
    if sign.words or sign.phrases:
        words = set(re.split(r"[^a-z]+", text))
        tests.append(
            any(w.lower() in words for w in sign.words)
            or any(p.lower() in text for p in sign.phrases)
        )
    if sign.route is not None:
        tests.append(value_sets[sign.route].matches_any(f.route_codes) is not None)
    if sign.min_interval_days is not None:
        tests.append(f.interval_days is not None and f.interval_days >= sign.min_interval_days)
    if sign.above_doses_per_day is not None:
        tests.append(f.doses_per_day is not None and f.doses_per_day > sign.above_doses_per_day)
    return bool(tests) and all(tests)


def form_of(group: FormGroup, f: FormFeatures, value_sets: Mapping[str, ValueSet]) -> str | None:
    """The name of the first form of ``group`` recognised in ``f``, or None (unknown)."""
    for form in group.forms:
        if any(_sign_holds(s, f, value_sets) for s in form.signs):
            return form.name
    return None


# Route codes travel through the staging tables as one string (one "system|code" a line), so
# that the population path can fetch the distinct combinations and call form_of on them.
def route_key(codes: tuple[Code, ...]) -> str:
    return "\n".join(f"{c.system}|{c.code}" for c in codes)


def route_codes(key: str | None) -> tuple[Code, ...]:
    out = []
    for line in (key or "").splitlines():
        system, _, code = line.rpartition("|")
        out.append(Code(system, code))
    return tuple(out)


# --- the protocol file's ``medication_forms:`` ----------------------------------------------

_SIGN_KEYS = {"words", "phrases", "route", "min_interval_days", "above_doses_per_day"}


def parse_form_groups(raw: Any, source: str) -> dict[str, FormGroup]:
    """``medication_forms: {group: {description, forms: {name: {label, signs: [sign…]}}}}``,
    each sign a mapping of :class:`FormSign`'s fields (docs/protocols.md "Medication forms")."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ProtocolError(
            "medication_forms is a mapping of group: {forms: …}",
            source=source,
            field="medication_forms",
        )
    return {str(name): _group(str(name), body, source) for name, body in raw.items()}


def _group(name: str, body: Any, source: str) -> FormGroup:
    where = f"medication_forms.{name}"
    if not isinstance(body, Mapping) or not isinstance(body.get("forms"), Mapping):
        raise ProtocolError(
            "a form group is {description, forms: {name: {label, signs}}}",
            source=source,
            field=where,
        )
    forms = []
    for form_name, form in body["forms"].items():
        at = f"{where}.forms.{form_name}"
        signs = form.get("signs") if isinstance(form, Mapping) else None
        if not isinstance(signs, list) or not signs:
            raise ProtocolError(
                "a form needs signs: a list of ways to recognise it", source=source, field=at
            )
        forms.append(
            MedicationForm(
                str(form_name),
                str(form.get("label") or form_name),
                tuple(_sign(s, f"{at}.signs[{i}]", source) for i, s in enumerate(signs)),
            )
        )
    return FormGroup(name, tuple(forms), " ".join(str(body.get("description") or "").split()))


def _sign(body: Any, where: str, source: str) -> FormSign:
    if not isinstance(body, Mapping) or not body or set(body) - _SIGN_KEYS:
        raise ProtocolError(
            f"a sign states one or more of {', '.join(sorted(_SIGN_KEYS))}",
            source=source,
            field=where,
        )

    def texts(key: str) -> tuple[str, ...]:
        value = body.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ProtocolError(f"{key} is a list of texts", source=source, field=f"{where}.{key}")
        return tuple(value)

    def number(key: str) -> float | None:
        value = body.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ProtocolError(f"{key} is a number ≥ 0", source=source, field=f"{where}.{key}")
        return float(value)

    route = body.get("route")
    return FormSign(
        texts("words"),
        texts("phrases"),
        None if route is None else str(route),
        number("min_interval_days"),
        number("above_doses_per_day"),
    )
