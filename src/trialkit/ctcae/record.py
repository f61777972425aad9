"""Grade every laboratory result of a patient record; worst grade per term over time."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from trialkit.ctcae.grading import Grading, grade
from trialkit.ctcae.table_v5 import TERMS, Term
from trialkit.errors import InputError, UnitError
from trialkit.model.codes import LOINC
from trialkit.model.record import Measurement, PatientRecord
from trialkit.quality import PlausibleRange, conflict_reason, disagree, implausible
from trialkit.units import convert

# FHIR Observation.status values that carry a result one may act on; preliminary,
# registered, cancelled, entered-in-error and unknown results are listed, never graded.
USABLE_STATUSES = frozenset({"final", "amended", "corrected"})


@dataclass(frozen=True)
class GradedResult:
    source: str
    term: str
    time: str | None
    original: str
    grading: Grading | None
    problem: str | None = None  # why no grading at all (status, missing value, unit)
    uln_source: str | None = None
    lln_source: str | None = None


@dataclass(frozen=True)
class WorstGrade:
    """The highest determinable grade of one term over time, and what could not be graded."""

    term: str
    grade: int | None  # None: no result of this term had a determinable grade
    source: str | None
    time: str | None
    rule: str | None
    undeterminable: tuple[str, ...] = ()  # sources whose grade needed a missing limit
    highest_possible: int | None = None  # highest grade any result could have
    # same-day results of this term whose grades disagree (quality.latest): the worse grade
    # counts (toxicity is never under-reported) and the conflict is stated
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordGrading:
    """Every graded laboratory result of one patient, and the worst grade per term."""

    patient_id: str
    results: tuple[GradedResult, ...]
    worst: tuple[WorstGrade, ...]

    @property
    def warnings(self) -> tuple[GradedResult, ...]:
        """Results of a graded term that could not be graded at all (status, value, unit,
        an impossible value)."""
        return tuple(r for r in self.results if r.problem is not None)

    @property
    def conflicts(self) -> tuple[tuple[str, str], ...]:
        """(term, message) of every same-day disagreement (data-quality warnings)."""
        return tuple((w.term, c) for w in self.worst for c in w.conflicts)


def grade_record(
    record: PatientRecord,
    *,
    site_uln: Mapping[str, float] | None = None,
    site_lln: Mapping[str, float] | None = None,
    plausible: Callable[[Measurement], PlausibleRange | None] | None = None,
) -> RecordGrading:
    """:func:`grade_measurements` over a patient's record, with :func:`worst_grades`."""
    results = grade_measurements(
        record.measurements, site_uln=site_uln, site_lln=site_lln, plausible=plausible
    )
    return RecordGrading(record.patient_id, tuple(results), tuple(worst_grades(results)))


def _terms_for(m: Measurement) -> list[Term]:
    codes = {c.code for c in m.codes if c.system == LOINC}
    return [t for t in TERMS.values() if codes & set(t.loinc)]


def _chronological(m: Measurement) -> tuple[bool, date]:
    return (m.time is None, m.time.low if m.time else date.min)


def grade_measurements(
    measurements: Iterable[Measurement],
    *,
    site_uln: Mapping[str, float] | None = None,
    site_lln: Mapping[str, float] | None = None,
    plausible: Callable[[Measurement], PlausibleRange | None] | None = None,
) -> list[GradedResult]:
    """Grade each usable result of a known LOINC, oldest first.

    A value that cannot be real (NaN, ±Infinity, negative, or outside the physiologically
    possible range ``plausible`` gives for the measurement, in that range's unit) is a
    warning and never graded (quality.plausible).

    ULN/LLN come from the result's reference range; where absent, from ``site_uln`` /
    ``site_lln`` (term → limit in the term's canonical unit, given by the site), else the
    term's site-default ULN (data dictionary §1). No LLN default is documented, so without
    one the bands that need it are undeterminable, never guessed. No baseline is inferred:
    ALT/AST/bilirubin use the baseline-normal rule (it grades higher), creatinine its × ULN
    bands; the grading rule text says so.
    """
    out: list[GradedResult] = []
    for m in sorted(measurements, key=_chronological):
        for t in _terms_for(m):
            rng = plausible(m) if plausible is not None else None
            out.append(_grade_one(m, t, site_uln or {}, site_lln or {}, rng))
    return out


