"""Time-point response (RECIST 1.1 §4.3–4.4; clinical-facts §4 tables)."""

from __future__ import annotations

from dataclasses import dataclass

from trialkit.recist.model import (
    CR,
    NE,
    NON_CR_NON_PD,
    PD,
    PR,
    SD,
    TOO_SMALL_MM,
    Assessment,
    BaselineLesion,
)

PR_THRESHOLD = -30.0  # % vs baseline sum
PD_RELATIVE = 20.0  # % vs nadir
PD_ABSOLUTE_MM = 5.0  # and at least 5 mm absolute increase
NODE_NORMAL_MM = 10.0  # nodes < 10 mm short axis are normal


@dataclass(frozen=True)
class TargetReading:
    response: str
    sum_mm: float | None  # None when not all targets were evaluated
    evaluated_sum_mm: float


def _target_value(lesion: BaselineLesion, assessment: Assessment) -> float | None:
    reading = next((r for r in assessment.lesions if r.id == lesion.id), None)
    if reading is None or reading.status == "not_evaluated":
        return None
    if reading.status == "absent":
        return 0.0
    if reading.status == "too_small":
        return TOO_SMALL_MM
    return reading.diameter_mm


def target_response(
    targets: list[BaselineLesion], assessment: Assessment, baseline_sum: float, nadir: float
) -> TargetReading:
    values = {t.id: _target_value(t, assessment) for t in targets}
    evaluated = sum(v for v in values.values() if v is not None)
    pd = evaluated >= nadir * (1 + PD_RELATIVE / 100) and evaluated - nadir >= PD_ABSOLUTE_MM
    if any(v is None for v in values.values()):
        # Missing lesions cannot show response, but progression of the measured ones stands.
        return TargetReading(PD if pd else NE, None, evaluated)
    if pd:
        return TargetReading(PD, evaluated, evaluated)
    complete = all(
        (values[t.id] or 0.0) < NODE_NORMAL_MM if t.is_node else values[t.id] == 0 for t in targets
    )
    if complete:
        return TargetReading(CR, evaluated, evaluated)  # the sum may be > 0 (normal nodes)
    change = _pct(evaluated, baseline_sum)
    if change is not None and change <= PR_THRESHOLD:
        return TargetReading(PR, evaluated, evaluated)
    return TargetReading(SD, evaluated, evaluated)


def non_target_response(non_targets: list[BaselineLesion], assessment: Assessment) -> str | None:
    if not non_targets:
        return None
    statuses = []
    for lesion in non_targets:
        reading = next((r for r in assessment.lesions if r.id == lesion.id), None)
        statuses.append(reading.status if reading and reading.status else "not_evaluated")
    if "unequivocal_progression" in statuses:
        return PD
    if "not_evaluated" in statuses:
        return NE
    if all(s == "absent" for s in statuses):
        return CR
    return NON_CR_NON_PD


def overall_response(target: str | None, non_target: str | None, new_lesions: str) -> str:
    """The time-point tables of RECIST 1.1 (with targets; non-target only)."""
    if new_lesions == "unequivocal" or PD in (target, non_target):
        return PD
    if target is None:  # non-target disease only
        if non_target is None:
            return NE
        return non_target
    if target == CR:
        if non_target in (None, CR):
            return CR
        return PR  # non-CR/non-PD or not evaluated
    if target == PR:
        return PR
    if target == SD:
        return SD
    return NE


def _pct(value: float, reference: float) -> float | None:
    if reference == 0:
        return None
    return round((value - reference) / reference * 100, 2)


def percent_change(value: float | None, reference: float) -> float | None:
    return None if value is None else _pct(value, reference)
