"""A plausible screening population for any protocol, built from the protocol alone (issue 15
point 8: ``trialkit synth --protocol``).

Where :mod:`trialkit.synth.nodes` draws adversarial patients around every value a
node tests (for the differential test), this module builds patients a site could meet: each
criterion's tree is walked with the outcome the patient should get (an inclusion met, an
exclusion not met), and every leaf sets the facts that give it — a lab value inside the
element's thresholds and plausible range (sometimes exactly on the limit, sometimes in another
unit the element converts from), a code of the value set, a date inside the window of its
anchor, a CRF answer of the Questionnaire item's type. Then a patient meant to be ineligible
gets one criterion walked the other way, and one meant to be incomplete gets one criterion's
data spoiled: missing, stale, an unusable status, an unconvertible unit, a CRF answer of the
wrong type, or CRF and EHR in conflict. Lesion groups come from the protocol's own examples.

Nothing here names a trial. The outcome each patient gets is the engine's (the evaluator's),
not the intent: :func:`population` redraws a patient a few times until the evaluator agrees
with the intent, so the mix is close to the one asked for, and says what it got.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from trialkit.eligibility.screening import PatientResult, screen_record
from trialkit.model.codes import Code
from trialkit.model.record import (
    CrfAnswer,
    PatientRecord,
)
from trialkit.protocol import nodes as n
from trialkit.protocol.forms import FormSign
from trialkit.protocol.loader import questionnaire_items
from trialkit.protocol.model import Protocol
from trialkit.units.ucum import is_convertible
from trialkit.wording import count

INTENTS = ("eligible", "ineligible", "incomplete")
DEFAULT_MIX = (0.7, 0.18, 0.12)
"""Shares of patients meant to be eligible, ineligible and incomplete."""
SPOILS = ("missing", "stale", "status", "unit", "wrong-type", "conflict")
_OTHER_UNITS = (  # candidate units a site may report in; kept when UCUM converts them
    "g/L", "g/dL", "mg/dL", "mg/L", "umol/L", "mmol/L", "10*9/L", "10*3/uL", "/mm3",
    "U/L", "[IU]/L", "kg", "[lb_av]", "cm", "[in_i]", "%", "s", "pg/mL", "ng/mL",
)  # fmt: skip
_NEVER_CONVERTS = "K/uL"  # kelvin per microlitre in UCUM: what sites write for 10*3/uL


@dataclass
class _Lab:
    low: float = float("-inf")
    high: float = float("inf")
    low_open: bool = False
    high_open: bool = False
    days_ago: int = 3
    spoil: str | None = None


@dataclass
class _Plan:
    """The facts of one patient, as the walk sets them."""

    labs: dict[str, _Lab] = field(default_factory=dict)
    qualitative: dict[str, bool] = field(default_factory=dict)
    age: tuple[int, int] = (40, 75)
    sex: str | None = None
    conditions: dict[str, int | None] = field(default_factory=dict)  # value set → days ago
    # value set → (days ago, the declared sign of the form it must be recognised as)
    medications: dict[str, tuple[int, FormSign | None]] = field(default_factory=dict)
    procedures: dict[str, int] = field(default_factory=dict)
    allergies: set[str] = field(default_factory=set)
    consents: dict[tuple[str, str | None], bool] = field(default_factory=dict)
    crf: dict[str, Any] = field(default_factory=dict)
    crf_numbers: dict[str, _Lab] = field(default_factory=dict)
    lesions: bool = True
    small_lesions: bool = False
    lesion_items: dict[str, _Lab] = field(default_factory=dict)  # per-lesion item → bounds
    absent: set[str] = field(default_factory=set)  # value sets no record may fall in
    spoiled: dict[str, str] = field(default_factory=dict)  # fact → how


class _Walker:
    def __init__(self, rng: random.Random, p: Protocol, as_of: date) -> None:
        self.rng, self.p, self.as_of = rng, p, as_of
        self.items = questionnaire_items(p.questionnaire)
        self.plan = _Plan()
        self.spoil: str | None = None  # while set, leaves spoil their facts instead
        self.fresh = False  # while set, leaves forget the bounds other criteria set

    def number(self, value: n.Number | None) -> float | None:
        if isinstance(value, n.Param):
            raw = self.p.parameters[value.name].default
            ok = isinstance(raw, int | float) and not isinstance(raw, bool)
            return float(raw) if ok else None
        return value

    def threshold(self, element: str | None, c: n.Comparison) -> float | None:
        if c.uln_multiple is not None:
            uln = self.p.elements[element].uln_param if element else None
            base = self.number(n.Param(uln)) if uln else None
            return c.uln_multiple * base if base else None
        return self.number(c.value)

    def window_days_ago(self, w: n.Window | None, inside: bool = True) -> int:
        """Days before as-of of a date inside (or well outside) ``w``; anchors other than
        as-of are set by :meth:`anchor_dates` relative to as-of."""
        if w is None:
            return self.rng.randint(30, 700) if inside else 4000
        before = int(self.number(w.days) or 0)
        offset = self.anchor_offset(w.anchor)
        if inside:
            return offset + self.rng.randint(0, max(before - 1, 0)) if before else offset
        return offset + before + self.rng.randint(5, 60)

    def anchor_offset(self, anchor: str) -> int:
        """Days before as-of of each anchor in this population (a first dose is after it)."""
        if anchor == self.p.first_dose_anchor():
            return -7
        return 0 if anchor == n.AS_OF else 200

    # --- the walk ------------------------------------------------------------------------

    def walk(self, node: object, want: bool) -> None:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", type(node).__name__).lower()
        handler = getattr(self, f"_{snake}", None)  # a node type it does not know sets nothing
        if handler is not None:
            handler(node, want)

    def _all_of(self, node: n.AllOf, want: bool) -> None:
        if want or not node.children or self.spoil is not None:  # spoiling: every child
            for child in node.children:
                self.walk(child, want)
            return
        # one child fails; the others are left alone (false decides an AND whatever they are)
        self.walk(self.rng.choice(node.children), False)

    def _any_of(self, node: n.AnyOf, want: bool) -> None:
        if not want or self.spoil is not None:  # spoiling: every child
            for child in node.children:
                self.walk(child, want)
        elif node.children:
            self.walk(self.rng.choice(node.children), True)

    def _not(self, node: n.Not, want: bool) -> None:
        self.walk(node.child, not want)

    def _reconcile(self, node: n.Reconcile, want: bool) -> None:
        self.walk(node.ehr, want)
        if self.spoil == "conflict":  # the CRF asserts the opposite of the EHR
            self.spoil = None
            self.walk(node.crf, not want)
            self.spoil = "conflict"
        else:
            self.walk(node.crf, want)

    def _guard(self, node: n.Guard, want: bool) -> None:
        # ``conflict`` is left unset: unknown or not met, it leaves ``rule``'s verdict alone
        self.walk(node.rule, want)

    def _ask(self, node: n.Ask, want: bool) -> None:
        self.walk(node.crf, want)

    def _if(self, node: n.If, want: bool) -> None:
        condition = self.rng.random() < 0.5
        spoil, self.spoil = self.spoil, None
        self.walk(node.condition, condition)
        self.spoil = spoil
        self.walk(node.then if condition else node.otherwise, want)

    def _lab(self, node: n.Lab, want: bool) -> None:
        if self._spoiled(f"lab:{node.element}"):
            return
        if self.fresh or node.element not in self.plan.labs:
            self.plan.labs[node.element] = _Lab()
        lab = self.plan.labs[node.element]
        lookback = int(self.number(node.lookback) or 28)
        lab.days_ago = self.rng.randint(0, min(lookback - 1, 20)) if lookback > 0 else 0
        if node.comparison is not None:
            value = self.threshold(node.element, node.comparison)
            if value is not None:
                _bound(lab, node.comparison.op, value, want)
        if node.range is not None:
            if want:
                lab.low, lab.high = max(lab.low, node.range.low), min(lab.high, node.range.high)
            else:
                lab.low, lab.low_open, lab.high = node.range.high, True, float("inf")

    def _qualitative(self, node: n.Qualitative, want: bool) -> None:
        if not self._spoiled(f"qual:{node.element}"):
            self.plan.qualitative[node.element] = want

    def _derived(self, node: n.Derived, want: bool) -> None:
        derived = self.p.derived.get(node.name)
        for element in derived.inputs.values() if derived else ():
            if element in self.p.elements and not self._spoiled(f"lab:{element}"):
                self.plan.labs.setdefault(element, _Lab())

    def _age(self, node: n.Age, want: bool) -> None:
        if self._spoiled("birth"):
            return
        low, high = node.min if node.min is not None else 18, node.max or 90
        if self.fresh:
            self.plan.age = (18, 90)
        if want:
            self.plan.age = (max(low, self.plan.age[0]), min(high, self.plan.age[1]))
        elif node.min is not None and node.min > 1:
            self.plan.age = (max(node.min - 12, 1), node.min - 1)
        else:
            self.plan.age = (high + 1, high + 8)

    def _sex(self, node: n.Sex, want: bool) -> None:
        if not self._spoiled("sex"):
            other = "male" if node.value == "female" else "female"
            self.plan.sex = node.value if want else other

    def _condition_present(self, node: n.ConditionPresent, want: bool) -> None:
        key = f"vs:{node.value_set}"
        if self._spoiled(key):
            return
        if want:
            years = self.number(node.years)
            most = int(years * 365) - 30 if years else 1500
            self.plan.conditions[node.value_set] = self.rng.randint(30, max(most, 31))
        else:
            self.plan.conditions.pop(node.value_set, None)
            self.plan.absent.add(node.value_set)

    def _medication_exposure(self, node: n.MedicationExposure, want: bool) -> None:
        if self._spoiled(f"vs:{node.value_set}"):
            return
        if want:
            ago = self.window_days_ago(node.within) if node.within else self.rng.randint(20, 300)
            sign = None
            if node.form is not None and node.forms in self.p.medication_forms:
                signs = self.p.medication_forms[node.forms].form(node.form).signs
                sign = self.rng.choice(signs) if signs else None
            self.plan.medications[node.value_set] = (ago, sign)
        else:
            self.plan.medications.pop(node.value_set, None)
            self.plan.absent.add(node.value_set)

    def _procedure_done(self, node: n.ProcedureDone, want: bool) -> None:
        if self._spoiled(f"vs:{node.value_set}"):
            return
        if want:
            self.plan.procedures[node.value_set] = self.window_days_ago(node.within)
        else:
            self.plan.procedures.pop(node.value_set, None)
            self.plan.absent.add(node.value_set)

    def _allergy_recorded(self, node: n.AllergyRecorded, want: bool) -> None:
        if self._spoiled(f"allergy:{node.value_set}"):
            return
        (self.plan.allergies.add if want else self.plan.allergies.discard)(node.value_set)
        if not want:
            self.plan.absent.add(node.value_set)

    def _consent_signed(self, node: n.ConsentSigned, want: bool) -> None:
        key = (node.scope_value_set, node.study_value_set)
        if not self._spoiled(f"consent:{key}"):
            self.plan.consents[key] = want

    def _crf_answer(self, node: n.CrfAnswer, want: bool) -> None:
        if self._spoiled(f"crf:{node.link}"):
            return
        if node.equals is not None:
            self.plan.crf[node.link] = node.equals if want else not node.equals
        elif node.one_of is not None:
            options = [o for o in self.options(node.link) if (o in node.one_of) == want]
            if options:
                self.plan.crf[node.link] = Code(self.system(node.link), self.rng.choice(options))
        elif node.comparison is not None or node.range is not None:
            if self.fresh or node.link not in self.plan.crf_numbers:
                self.plan.crf_numbers[node.link] = _Lab()
            bounds = self.plan.crf_numbers[node.link]
            if node.comparison is not None:
                value = self.threshold(None, node.comparison)
                if value is not None:
                    _bound(bounds, node.comparison.op, value, want)
            if node.range is not None:
                if want:
                    bounds.low = max(bounds.low, node.range.low)
                    bounds.high = min(bounds.high, node.range.high)
                else:
                    bounds.low, bounds.low_open = node.range.high, True
                    bounds.high = float("inf")
        elif node.on_or_before is not None:
            w = node.on_or_before
            edge = self.anchor_offset(w.anchor) + int(self.number(w.days) or 0)
            ago = edge + self.rng.randint(0, 60) if want else edge - self.rng.randint(1, 10)
            self.plan.crf[node.link] = self.as_of - timedelta(days=ago)

    def _crf_history(self, node: n.CrfHistory, want: bool) -> None:
        if self._spoiled(f"crf:{node.date}") | self._spoiled(f"crf:{node.ever}"):
            return
        self.plan.crf[node.ever] = want
        if want:
            ago = self.window_days_ago(node.within)
            self.plan.crf[node.date] = self.as_of - timedelta(days=ago)
        else:
            self.plan.crf.pop(node.date, None)

    def _attestation(self, node: n.Attestation, want: bool) -> None:
        if not self._spoiled(f"crf:{node.link}"):
            self.plan.crf[node.link] = want

    def _measurable_lesion(self, node: n.MeasurableLesion, want: bool) -> None:
        if self._spoiled("lesions"):
            return
        self.plan.lesions = True
        # not measurable: every lesion under the RECIST 1.1 minimum (10 mm), when the
        # protocol's lesion group has a diameter item; else no lesion is recorded
        self.plan.small_lesions = not want
        if not want and (self.p.lesions is None or not self.p.lesions.link("diameter_mm")):
            self.plan.lesions = False

    def _every_target_lesion(self, node: n.EveryTargetLesion, want: bool) -> None:
        if self._spoiled("lesions"):
            return
        self.plan.lesions = True
        if self.fresh or node.item not in self.plan.lesion_items:
            self.plan.lesion_items[node.item] = _Lab()
        value = self.threshold(None, node.comparison)
        if value is not None:
            _bound(self.plan.lesion_items[node.item], node.comparison.op, value, want)

    def _spoiled(self, fact: str) -> bool:
        """While spoiling, record how ``fact`` is spoiled (and skip setting it)."""
        if self.spoil is None:
            return False
        # a consent or an allergy has no stale, unusable or unconvertible form here
        plain = fact.startswith(("consent:", "allergy:"))
        how = "missing" if self.spoil == "conflict" or plain else self.spoil
        self.plan.spoiled[fact] = how
        return how == "missing"

    # --- the Questionnaire ----------------------------------------------------------------

    def options(self, link: str) -> list[str]:
        item = self.items.get(link, {})
        return [str(o["valueCoding"]["code"]) for o in item.get("answerOption", [])]

    def system(self, link: str) -> str:
        item = self.items.get(link, {})
        systems = [o["valueCoding"].get("system", "") for o in item.get("answerOption", [])]
        return str(systems[0]) if systems else ""


def _bound(b: _Lab, op: str, value: float, want: bool) -> None:
    """Narrow ``b`` so that ``x op value`` is ``want``."""
    upper = (op in ("<", "<=")) == want  # the value must stay below the threshold
    inclusive = op in ("<=", ">=") if want else op in ("<", ">")
    if upper:
        if value < b.high or (value == b.high and not inclusive):
            b.high, b.high_open = value, not inclusive
    elif value > b.low or (value == b.low and not inclusive):
        b.low, b.low_open = value, not inclusive


@dataclass(frozen=True)
class Synthesised:
    """One patient: the record, what it was meant to be and what the evaluator says."""

    record: PatientRecord
    intent: str
    result: PatientResult


def population(
    p: Protocol,
    patients: int,
    seed: int,
    *,
    as_of: date,
    mix: tuple[float, float, float] = DEFAULT_MIX,
    edge: float = 0.1,
    attempts: int = 6,
) -> list[Synthesised]:
    """``patients`` records for ``p`` (same seed, same population), each redrawn up to
    ``attempts`` times until the evaluator gives it its intended status."""
    rng = random.Random(seed)
    examples = _example_lesions(p)
    params = p.defaults()
    out = []
    turns = dict.fromkeys(INTENTS, 0)  # each intent takes the criteria in turn as its target
    shares = {k: w / sum(mix) for k, w in zip(INTENTS, mix, strict=True)}
    for i in range(patients):
        # the intent furthest behind its share: the mix is exact, not drawn
        intent = max(INTENTS, key=lambda k: (i + 1) * shares[k] - turns[k])
        target = p.criteria[turns[intent] % len(p.criteria)] if p.criteria else None
        turns[intent] += 1
        for _ in range(attempts):
            sub = random.Random(rng.getrandbits(64))
            record = build(sub, p, f"syn-{i + 1:05d}", as_of, intent, target, examples, edge)
            result = screen_record(record, p, params, as_of=as_of)
            if result.status.value == intent:
                break
        out.append(Synthesised(record, intent, result))
    return out


def build(
    rng: random.Random,
    p: Protocol,
    pid: str,
    as_of: date,
    intent: str,
    target: Any,
    lesions: tuple[dict[str, CrfAnswer], ...] = (),
    edge: float = 0.1,
) -> PatientRecord:
    """One patient meant to be ``intent``; ``target`` is the criterion an ineligible patient
    fails or an incomplete one lacks data for (another, at random, when it cannot)."""
    w = _Walker(rng, p, as_of)
    for c in p.criteria:
        w.walk(c.rule, c.kind == "inclusion")
    if intent != "eligible" and p.criteria:
        chosen = target if target is not None else rng.choice(p.criteria)
        if intent == "ineligible":
            w.fresh = True
            w.walk(chosen.rule, chosen.kind != "inclusion")
            w.fresh = False
        else:
            w.spoil = rng.choice(SPOILS)
            w.walk(chosen.rule, chosen.kind == "inclusion")
            w.spoil = None
    from trialkit.synth.record import render

    return render(w, pid, lesions, edge)


def _example_lesions(p: Protocol) -> tuple[dict[str, CrfAnswer], ...]:
    """The lesion groups of the protocol's examples (the only lesions a protocol describes)."""
    from trialkit.errors import InputError
    from trialkit.fhir.loader import load_bundle
    from trialkit.safe_io import read_json

    folder = Path(p.folder) / "examples" if p.folder else None
    if folder is None or not folder.is_dir():
        return ()
    for path in sorted(folder.glob("*.json")):
        try:
            record = load_bundle(
                read_json(path),
                source=str(path),
                questionnaire_url=p.questionnaire_url,
                lesion_group=p.lesion_group,
            )
        except InputError:
            continue
        if record.crf.lesions:
            return record.crf.lesions
    return ()