def _grade_one(
    m: Measurement,
    t: Term,
    site_uln: Mapping[str, float],
    site_lln: Mapping[str, float],
    rng: PlausibleRange | None,
) -> GradedResult:
    original = f"{m.value if m.value is not None else ''} {m.unit or ''}".strip()
    when = str(m.time) if m.time else None

    def problem(why: str) -> GradedResult:
        return GradedResult(m.source, t.name, when, original, None, why)

    if m.status not in USABLE_STATUSES:
        return problem(f"status {m.status!r} is not a usable result")
    if m.data_absent or m.value is None:
        return problem("no value")
    why = implausible(m.value)
    if why is not None:
        return problem(f"not graded: {why}")
    ref_unit = m.ref_unit or m.unit
    try:
        if rng is not None:
            in_range_unit = convert(m.value, m.unit, rng.unit, analyte=t.analyte)
            why = implausible(in_range_unit, rng)
            if why is not None and math.isinf(in_range_unit):  # finite only as recorded
                why = f"{m.value} {m.unit or ''} is beyond any possible value".strip()
            if why is not None:
                return problem(f"not graded: {why}")
        value = convert(m.value, m.unit, t.unit, analyte=t.analyte)
        uln = _canonical(t, m.ref_high, ref_unit)
        lln = _canonical(t, m.ref_low, ref_unit)
    except UnitError as exc:
        return problem(f"not graded: {exc}")
    uln_source = f"{m.source} referenceRange.high" if uln is not None else None
    lln_source = f"{m.source} referenceRange.low" if lln is not None else None
    if uln is None and t.name in site_uln:
        uln, uln_source = site_uln[t.name], "site ULN given on the command line"
    if uln is None and t.default_uln is not None:
        uln, uln_source = t.default_uln, "site default ULN (data dictionary §1)"
    if lln is None and t.name in site_lln:
        lln, lln_source = site_lln[t.name], "site LLN given on the command line"
    try:
        g = grade(t.name, value, t.unit, uln=uln, lln=lln)
    except InputError as exc:  # e.g. a negative count: reported, never graded
        return problem(f"not graded: {exc}")
    return GradedResult(m.source, t.name, when, original, g, None, uln_source, lln_source)


def _canonical(t: Term, limit: Decimal | None, unit: str | None) -> float | None:
    return None if limit is None else convert(limit, unit, t.unit, analyte=t.analyte)


def worst_grades(results: Iterable[GradedResult]) -> list[WorstGrade]:
    """Per term, the highest determinable grade (the first such result in the given order on
    ties), with the results whose grade could not be determined and how high they could be."""
    by_term: dict[str, list[GradedResult]] = {}
    for r in results:
        if r.grading is not None:
            by_term.setdefault(r.term, []).append(r)
    out: list[WorstGrade] = []
    for name in sorted(by_term):
        graded = by_term[name]
        determined = [r for r in graded if r.grading and r.grading.grade is not None]
        unknown = tuple(r.source for r in graded if r.grading and r.grading.grade is None)
        possible = [g for r in graded if r.grading for g in r.grading.possible_grades]
        highest = max(possible, default=None)
        conflicts = _same_day_conflicts(name, determined)
        if not determined:
            out.append(WorstGrade(name, None, None, None, None, unknown, highest))
            continue
        worst = max(determined, key=_grade_of)  # max keeps the first on ties
        assert worst.grading is not None
        out.append(
            WorstGrade(
                name,
                worst.grading.grade,
                worst.source,
                worst.time,
                worst.grading.rule,
                unknown,
                highest,
                conflicts,
            )
        )
    return out


def _same_day_conflicts(term: str, determined: list[GradedResult]) -> tuple[str, ...]:
    """One message per day whose results of ``term`` disagree in grade (quality.latest)."""
    by_day: dict[str, list[GradedResult]] = {}
    for r in determined:
        if r.time is not None:
            by_day.setdefault(r.time, []).append(r)
    out = []
    for day, same in by_day.items():
        if disagree(same, _grade_of):
            grades = ", ".join(f"grade {_grade_of(r)} ({r.source})" for r in same)
            reason = conflict_reason(len(same), TERMS[term].label, day)
            out.append(f"{reason}: {grades}; the worse counts")
    return tuple(out)


def _grade_of(r: GradedResult) -> int:
    return -1 if r.grading is None or r.grading.grade is None else r.grading.grade
