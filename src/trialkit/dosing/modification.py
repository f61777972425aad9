"""Dose check before a cycle: proceed, withhold, resume at reduced activity, or discontinue.

Rules: Lutathera label dose-modification table (AJR 2022 Table 1, PMC10133840) as
summarised in clinical-facts §3; UNVERIFIED thresholds are :class:`DosingParameters`.
Safe readings where the table is silent: a required pre-dose lab that is missing
or cannot be graded never yields "proceed" — it yields ``withhold_pending_data``;
a reduced dose that did not bring the toxicity back is followed by the full
activity (label; parameter ``reescalate_after_reduced_dose``, clinical-facts §3);
grade 3–4 lymphopenia alone changes
nothing (label) and is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from trialkit.calculators import calculator
from trialkit.ctcae import TERMS, grade
from trialkit.dosing.parameters import DosingParameters
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

# pre-dose labs: key → (CTCAE term, canonical unit, analyte)
LABS: dict[str, tuple[str | None, str, str | None]] = {
    "hemoglobin": ("anemia", "g/L", None),
    "wbc": ("white_blood_cell_decreased", "10*9/L", None),
    "platelets": ("platelet_count_decreased", "10*9/L", None),
    "neutrophils": ("neutrophil_count_decreased", "10*9/L", None),
    "lymphocytes": ("lymphocyte_count_decreased", "10*9/L", None),
    "creatinine": ("creatinine_increased", "umol/L", "creatinine"),
    "alt": ("alanine_aminotransferase_increased", "U/L", None),
    "ast": ("aspartate_aminotransferase_increased", "U/L", None),
    "albumin": ("hypoalbuminemia", "g/L", None),
    "bilirubin": ("blood_bilirubin_increased", "umol/L", "bilirubin"),
    "inr": ("inr_increased", "1", None),
}
REQUIRED = ("hemoglobin", "wbc", "platelets", "creatinine", "alt", "ast", "albumin", "bilirubin")
# what each toxicity waits for before resuming (label table)
UNTIL = {
    "thrombocytopenia": "platelets back to grade 0–1",
    "anemia": "haemoglobin back to grade 0–2",
    "neutropenia": "neutrophils back to grade 0–2",
    "renal": "renal function back to baseline (resolution)",
    "hepatic": "liver tests back to baseline (resolution)",
    "other": "the related toxicity back to grade 0–2",
}

# how a toxicity reads in the decision's notes
TOXICITY_WORDS = {
    "anemia": "anaemia",
    "renal": "renal toxicity",
    "hepatic": "hepatotoxicity",
    "other": "other related toxicity grade 3–4",
}


def _words(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(TOXICITY_WORDS.get(n, n) for n in names)


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
    baseline_creatinine_umol_l: float | None = None
    baseline_crcl: float | None = None
    prior_reductions: tuple[str, ...] = ()  # toxicities that already led to a reduced dose
    on_hold: str | None = None  # toxicity for which the cycle is currently withheld
    # the highest grade of the adverse events related to the study drug that no pre-dose lab
    # covers (label: "other related grade 3–4"), ongoing on the check date
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

    def to_json(self) -> dict[str, Any]:
        return {
            "lab": self.key,
            "value": self.value,
            "unit": self.unit,
            "canonical": self.canonical,
            "canonical_unit": self.canonical_unit,
            "date": self.date.isoformat(),
            "ctcae_grade": self.grade,
            "source": self.source,
        }


@dataclass(frozen=True)
class Finding:
    toxicity: str
    rule: str
    labs: tuple[LabEvidence, ...]


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

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "activity_gbq": self.activity_gbq,
            "until": self.until,
            "due_date": self.due_date.isoformat(),
            "delay_days": self.delay_days,
            "findings": [
                {"toxicity": f.toxicity, "rule": f.rule, "labs": [x.to_json() for x in f.labs]}
                for f in self.findings
            ],
            "labs_used": [x.to_json() for x in self.labs],
            "notes": list(self.notes),
        }


def _evidence(lab: Lab) -> LabEvidence:
    term, unit, analyte = LABS[lab.key]
    canonical = convert(lab.value, lab.unit, unit, analyte=analyte)
    uln = None if lab.uln is None else convert(lab.uln, lab.unit, unit, analyte=analyte)
    g = grade(term, lab.value, lab.unit, uln=lab.uln, lln=lab.lln).grade if term else None
    return LabEvidence(lab.key, lab.value, lab.unit, canonical, unit, lab.date, g, lab.source, uln)


def _pick(
    labs: tuple[Lab, ...],
    key: str,
    since: date,
    until: date,
    plausible: PlausibleRange | None,
    shown: list[LabEvidence],
) -> LabEvidence | str | None:
    """The one agreed result of the latest day in the window (quality.latest_day), else why
    not (a same-day conflict, an unconvertible unit, an impossible value), else None (none).
    Every result of that latest day is appended to ``shown`` (the labs used)."""
    latest = latest_day(
        (lab for lab in labs if lab.key == key and since <= lab.date <= until), lambda x: x.date
    )
    if latest is None:
        return None
    read: list[LabEvidence] = []
    for lab in latest.results:
        try:
            read.append(_evidence(lab))
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
    """The decision before ``c.cycle_due``. ``plausible`` maps a lab key to the protocol's
    physiologically possible range (quality.plausible): a value outside it decides nothing."""
    due = c.first_dose + timedelta(days=params.interval_days * (c.cycle_due - 1))
    delay = max(0, (c.check_date - due).days)
    since = c.check_date - timedelta(days=params.lab_lookback_days)
    used: dict[str, LabEvidence] = {}
    shown: list[LabEvidence] = []
    missing: list[str] = []
    for key in LABS:
        picked = _pick(c.labs, key, since, c.check_date, (plausible or {}).get(key), shown)
        if picked is None:
            if key in REQUIRED:
                missing.append(
                    f"{key} within {params.lab_lookback_days} days before {c.check_date}"
                )
        elif isinstance(picked, str):
            missing.append(picked)
        else:
            used[key] = picked
    crcl = _cockcroft_gault(c, used)
    if crcl is None:
        missing.append("creatinine clearance (creatinine, weight, age and sex needed)")
    missing.extend(c.pending)
    notes: list[str] = []
    if not missing:
        assert crcl is not None
        findings = _findings(c, used, crcl, params, notes)
    else:
        findings = []
    labs = tuple(shown)
    # label: a reduced dose that did not bring the toxicity back is followed by the full dose
    # (parameter reescalate_after_reduced_dose); while withheld the resumed dose is reduced
    was_reduced = bool(c.prior_reductions or c.prior_reduced_cycles)
    reescalate = was_reduced and params.reescalate_after_reduced_dose
    reduced = (was_reduced and not reescalate) or c.on_hold is not None
    current = params.reduced_activity_gbq if reduced else params.activity_gbq

    def decide(kind: str, activity: float | None, until: str | None) -> Decision:
        return Decision(kind, activity, until, tuple(findings), tuple(notes), due, delay, labs)

    if missing:
        notes.append("missing, conflicting or unusable: " + "; ".join(missing))
        return decide("withhold_pending_data", None, "the missing or conflicting pre-dose results")
    if findings:
        recurrent = [f.toxicity for f in findings if f.toxicity in c.prior_reductions]
        if recurrent:
            notes.append(
                f"recurrent {_words(recurrent)} after a dose reduction (label: discontinue)"
            )
            return decide("discontinue", None, None)
        if delay >= params.max_delay_days:
            notes.append(
                f"toxicity not resolved {delay} days after the due date "
                f"(label: discontinue at a delay ≥ {params.max_delay_days // 7} weeks)"
            )
            return decide("discontinue", None, None)
        until = "; ".join(UNTIL[f.toxicity] for f in findings)
        notes.append(f"then resume at {params.reduced_activity_gbq} GBq")
        return decide("withhold", None, until)
    if c.on_hold is not None:
        held = tuple(c.on_hold.split(", "))
        notes.append(f"{_words(held)} resolved: resume at the reduced activity (label)")
        return decide("resume_reduced", params.reduced_activity_gbq, None)
    if delay > params.window_days:
        notes.append(f"dose {delay} days after the due date (window ±{params.window_days} days)")
    if reescalate:
        notes.append(
            f"{_reductions(c)}: re-escalate to {params.activity_gbq:g} GBq (label; parameter "
            "reescalate_after_reduced_dose)"
        )
    elif was_reduced:
        notes.append(
            f"stays at the reduced {params.reduced_activity_gbq:g} GBq "
            "(parameter reescalate_after_reduced_dose = false)"
        )
    return decide("proceed", current, None)


def _reductions(c: CheckInput) -> str:
    """The earlier reductions in words, for the re-escalation note."""
    parts = []
    if c.prior_reductions:
        parts.append(f"no recurrence of {_words(c.prior_reductions)} after the reduced dose")
    if c.prior_reduced_cycles:
        cycles = ", ".join(str(n) for n in c.prior_reduced_cycles)
        parts.append(
            f"cycle {cycles} given at a reduced activity with no toxicity recorded as the cause"
        )
    return "; ".join(parts)


def _cockcroft_gault(c: CheckInput, used: dict[str, LabEvidence]) -> float | None:
    """Cockcroft-Gault (calculators, the one formula; clinical-facts §7)."""
    creatinine = used.get("creatinine")
    if (
        creatinine is None
        or c.age is None
        or c.weight_kg is None
        or c.sex not in ("male", "female")
    ):
        return None
    return calculator("cockcroft_gault").compute(
        {
            "creatinine": creatinine.canonical,
            "weight": c.weight_kg,
            "age": c.age,
            "female": c.sex == "female",
        }
    )


def _findings(
    c: CheckInput, used: dict[str, LabEvidence], crcl: float, p: DosingParameters, notes: list[str]
) -> list[Finding]:
    out: list[Finding] = []

    def grade_at_least(key: str, minimum: int) -> LabEvidence | None:
        e = used.get(key)
        return e if e is not None and e.grade is not None and e.grade >= minimum else None

    if (e := grade_at_least("platelets", 2)) is not None:
        out.append(
            Finding("thrombocytopenia", f"thrombocytopenia grade {e.grade} (2–4): withhold", (e,))
        )
    if (e := grade_at_least("hemoglobin", 3)) is not None:
        out.append(Finding("anemia", f"anaemia grade {e.grade} (3–4): withhold", (e,)))
    if (e := grade_at_least("neutrophils", 3)) is not None:
        out.append(Finding("neutropenia", f"neutropenia grade {e.grade} (3–4): withhold", (e,)))
    if grade_at_least("lymphocytes", 3) is not None:
        notes.append("grade 3–4 lymphopenia alone: no dose change (label)")
    renal = []
    if crcl < p.renal_crcl_min:
        renal.append(f"CrCl {crcl} mL/min < {p.renal_crcl_min:g}")
    creat = used["creatinine"]
    if c.baseline_creatinine_umol_l:
        rise = (creat.canonical - c.baseline_creatinine_umol_l) / c.baseline_creatinine_umol_l * 100
        if rise >= p.renal_rise_pct:
            renal.append(f"creatinine +{rise:.0f} % from baseline (≥ {p.renal_rise_pct:g} %)")
    if c.baseline_crcl:
        fall = (c.baseline_crcl - crcl) / c.baseline_crcl * 100
        if fall >= p.renal_fall_pct:
            renal.append(f"CrCl −{fall:.0f} % from baseline (≥ {p.renal_fall_pct:g} %)")
    if renal:
        out.append(Finding("renal", "renal toxicity: " + "; ".join(renal), (creat,)))
    bili = used["bilirubin"]
    # the result's own ULN, else the site default of the CTCAE table (data dictionary §1)
    default_uln = TERMS["blood_bilirubin_increased"].default_uln
    assert default_uln is not None
    bili_uln = bili.canonical / (bili.uln_canonical or default_uln)
    hepatic = []
    if bili_uln > p.hepatic_bilirubin_uln:
        hepatic.append(f"bilirubin {bili_uln:.2f} × ULN (> {p.hepatic_bilirubin_uln:g})")
    albumin, inr = used["albumin"], used.get("inr")
    if (
        albumin.canonical < p.hepatic_albumin_min_g_l
        and inr is not None
        and inr.canonical > p.hepatic_inr_max
    ):
        hepatic.append(f"albumin {albumin.canonical:g} g/L with INR {inr.canonical:g}")
    if hepatic:
        out.append(
            Finding(
                "hepatic",
                "hepatotoxicity: " + "; ".join(hepatic),
                tuple(x for x in (bili, albumin, inr) if x is not None),
            )
        )
    other = c.other_related_toxicity_grade
    if other is not None and other >= 3:
        out.append(Finding("other", f"other treatment-related toxicity grade {other} (3–4)", ()))
    return out
