"""Calendar dates with their precision.

FHIR times may be partial ("2026-10") or carry a time zone. trialkit compares
calendar dates in the site time zone; a partial date is the span of days it
could mean, so a window test can answer "inside", "outside" or "cannot tell".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class DateSpan:
    """The calendar days ``low``..``high`` (inclusive) a recorded time may mean."""

    low: date
    high: date
    original: str = ""

    @classmethod
    def day(cls, d: date, original: str | None = None) -> DateSpan:
        return cls(d, d, original if original is not None else d.isoformat())

    @property
    def exact(self) -> bool:
        return self.low == self.high

    def __str__(self) -> str:
        return self.low.isoformat() if self.exact else self.original or f"{self.low}..{self.high}"


def parse_fhir_time(text: str, tz: str = "UTC") -> DateSpan:
    """Parse a FHIR date/dateTime/instant into the calendar days it means in ``tz``.

    Raises ``ValueError`` for text that is not a FHIR date or dateTime.
    """
    value = text.strip()
    m = _DATE_RE.match(value)
    if m:
        year = int(m.group(1))
        if m.group(3):
            d = date(year, int(m.group(2)), int(m.group(3)))
            return DateSpan(d, d, value)
        if m.group(2):
            month = int(m.group(2))
            last = calendar.monthrange(year, month)[1]
            return DateSpan(date(year, month, 1), date(year, month, last), value)
        return DateSpan(date(year, 1, 1), date(year, 12, 31), value)
    if "T" not in value:
        raise ValueError(f"not a FHIR date or dateTime: {text!r}")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(ZoneInfo(tz))
    d = parsed.date()
    return DateSpan(d, d, value)


def add_years(d: date, years: int) -> date:
    """The same calendar date ``years`` later (29 February → 28 February when needed)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def days_before(d: date, days: int) -> date:
    return d - timedelta(days=days)


def completed_years(birth: date, on: date) -> int:
    """Age in completed years on ``on`` (the one rule: calculators.age_years)."""
    from trialkit.calculators import PY, age_years

    return int(age_years(PY, birth, on))
