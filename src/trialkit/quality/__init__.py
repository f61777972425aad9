"""Data-quality rules shared by every engine: which result is the latest, which value is possible.

One implementation each, imported by screening, the population compiler, dosing and
CTCAE grading (and the study loader), so that no path decides on a value another
path calls unknown.
"""

from trialkit.quality.latest import Latest, conflict_reason, disagree, latest_day
from trialkit.quality.plausible import PlausibleRange, implausible, no_value, reader_unit

__all__ = [
    "Latest",
    "PlausibleRange",
    "conflict_reason",
    "disagree",
    "implausible",
    "latest_day",
    "no_value",
    "reader_unit",
]