def other_units(unit: str | None, analyte: str | None) -> list[str]:
    """Units a site may report the element in that UCUM converts to ``unit``."""
    if unit is None:
        return []
    return [u for u in _OTHER_UNITS if u != unit and is_convertible(u, unit, analyte=analyte)]


def write_protocol_population(
    p: Protocol,
    patients: int,
    seed: int,
    out: Path,
    fmt: str,
    *,
    as_of: date,
    shown: Path | None = None,
) -> str:
    """Generate for ``p`` and write as ``fmt`` (fhir-bundles or fhir-ndjson); returns a
    one-line summary with the statuses the evaluator gives (naming ``shown``, default ``out``)."""
    from trialkit.synth.bundle import write_bundles, write_ndjson

    drawn = population(p, patients, seed, as_of=as_of)
    writer = write_bundles if fmt == "fhir-bundles" else write_ndjson
    files = writer([s.record for s in drawn], p, out)
    counts = {s: sum(1 for d in drawn if d.result.status.value == s) for s in INTENTS}
    mix = ", ".join(f"{n_} {status}" for status, n_ in counts.items())
    return (
        f"{count(len(drawn), 'patient')} for {p.id} (seed {seed}, screened as of {as_of}: "
        f"{mix}) → {count(len(files), 'file')} in {shown or out}"
    )
