"""Dose check before a cycle: proceed, withhold, resume at reduced activity, or discontinue.

The rules are the protocol's dose-modification table (``regimen.yaml``, read by
:mod:`trialkit.dosing.regimen`); this module interprets any such table and names no trial.
Safe readings where a table is silent: a required pre-dose lab or derived value that is
missing, conflicting, implausible or cannot be converted never yields "proceed" — it yields
``withhold_pending_data``, as does a lab a grade row reads that cannot be graded; a reduced
dose that did not bring the toxicity back is followed by the full activity where the
parameter ``reescalate_after_reduced_dose`` says so; a ``report`` row changes nothing and is
said in the notes. A row on a lab the regimen does not require does not apply while that lab
is absent (the table's reading for optional labs) — unless the row's other parts already hold:
albumin below its limit with no INR recorded is "needed to rule out hepatotoxicity", and that
withholds pending data too (trialkit reading: never "proceed" on doubtful labs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from trialkit.calculators import calculator
from trialkit.ctcae import TERMS, grade
from trialkit.dosing.parameters import DosingParameters
from trialkit.dosing.regimen import SUBJECT_WEIGHT, Condition, PreDoseLab, Regimen, Row
from trialkit.errors import UnitError
from trialkit.quality import (
    PlausibleRange,
    conflict_reason,
    disagree,
    implausible,
    latest_day,
    reader_unit,
)
from trialkit.units import convert
from trialkit.wording import number


@dataclass(frozen=True)
class Lab:
    key: str
    value: float
    unit: str | None
    date: date
    uln: float | None = None
    lln: float | None = None
    source: str | None = None


@dataclass(frozen=True)
class CheckInput:
    subject: str
    first_dose: date
    cycle_due: int
    check_date: date
    labs: tuple[Lab, ...]
    sex: str | None = None
    age: int | None = None
    weight_kg: float | None = None
    # pre-treatment values for the table's "from baseline" rows: lab or derived key → value
    # in its canonical unit (absent: those rows cannot apply)
    baselines: Mapping[str, float] = field(default_factory=dict)
    prior_reductions: tuple[str, ...] = ()  # toxicities that already led to a reduced dose
    on_hold: str | None = None  # toxicity for which the cycle is currently withheld
    # the highest grade of the adverse events related to the study drug that no pre-dose lab
    # covers (the table's related_ae_grade_at_least rows), ongoing on the check date
    other_related_toxicity_grade: int | None = None
    # earlier cycles given at a reduced activity with no toxicity recorded as the cause (the
    # investigator's decision): a reduction all the same (re-escalation per the parameter)
    prior_reduced_cycles: tuple[int, ...] = ()
    # what the caller could not decide (e.g. an adverse event's causality not yet assessed):
    # never "proceed" on it — withhold pending data
    pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabEvidence:
    key: str
    value: float
    unit: str | None
    canonical: float
    canonical_unit: str
    date: date
    grade: int | None
    source: str | None
    uln_canonical: float | None = None  # the result's own ULN in the canonical unit
    possible_grades: tuple[int, ...] = ()  # CTCAE grades still consistent with the result

    def to_json(self) -> dict[str, Any]:
        return {
            "lab": self.key,
            "value": self.value,
            "unit": self.unit,
            "canonical": self.canonical,
            "canonical_unit": self.canonical_unit,
            "lab_date": self.date.isoformat(),
            "ctcae_grade": self.grade,
            "source": self.source,
        }


@dataclass(frozen=True)
class Finding:
    toxicity: str
    rule: str
    labs: tuple[LabEvidence, ...]
    source: str = ""  # the table row's source (label, protocol)
    action: str = "withhold_then_reduce"


@dataclass(frozen=True)
class Decision:
    decision: str  # proceed / withhold / resume_reduced / discontinue / withhold_pending_data
    activity_gbq: float | None
    until: str | None
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    due_date: date
    delay_days: int
    labs: tuple[LabEvidence, ...] = field(default=())
    overrides: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "activity_gbq": self.activity_gbq,
            "until": self.until,
            "due_date": self.due_date.isoformat(),
            "delay_days": self.delay_days,
            "findings": [
                {
                    "toxicity": f.toxicity,
                    "rule": f.rule,
                    "action": f.action,
                    "source": f.source,
                    "labs": [x.to_json() for x in f.labs],
                }
                for f in self.findings
            ],
            "labs_used": [x.to_json() for x in self.labs],
            "notes": list(self.notes),
            "parameters_overridden": {
                k: {"default": d, "value": v} for k, (d, v) in self.overrides.items()
            },
        }


def _evidence(lab: Lab, spec: PreDoseLab) -> LabEvidence:
    term, unit, analyte = spec.ctcae, spec.unit, spec.analyte
    canonical = convert(lab.value, lab.unit, unit, analyte=analyte)
    uln = None if lab.uln is None else convert(lab.uln, lab.unit, unit, analyte=analyte)
    graded = grade(term, lab.value, lab.unit, uln=lab.uln, lln=lab.lln) if term else None
    g = None if graded is None else graded.grade
    possible = () if graded is None else graded.possible_grades
    return LabEvidence(
        lab.key, lab.value, lab.unit, canonical, unit, lab.date, g, lab.source, uln, possible
    )


def _pick(
    labs: tuple[Lab, ...],
    spec: PreDoseLab,
    since: date,
    until: date,
    plausible: PlausibleRange | None,
    shown: list[LabEvidence],
) -> LabEvidence | str | None:
    """The one agreed result of the latest day in the window (quality.latest_day), else why
    not (a same-day conflict, an unconvertible unit, an impossible value), else None (none).
    Every result of that latest day is appended to ``shown`` (the labs used)."""
    key = spec.key
    latest = latest_day(
        (lab for lab in labs if lab.key == key and since <= lab.date <= until), lambda x: x.date
    )
    if latest is None:
        return None
    read: list[LabEvidence] = []
    for lab in latest.results:
        try:
            read.append(_evidence(lab, spec))
        except UnitError as exc:
            return f"{key} on {lab.date}: {exc}"
    shown.extend(read)
    for e in read:
        why = implausible(e.canonical, plausible)
        if why is not None:
            return f"{key} on {e.date} ({e.source or 'no source'}): {why}; it decides nothing"
    if disagree(read, lambda e: (e.canonical, e.grade)):
        values = ", ".join(f"{e.canonical:g}" for e in read)
        unit = reader_unit(read[0].canonical_unit)
        values += f" {unit}" if unit else ""
        return f"{conflict_reason(len(read), key, latest.day)} ({values}); none decides"
    return read[0]


def check_dose(
    c: CheckInput,
    params: DosingParameters,
    plausible: Mapping[str, PlausibleRange] | None = None,
) -> Decision:
    """The decision before ``c.cycle_due`` by the regimen's table (``params.regimen``).
    ``plausible`` maps a lab key to the protocol's physiologically possible range
    (quality.plausible): a value outside it decides nothing."""
    regimen = params.regimen
    due = c.first_dose + timedelta(days=params.interval_days * (c.cycle_due - 1))
    delay = max(0, (c.check_date - due).days)
    since = c.check_date - timedelta(days=params.lab_lookback_days)
    used: dict[str, LabEvidence] = {}
    shown: list[LabEvidence] = []
    missing: list[str] = []
    for key, spec in regimen.labs.items():
        picked = _pick(c.labs, spec, since, c.check_date, (plausible or {}).get(key), shown)
        if picked is None:
            if spec.required:
                missing.append(
                    f"{key} within {params.lab_lookback_days} days before {c.check_date}"
                )
        elif isinstance(picked, str):
            missing.append(picked)
        else:
            used[key] = picked
    derived = _derive(c, regimen, used, missing)
    missing.extend(c.pending)
    notes: list[str] = []
    findings: list[Finding] = []
    if not missing:
        ctx = _Context(c, params, used, derived)
        for row in regimen.table:
            met, parts, evidence = ctx.row_holds(row.when, row.label)
            if not met:
                continue
            if row.action == "report":
                notes.append(row.note or f"{row.label}: {'; '.join(parts)} (no dose change)")
            else:
                findings.append(_finding(row, parts, evidence))
        missing += ctx.ungradable + ctx.undecided
        if ctx.ungradable or ctx.undecided:
            findings, notes = [], []
    labs = tuple(shown)
    # a reduced dose that did not bring the toxicity back is followed by the full dose
    # (parameter reescalate_after_reduced_dose); while withheld the resumed dose is reduced
    was_reduced = bool(c.prior_reductions or c.prior_reduced_cycles)
    reescalate = was_reduced and params.reescalate_after_reduced_dose
    reduced = (was_reduced and not reescalate) or c.on_hold is not None
    current = params.reduced_activity_gbq if reduced else params.activity_gbq
    overrides = params.overrides()

    def decide(kind: str, activity: float | None, until: str | None) -> Decision:
        return Decision(
            kind, activity, until, tuple(findings), tuple(notes), due, delay, labs, overrides
        )

    if missing:
        notes.append("missing, conflicting or unusable: " + "; ".join(missing))
        return decide("withhold_pending_data", None, "the missing or conflicting pre-dose results")
    if findings:
        final = [f.toxicity for f in findings if f.action == "discontinue"]
        if final:
            notes.append(f"{', '.join(final)}: discontinue (dose-modification table)")
            return decide("discontinue", None, None)
        recurrent = [f.toxicity for f in findings if f.toxicity in c.prior_reductions]
        if recurrent:
            notes.append(
                f"recurrent {_words(regimen, recurrent)} after a dose reduction "
                "(dose-modification table: discontinue)"
            )
            return decide("discontinue", None, None)
        if delay >= params.max_delay_days:
            notes.append(
                f"toxicity not resolved {delay} days after the due date (discontinue at a "
                f"delay ≥ {_weeks(params.max_delay_days)}, parameter max_delay_days)"
            )
            return decide("discontinue", None, None)
        until = "; ".join(regimen.row(f.toxicity).until or "" for f in findings)
        notes.append(f"then resume at {params.reduced_activity_gbq:g} GBq")
        return decide("withhold", None, until)
    if c.on_hold is not None:
        held = tuple(c.on_hold.split(", "))
        notes.append(f"{_words(regimen, held)} resolved: resume at the reduced activity")
        return decide("resume_reduced", params.reduced_activity_gbq, None)
    if delay > params.window_days:
        notes.append(f"dose {delay} days after the due date (window ±{params.window_days} days)")
    if reescalate:
        notes.append(
            f"{_reductions(c, regimen)}: re-escalate to {params.activity_gbq:g} GBq (parameter "
            "reescalate_after_reduced_dose)"
        )
    elif was_reduced:
        notes.append(
            f"stays at the reduced {params.reduced_activity_gbq:g} GBq "
            "(parameter reescalate_after_reduced_dose = false)"
        )
    return decide("proceed", current, None)


def _compound(cond: Condition) -> bool:
    return cond.test in ("any", "all")


def _words(regimen: Regimen, names: tuple[str, ...] | list[str]) -> str:
    """Toxicities as the table's rows name them in words (``label``)."""
    labels = {r.toxicity: r.label for r in regimen.table}
    return ", ".join(labels.get(n, n) for n in names)


