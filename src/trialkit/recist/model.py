"""Typed RECIST 1.1 records: baseline lesions, follow-up assessments, results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

# Response categories, exactly as RECIST 1.1 names them.
CR, PR, SD, PD, NE, NON_CR_NON_PD = "CR", "PR", "SD", "PD", "NE", "non-CR/non-PD"

TARGET_STATUSES = frozenset({"too_small", "absent", "not_evaluated"})
NON_TARGET_STATUSES = frozenset({"absent", "present", "unequivocal_progression", "not_evaluated"})
NEW_LESION_VALUES = frozenset({"none", "equivocal", "unequivocal"})
TOO_SMALL_MM = 5.0  # "too small to measure" counts 5 mm (clinical-facts §4)
# The physical maximum of one measured diameter or slice thickness. A CT or MRI scanner
# reconstructs at most a ~700 mm field of view (extended-field CT), and no adult trunk is
# wider than that, so a single lesion measurement above 1000 mm is a unit or entry error,
# never a size: it is refused as input instead of deciding PD (issue 12).
MAX_DIAMETER_MM = 1000.0


@dataclass(frozen=True)
class BaselineLesion:
    id: str
    organ: str
    is_node: bool
    target: bool
    diameter_mm: float | None = None
    method: str | None = None
    slice_mm: float | None = None
    previously_irradiated: bool = False


@dataclass(frozen=True)
class LesionReading:
    id: str
    diameter_mm: float | None = None
    status: str | None = None


@dataclass(frozen=True)
class Assessment:
    date: date
    lesions: tuple[LesionReading, ...]
    new_lesions: str = "none"


@dataclass(frozen=True)
class RecistInput:
    subject: str
    baseline_date: date
    baseline: tuple[BaselineLesion, ...]
    assessments: tuple[Assessment, ...]
    first_dose: date | None = None
    confirmation_min_days: int = 28
    sd_min_days: int = 42


@dataclass(frozen=True)
class TimePoint:
    date: date
    sum_mm: float | None
    change_from_baseline_pct: float | None
    change_from_nadir_pct: float | None
    target: str | None  # None when the patient has no target lesions
    non_target: str | None  # None when the patient has no non-target lesions
    new_lesions: str
    overall: str

    def to_json(self) -> dict[str, Any]:
        return {
            "scan_date": self.date.isoformat(),
            "sum_mm": self.sum_mm,
            "change_from_baseline_pct": self.change_from_baseline_pct,
            "change_from_nadir_pct": self.change_from_nadir_pct,
            "target": self.target,
            "non_target": self.non_target,
            "new_lesions": self.new_lesions,
            "overall": self.overall,
        }


@dataclass(frozen=True)
class RecistResult:
    subject: str
    baseline_sum_mm: float | None
    baseline_valid: bool
    baseline_issues: tuple[str, ...]
    timepoints: tuple[TimePoint, ...]
    best_overall_response: str
    confirmed: bool
    progression_date: date | None
    response_date: date | None
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "baseline_sum_mm": self.baseline_sum_mm,
            "baseline_valid": self.baseline_valid,
            "baseline_issues": list(self.baseline_issues),
            "timepoints": [t.to_json() for t in self.timepoints],
            "best_overall_response": self.best_overall_response,
            "confirmed": self.confirmed,
            "progression_date": self.progression_date.isoformat()
            if self.progression_date
            else None,
            "response_date": self.response_date.isoformat() if self.response_date else None,
            "notes": list(self.notes),
        }
