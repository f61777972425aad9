"""Grade every laboratory result of a patient record; worst grade per term over time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from trialkit.ctcae.grading import Grading, grade
from trialkit.ctcae.table_v5 import TERMS, Term
from trialkit.errors import UnitError
from trialkit.model.codes import LOINC
from trialkit.model.record import Measurement
from trialkit.units import convert

USABLE_STATUSES = frozenset({"final", "amended", "corrected"})


@dataclass(frozen=True)
class GradedResult:
    source: str
    term: str
    time: str | None
    original: str
    grading: Grading | None
    problem: str | None = None  # why no grade (unit, status, missing value)
    uln_source: str | None = None


@dataclass(frozen=True)
class WorstGrade:
    term: str
    grade: int
    source: str
    time: str | None
    rule: str


def _terms_for(m: Measurement) -> list[Term]:
    codes = {c.code for c in m.codes if c.system == LOINC}
    return [t for t in TERMS.values() if codes & set(t.loinc)]


def grade_measurements(
    measurements: Iterable[Measurement],
    *,
    site_uln: Mapping[str, float] | None = None,
    site_lln: Mapping[str, float] | None = None,
) -> list[GradedResult]:
    """Grade each usable result of a known LOINC.

    ULN/LLN come from the result's reference range; where absent, from ``site_uln`` /
    ``site_lln`` (term → limit in the term's canonical unit, given by the site), else the
    term's documented site-default ULN (data dictionary §1). With no LLN the bands that need
    one are undeterminable, never guessed.
    """
    out: list[GradedResult] = []
    for m in measurements:
        for t in _terms_for(m):
            original = f"{m.value} {m.unit or ''}".strip()
            when = str(m.time) if m.time else None
            if m.status not in USABLE_STATUSES or m.data_absent or m.value is None:
                why = "no value" if m.value is None else f"status {m.status}"
                out.append(GradedResult(m.source, t.name, when, original, None, why))
                continue
            ref_unit = m.ref_unit or m.unit
            try:
                value = convert(m.value, m.unit, t.unit, analyte=t.analyte)
                uln = _canonical(t, m.ref_high, ref_unit)
                lln = _canonical(t, m.ref_low, ref_unit)
            except UnitError as exc:
                out.append(GradedResult(m.source, t.name, when, original, None, str(exc)))
                continue
            uln_source = f"{m.source} referenceRange.high" if uln is not None else None
            if uln is None and site_uln and t.name in site_uln:
                uln, uln_source = site_uln[t.name], "site limit given on the command line"
            if uln is None and t.default_uln is not None:
                uln, uln_source = t.default_uln, "site default (data dictionary §1)"
            if lln is None and site_lln and t.name in site_lln:
                lln = site_lln[t.name]
            g = grade(t.name, value, t.unit, uln=uln, lln=lln)
            out.append(GradedResult(m.source, t.name, when, original, g, None, uln_source))
    return out


def _canonical(t: Term, limit: Decimal | None, unit: str | None) -> float | None:
    return None if limit is None else convert(limit, unit, t.unit, analyte=t.analyte)


def worst_grades(results: Iterable[GradedResult]) -> list[WorstGrade]:
    """Per term, the highest determinable grade (earliest result on ties)."""
    best: dict[str, WorstGrade] = {}
    for r in results:
        if r.grading is None or r.grading.grade is None:
            continue
        current = best.get(r.term)
        if current is None or r.grading.grade > current.grade:
            best[r.term] = WorstGrade(r.term, r.grading.grade, r.source, r.time, r.grading.rule)
    return [best[t] for t in sorted(best)]