def _reductions(c: CheckInput, regimen: Regimen) -> str:
    """The earlier reductions in words, for the re-escalation note."""
    parts = []
    if c.prior_reductions:
        words = _words(regimen, c.prior_reductions)
        parts.append(f"no recurrence of {words} after the reduced dose")
    if c.prior_reduced_cycles:
        cycles = ", ".join(str(n) for n in c.prior_reduced_cycles)
        parts.append(
            f"cycle {cycles} given at a reduced activity with no toxicity recorded as the cause"
        )
    return "; ".join(parts)


def _weeks(days: int) -> str:
    return f"{days // 7} weeks" if days % 7 == 0 else f"{days} days"


@dataclass(frozen=True)
class _Derived:
    value: float
    unit: str
    short: str
    labs: tuple[LabEvidence, ...]


def _derive(
    c: CheckInput, regimen: Regimen, used: Mapping[str, LabEvidence], missing: list[str]
) -> dict[str, _Derived]:
    """The regimen's derived values (calculators, the one formula of each) from the labs
    used and the subject's weight, age and sex; a required one that cannot be computed is
    missing data."""
    out: dict[str, _Derived] = {}
    for key, d in regimen.derived.items():
        calc = calculator(d.calculator)
        values: dict[str, Any] = {}
        evidence: list[LabEvidence] = []
        for name, bound in d.inputs.items():
            if bound == SUBJECT_WEIGHT:
                values[name] = c.weight_kg
            elif bound in used:
                values[name] = used[bound].canonical
                evidence.append(used[bound])
        kinds = {i.kind for i in calc.inputs}
        complete = all(values.get(i.name) is not None for i in calc.number_inputs())
        if "age" in kinds:
            complete = complete and c.age is not None
            values["age"] = c.age
        if "sex" in kinds:
            complete = complete and c.sex in ("male", "female")
            values["female"] = c.sex == "female"
        if not complete:
            if d.required:
                needed = [i.name for i in calc.number_inputs()]
                needed += [k for k in ("age", "sex") if k in kinds]
                words = ", ".join(needed[:-1]) + f" and {needed[-1]}" if len(needed) > 1 else ""
                missing.append(f"{d.label} ({words or needed[0]} needed)")
            continue
        out[key] = _Derived(calc.compute(values), d.unit, d.short, tuple(evidence))
    return out


