"""Grade one laboratory value by CTCAE v5.0 (bands in :mod:`trialkit.ctcae.table_v5`).

The value and its reference limits (ULN, LLN, baseline) are converted to the
term's canonical unit with the project's UCUM layer first. A band that needs a
limit that was not given is *undeterminable*: when such a band could give a
higher grade than the highest band that certainly holds, the grade is
undeterminable (``None``) rather than guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from trialkit.ctcae.table_v5 import CTCAE_VERSION, TERMS, Band, Bound, Term
from trialkit.errors import InputError, UnitError
from trialkit.units import convert


@dataclass(frozen=True)
class Grading:
    term: str
    grade: int | None  # None: undeterminable from what was given
    rule: str
    value_canonical: float
    unit_canonical: str
    uln_canonical: float | None = None
    lln_canonical: float | None = None
    baseline_canonical: float | None = None
    # the grades still consistent with what was given: ``(grade,)`` when determinable
    possible_grades: tuple[int, ...] = ()


def term(name: str) -> Term:
    try:
        return TERMS[name]
    except KeyError:
        known = ", ".join(sorted(TERMS))
        raise InputError(f"unknown CTCAE term {name!r}; known: {known}", field="--term") from None


def _to_canonical(t: Term, value: float | None, unit: str | None, what: str) -> float | None:
    if value is None:
        return None
    try:
        return convert(value, unit, t.unit, analyte=t.analyte)
    except UnitError as exc:
        prefix = "" if what == "value" else f"{what}: "
        raise InputError(
            f"{prefix}{exc} (term {t.name} is graded in {t.unit})", field="--unit"
        ) from exc


def grade(
    term_name: str,
    value: float,
    unit: str | None,
    *,
    uln: float | None = None,
    lln: float | None = None,
    baseline: float | None = None,
) -> Grading:
    """CTCAE v5.0 grade of ``value`` (``uln``, ``lln`` and ``baseline`` are in ``unit`` too)."""
    t = term(term_name)
    _check_numbers(t, value, {"--uln": uln, "--lln": lln, "--baseline": baseline})
    v = _to_canonical(t, value, unit, "value")
    assert v is not None
    refs = {
        "uln": _to_canonical(t, uln, unit, "ULN"),
        "lln": _to_canonical(t, lln, unit, "LLN"),
        "baseline": _to_canonical(t, baseline, unit, "baseline"),
    }
    state, state_note = _baseline_state(t, refs["uln"], refs["baseline"])
    holding: list[Band] = []
    unknown: list[Band] = []
    for band in t.bands:
        if band.baseline not in ("any", state):
            continue
        result = _holds(band, v, refs)
        if result is None:
            if _needs(band, "baseline") and refs["baseline"] is None and band.baseline == "any":
                continue  # an optional "or by baseline" reading (creatinine) that cannot apply
            unknown.append(band)
        elif result:
            holding.append(band)
    best = max(holding, key=lambda b: b.grade, default=None)
    best_grade = best.grade if best else -1
    blocking = [b for b in unknown if b.grade > best_grade]

    def graded(grade_value: int | None, rule: str) -> Grading:
        possible = {max(best_grade, 0), *(b.grade for b in blocking)}
        return Grading(
            t.name,
            grade_value,
            rule + state_note + _caveats(t, refs),
            v,
            t.unit,
            refs["uln"],
            refs["lln"],
            refs["baseline"],
            tuple(sorted(possible)),
        )

    if blocking:
        needed = sorted({k for b in blocking for k in ("uln", "lln", "baseline") if _needs(b, k)})
        rule = (
            f"undeterminable: {', '.join(n.upper() if n != 'baseline' else n for n in needed)} "
            f"needed for {'; '.join(b.describe(t.unit) for b in blocking)}"
        )
        return graded(None, rule)
    if best is None:
        return graded(0, "no band of CTCAE v5.0 applies (no worsening)")
    rule = f"CTCAE v{CTCAE_VERSION} {t.label}: {best.describe(t.unit)}" + _numbers(
        best, refs, t.unit
    )
    if t.name in ("anemia", "hypoalbuminemia") and best.grade == 3:
        rule += "; grade 4 (life-threatening) is a clinical judgement, not a lab value"
    return graded(best.grade, rule)


def _check_numbers(t: Term, value: float, limits: dict[str, float | None]) -> None:
    if not math.isfinite(value) or value < 0:
        raise InputError(
            f"a {t.label.lower()} value must be a number ≥ 0, got {value}", field="--value"
        )
    # A ULN or baseline of 0 would make every value a many-fold rise; an LLN of 0 (a
    # reference range starting at 0) only means no value is below normal.
    for option, limit in limits.items():
        floor_ok = limit is not None and (limit > 0 or (option == "--lln" and limit == 0))
        if limit is not None and not (math.isfinite(limit) and floor_ok):
            bound = "≥ 0" if option == "--lln" else "> 0"
            raise InputError(f"{option} must be a number {bound}, got {limit}", field=option)


def _caveats(t: Term, refs: dict[str, float | None]) -> str:
    """What the grade did not consider (CTCAE v5.0 text, clinical-facts §5)."""
    notes = []
    if t.name == "creatinine_increased" and refs["baseline"] is None:
        notes.append("baseline not given: only the × ULN bands were applied")
    if t.name == "inr_increased":
        notes.append("the v5.0 × baseline bands for patients on anticoagulation are not applied")
    return "".join(f"; {n}" for n in notes)


def _baseline_state(t: Term, uln: float | None, baseline: float | None) -> tuple[str, str]:
    """CTCAE v5: "baseline abnormal" means above the ULN (clinical-facts §5)."""
    if not any(b.baseline != "any" for b in t.bands):
        return "any", ""
    if baseline is None:
        return "normal", "; baseline not given: the baseline-normal rule applies (it grades higher)"
    if uln is None:
        return "normal", ""
    return ("abnormal", "") if baseline > uln else ("normal", "")


def _needs(band: Band, kind: str) -> bool:
    return any(b is not None and b.kind == kind for b in (band.lower, band.upper))


def _limit(bound: Bound, refs: dict[str, float | None]) -> float | None:
    if bound.kind == "abs":
        return bound.factor
    ref = refs[bound.kind]
    return None if ref is None else bound.factor * ref


def _holds(band: Band, v: float, refs: dict[str, float | None]) -> bool | None:
    checks: list[bool] = []
    for bound, is_lower in ((band.lower, True), (band.upper, False)):
        if bound is None:
            continue
        limit = _limit(bound, refs)
        if limit is None:
            return None
        limit = float(f"{limit:.12g}")
        if is_lower:
            checks.append(v >= limit if bound.inclusive else v > limit)
        else:
            checks.append(v <= limit if bound.inclusive else v < limit)
    return all(checks)


def _numbers(band: Band, refs: dict[str, float | None], unit: str) -> str:
    shown = [
        f"{k.upper() if k != 'baseline' else k} {refs[k]:g} {unit}"
        for k in ("uln", "lln", "baseline")
        if refs[k] is not None and _needs(band, k)
    ]
    return f" ({', '.join(shown)})" if shown else ""
