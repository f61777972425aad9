"""FHIR date/dateTime parsing: valid text gives the right calendar days; junk raises ValueError."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from trialkit.model.time import parse_fhir_time


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_full_dates_round_trip(d: date) -> None:
    span = parse_fhir_time(d.isoformat())
    assert (span.low, span.high) == (d, d)


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_year_month_is_the_whole_month(year: int, month: int) -> None:
    span = parse_fhir_time(f"{year:04d}-{month:02d}")
    assert span.low == date(year, month, 1)
    assert span.high == date(year, month, calendar.monthrange(year, month)[1])


@given(
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2090, 1, 1)),
    st.integers(-12, 14),
)
def test_datetimes_become_the_utc_calendar_day(moment: datetime, offset_hours: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(hours=offset_hours)), microsecond=0)
    span = parse_fhir_time(aware.isoformat())
    assert span.low == aware.astimezone(UTC).date()


def test_site_timezone_changes_the_calendar_day() -> None:
    assert parse_fhir_time("2026-11-24T23:30:00Z", "Asia/Shanghai").low == date(2026, 11, 25)
    assert parse_fhir_time("2026-11-24T23:30:00Z").low == date(2026, 11, 24)


@given(st.text(max_size=30))
def test_junk_raises_value_error_only(text: str) -> None:
    try:
        span = parse_fhir_time(text)
    except ValueError:
        return
    assert span.low <= span.high  # anything accepted is a real span of days