def _finding(row: Row, parts: list[str], evidence: list[LabEvidence]) -> Finding:
    verb = "discontinue" if row.action == "discontinue" else "withhold"
    unique = tuple(dict.fromkeys(evidence))
    return Finding(
        row.toxicity, f"{row.label}: {'; '.join(parts)}: {verb}", unique, row.source, row.action
    )


class _Context:
    """One check's values, asked each condition of the table."""

    def __init__(
        self,
        c: CheckInput,
        params: DosingParameters,
        used: Mapping[str, LabEvidence],
        derived: Mapping[str, _Derived],
    ) -> None:
        self.c, self.params, self.used, self.derived = c, params, used, derived
        self.ungradable: list[str] = []
        self.undecided: list[str] = []

    def threshold(self, cond: Condition) -> float:
        t = cond.threshold
        value = self.params.value(t) if isinstance(t, str) else t
        assert isinstance(value, int | float)
        assert not isinstance(value, bool)
        return float(value)

    def row_holds(self, cond: Condition, label: str) -> tuple[bool, list[str], list[LabEvidence]]:
        """A table row's condition; one that only an unrecorded optional lab keeps from
        deciding is noted in :attr:`undecided` (it withholds pending data)."""
        met, parts, evidence = self.holds(cond)
        if met is None and _compound(cond):
            self.undecided.append(f"{label}: {'; '.join(parts)}")
        return met is True, parts, evidence

    def holds(self, cond: Condition) -> tuple[bool | None, list[str], list[LabEvidence]]:
        """(met — ``None`` while an optional lab it needs is unrecorded —, what was found in
        words, the labs it read). A lone unrecorded optional lab cannot make a row apply;
        inside ``all`` whose other parts hold, it leaves the row undecided."""
        if cond.test in ("any", "all"):
            results = [self.holds(p) for p in cond.parts]
            values = [
                False if r[0] is None and not _compound(p) and cond.test == "any" else r[0]
                for p, r in zip(cond.parts, results, strict=True)
            ]
            if cond.test == "any":
                met = True if True in values else (None if None in values else False)
            elif False in values:
                met = False
            else:
                met = True if None not in values else (None if True in values else False)
            if met is None:
                return None, [w for r in results if r[0] is not False for w in r[1]], []
            if not met:
                return False, [], []
            hits = [r for r in results if r[0]]
            parts = [p for r in hits for p in r[1]]
            if cond.test == "all":
                parts = [" with ".join(parts)]
            return True, parts, [e for r in hits for e in r[2]]
        if cond.test == "related_ae":
            g, n = self.c.other_related_toxicity_grade, int(self.threshold(cond))
            met = g is not None and g >= n
            return met, [f"related adverse event grade {g} (≥ {n})"] if met else [], []
        if cond.lab is not None:
            e = self.used.get(cond.lab)
            if e is None:  # an optional lab not recorded
                spec = self.params.regimen.labs[cond.lab]
                return None, [f"{spec.short} not recorded (needed to rule it out)"], []
            value, unit, evidence = e.canonical, e.canonical_unit, [e]
            short = self.params.regimen.labs[cond.lab].short
        else:
            assert cond.derived is not None
            d = self.derived.get(cond.derived)
            if d is None:
                return None, [f"{cond.derived} not computable (needed to rule it out)"], []
            value, unit, evidence, short = d.value, d.unit, list(d.labs), d.short
        return self._test(cond, short, value, unit, evidence)

    def _test(
        self, cond: Condition, short: str, value: float, unit: str, evidence: list[LabEvidence]
    ) -> tuple[bool, list[str], list[LabEvidence]]:
        if cond.test == "grade_at_least":
            e = evidence[0]
            n = int(self.threshold(cond))
            if e.grade is None:
                # undeterminable (a reference limit missing): it decides only where every
                # grade still possible falls on one side of the row's threshold
                if e.possible_grades and max(e.possible_grades) < n:
                    return False, [], []
                if e.possible_grades and min(e.possible_grades) >= n:
                    low = min(e.possible_grades)
                    return True, [f"{short} grade ≥ {low} (grade ≥ {n})"], evidence
                self.ungradable.append(
                    f"{e.key} on {e.date}: CTCAE grade undeterminable "
                    f"(grades {', '.join(map(str, e.possible_grades))} possible)"
                )
                return False, [], []
            met = e.grade >= n
            return met, [f"{short} grade {e.grade} (grade ≥ {n})"] if met else [], evidence
        threshold = self.threshold(cond)
        key = cond.lab or cond.derived or ""
        spelled = reader_unit(unit)
        if cond.test in ("below", "above"):
            analyte = self.params.regimen.labs[cond.lab].analyte if cond.lab else None
            limit = convert(threshold, cond.unit, unit, analyte=analyte)
            met = value < limit if cond.test == "below" else value > limit
            sign = "<" if cond.test == "below" else ">"
            text = f"{short} {number(value)} {spelled} {sign} {number(limit)}".replace("  ", " ")
            return met, [text] if met else [], evidence
        if cond.test == "above_uln":
            e = evidence[0]
            spec = self.params.regimen.labs[e.key]
            default = TERMS[spec.ctcae or ""].default_uln
            uln = e.uln_canonical or default
            assert uln is not None
            ratio = value / uln
            met = ratio > threshold
            return met, [f"{short} {ratio:.2f} × ULN (> {threshold:g})"] if met else [], evidence
        baseline = self.c.baselines.get(key)
        if not baseline:  # no pre-treatment value: a "from baseline" row cannot apply
            return False, [], []
        change = (value - baseline) / baseline * 100
        if cond.test == "rise_from_baseline_pct":
            met = change >= threshold
            text = f"{short} +{change:.0f} % from baseline (≥ {threshold:g} %)"
        else:
            met = -change >= threshold
            text = f"{short} −{-change:.0f} % from baseline (≥ {threshold:g} %)"
        return met, [text] if met else [], evidence
