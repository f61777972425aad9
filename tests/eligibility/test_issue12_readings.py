"""Issue 12: readings that let unsafe patients through, each on the fully eligible
baseline patient with one change (reproductions 5, birthDate part, and 9)."""

from __future__ import annotations

from datetime import date

from tests.eligibility.builders import AS_OF, record
from tests.eligibility.helpers import criterion, screen, status

# --- reproduction 5: a birth date after the as-of date ---------------------------------------


def test_birth_date_in_the_future_is_unknown_age_with_a_warning() -> None:
    result = screen(record(birth=date(2030, 3, 10)))
    in2 = criterion(result, "IN2")
    assert in2.status.value == "unknown"
    assert "Age -" not in in2.reason
    assert "-4" not in in2.reason
    assert any(
        w.field == "birthDate" and "after the as-of date" in w.message for w in result.warnings
    )
    assert result.status.value != "eligible"


def test_birth_date_after_as_of_but_not_in_the_calendar_future() -> None:
    # as-of is the reference, not the wall clock: born the day after as-of
    rec = record(birth=date(2026, 11, 25))
    assert status(rec, "IN2") == "unknown"
    assert status(rec, "IN2", as_of=date(2026, 11, 25)) == "not_met"  # age 0 is a real age


def test_birth_date_after_as_of_leaves_creatinine_clearance_unknown() -> None:
    # EX1: creatinine 80 µmol/L passes, so only the Cockcroft-Gault branch could decide, and
    # (140 − age) with a negative age must not: the criterion stays unknown
    assert status(record(), "EX1") == "not_met"
    ex1 = criterion(screen(record(birth=date(2030, 3, 10))), "EX1")
    assert ex1.status.value == "unknown"


def test_birth_on_as_of_minus_years_still_decides() -> None:
    assert status(record(birth=date(AS_OF.year - 55, 1, 1)), "IN2") == "met"
