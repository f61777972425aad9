"""CTCAE v5.0 laboratory grading: versioned band tables and pure grading functions."""

from trialkit.ctcae.grading import Grading, grade, term
from trialkit.ctcae.record import GradedResult, WorstGrade, grade_measurements, worst_grades
from trialkit.ctcae.table_v5 import CTCAE_VERSION, TERMS

__all__ = [
    "CTCAE_VERSION",
    "TERMS",
    "GradedResult",
    "Grading",
    "WorstGrade",
    "grade",
    "grade_measurements",
    "term",
    "worst_grades",
]
