"""CTCAE v5.0 laboratory grading: versioned band tables and pure grading functions."""

from trialkit.ctcae.grading import Grading, grade, term
from trialkit.ctcae.record import (
    GradedResult,
    RecordGrading,
    WorstGrade,
    grade_measurements,
    grade_record,
    worst_grades,
)
from trialkit.ctcae.table_v5 import CTCAE_VERSION, TERMS

__all__ = [
    "CTCAE_VERSION",
    "TERMS",
    "GradedResult",
    "Grading",
    "RecordGrading",
    "WorstGrade",
    "grade",
    "grade_measurements",
    "grade_record",
    "term",
    "worst_grades",
]
