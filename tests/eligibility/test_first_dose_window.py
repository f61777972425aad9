"""Issue 12 reproduction 9 (lab windows): the pre-treatment labs count from the planned first
dose too (clinical-facts §3: before each administration, the first included; EU SmPC: at least
once within 2 to 4 weeks before) — parameter lab_before_first_dose_days, default 28."""

from __future__ import annotations

from datetime import timedelta

from tests.eligibility.builders import AS_OF, lab, record
from tests.eligibility.helpers import criterion, screen

LAB_CRITERIA = ("EX1", "EX2", "EX3", "EX4", "EX5")


def test_labs_112_days_before_the_planned_first_dose_never_make_a_patient_eligible() -> None:
    # the labs are 3 days before screening, but the first dose is planned 109 days later
    first_dose = AS_OF + timedelta(days=109)
    result = screen(record(), first_dose=first_dose)
    assert result.status.value != "eligible"
    ex2 = criterion(result, "EX2")
    assert ex2.status.value == "unknown"
    assert "before the planned first dose" in ex2.reason
    assert "lab_before_first_dose_days" in ex2.reason


def test_labs_within_28_days_of_the_first_dose_still_decide() -> None:
    result = screen(record(), first_dose=AS_OF + timedelta(days=25))  # labs 28 days before
    assert result.status.value == "eligible"


def test_the_window_is_a_named_parameter() -> None:
    first_dose = AS_OF + timedelta(days=60)
    assert screen(record(), first_dose=first_dose).status.value != "eligible"
    wide = screen(record(), first_dose=first_dose, lab_before_first_dose_days="90")
    assert wide.status.value == "eligible"


def test_the_crf_planned_date_is_the_anchor_too() -> None:
    late = AS_OF + timedelta(days=100)
    result = screen(record(crf={"planned-first-dose-date": late}))
    assert criterion(result, "EX2").status.value == "unknown"


def test_cockcroft_gault_reads_the_same_window() -> None:
    result = screen(record(), first_dose=AS_OF + timedelta(days=109))
    crcl = next(c for c in result.criteria if "Cockcroft" in c.reason or "clearance" in c.reason)
    assert crcl.status.value == "unknown"


def test_only_the_results_near_the_dose_decide() -> None:
    # first dose in 27 days: the screening labs (3 days ago) are 30 days before it; a
    # bilirubin of today (27 days before) still decides EX3
    first_dose = AS_OF + timedelta(days=27)
    fresh = lab("1975-2", 10, "umol/L", days_ago=0, rid="bili-fresh")
    result = screen(record(labs={"bilirubin": fresh}), first_dose=first_dose)
    assert criterion(result, "EX3").status.value == "not_met"
    assert criterion(result, "EX2").status.value == "unknown"
