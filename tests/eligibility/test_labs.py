"""Laboratory exclusions EX1–EX6, EX16 at their boundaries (clinical-facts §11 items 1–6, 12)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.eligibility.builders import AS_OF, lab, record
from tests.eligibility.helpers import criterion, screen, status


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(80, "g/L", "not_met"), (79, "g/L", "met"), (8.0, "g/dL", "not_met"), (7.9, "g/dL", "met")],
)
def test_hemoglobin_80_passes_79_fails(value: float, unit: str, expected: str) -> None:
    # clinical-facts §11 item 12: Hb 80 passes, 79 fails; 1 g/dL = 10 g/L (§7)
    assert status(record(labs={"hemoglobin": lab("718-7", value, unit)}), "EX2") == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (75, "10*9/L", "not_met"),
        (74.9, "10*9/L", "met"),
        (75, "10*3/uL", "not_met"),
        (75000, "/mm3", "not_met"),
        (74900, "/uL", "met"),
    ],
)
def test_platelets_75_pass_74_9_fail_in_any_count_unit(
    value: float, unit: str, expected: str
) -> None:
    # clinical-facts §11 item 12 and §7 (75 ×10⁹/L = 75,000/mm³)
    assert status(record(labs={"platelets": lab("777-3", value, unit)}), "EX2") == expected


def test_wbc_2_0_passes() -> None:
    assert status(record(labs={"wbc": lab("6690-2", 2.0, "10*9/L")}), "EX2") == "not_met"
    assert status(record(labs={"wbc": lab("6690-2", 1.99, "10*9/L")}), "EX2") == "met"


@pytest.mark.parametrize(("alt", "expected"), [(100, "not_met"), (100.4, "met")])
def test_alt_exactly_2_5_uln_passes_2_51_fails_with_site_default(alt: float, expected: str) -> None:
    # ULN default 40 U/L (data dictionary §1): 2.5 × 40 = 100; 2.51 × 40 = 100.4
    result = screen(record(labs={"alt": lab("1742-6", alt, "U/L")}))
    ex5 = criterion(result, "EX5")
    assert ex5.status.value == expected
    alt_ev = next(e for e in ex5.evidence if e.element == "alt")
    assert alt_ev.uln == 40
    assert alt_ev.uln_source is not None
    assert "uln_alt_u_per_l" in alt_ev.uln_source


def test_uln_comes_from_the_results_reference_range_when_present() -> None:
    rec = record(labs={"ast": lab("1920-8", 126, "IU/L", ref_high=50, rid="ast1")})
    ex5 = criterion(screen(rec), "EX5")
    assert ex5.status.value == "met"  # 126 > 2.5 × 50 = 125
    ev = next(e for e in ex5.evidence if e.element == "ast")
    assert ev.uln == 50
    assert ev.uln_source == "Observation/ast1 referenceRange.high"
    assert (
        status(record(labs={"ast": lab("1920-8", 125, "[IU]/L", ref_high=50)}), "EX5") == "not_met"
    )


def test_creatinine_mass_units_convert_with_88_4() -> None:
    # clinical-facts §11 item 6: 1.7 mg/dL = 150.28 µmol/L > 150. A young heavy man keeps
    # Cockcroft-Gault above 50 (110 × 100 / (72 × 1.70) ≈ 90), so creatinine alone decides.
    young_heavy = {"sex": "male", "birth": date(1996, 1, 1)}
    weight = lab("29463-7", 100, "kg")
    over = record(labs={"creatinine": lab("2160-0", 1.7, "mg/dL"), "weight": weight}, **young_heavy)  # type: ignore[arg-type]
    at = record(labs={"creatinine": lab("2160-0", 150, "umol/L"), "weight": weight}, **young_heavy)  # type: ignore[arg-type]
    assert status(over, "EX1") == "met"
    ex1 = criterion(screen(over), "EX1")
    assert ex1.evidence[0].value == 150.28
    # shown with the digit that keeps it visibly above the threshold (not "150 … above 150")
    assert "150.3 µmol/L" in ex1.reason
    assert status(at, "EX1") == "not_met"


@pytest.mark.parametrize(
    ("sex", "age_years", "weight", "scr", "unit", "crcl"),
    [
        ("male", 60, 70, 1.0, "mg/dL", 77.78),  # item 1
        ("female", 70, 55, 150, "umol/L", 26.79),  # item 2
        ("male", 45, 80, 88.4, "umol/L", 105.56),  # item 3
        ("female", 75, 50, 0.9, "mg/dL", 42.63),  # item 4
        ("female", 50, 60, 70, "umol/L", 80.51),  # item 5
    ],
)
def test_cockcroft_gault_vectors_of_clinical_facts_11(
    sex: str, age_years: int, weight: float, scr: float, unit: str, crcl: float
) -> None:
    birth = AS_OF.replace(year=AS_OF.year - age_years)
    rec = record(
        sex=sex,
        birth=birth,
        labs={"creatinine": lab("2160-0", scr, unit), "weight": lab("29463-7", weight, "kg")},
    )
    ex1 = criterion(screen(rec), "EX1")
    derived = next(e for e in ex1.evidence if e.element == "creatinine_clearance")
    assert derived.value == pytest.approx(crcl, abs=0.01)
    assert ex1.status.value == ("met" if crcl < 50 else "not_met")


def test_cockcroft_gault_needs_weight_in_the_lookback() -> None:
    rec = record(labs={"weight": lab("29463-7", 65, "kg", days_ago=40)})
    ex1 = criterion(screen(rec), "EX1")
    assert ex1.status.value == "unknown"
    assert any("body weight" in m for m in ex1.missing)


def test_bilirubin_and_glucose_in_mass_units() -> None:
    # bilirubin 1 mg/dL = 17.1 µmol/L; 3 × ULN 21 = 63 → 3.7 mg/dL = 63.27 > 63
    assert status(record(labs={"bilirubin": lab("1975-2", 3.7, "mg/dL")}), "EX3") == "met"
    assert status(record(labs={"bilirubin": lab("1975-2", 3.6, "mg/dL")}), "EX3") == "not_met"
    # glucose 2 × ULN 6.1 = 12.2 mmol/L; 220 mg/dL = 12.21 > 12.2; 219 mg/dL = 12.16
    assert status(record(labs={"fasting_glucose": lab("1558-6", 220, "mg/dL")}), "EX16") == "met"
    assert (
        status(record(labs={"fasting_glucose": lab("1558-6", 219, "mg/dL")}), "EX16") == "not_met"
    )


def test_albumin_and_inr_and_aptt_boundaries() -> None:
    assert status(record(labs={"albumin": lab("1751-7", 3.0, "g/dL")}), "EX4") == "not_met"
    assert status(record(labs={"albumin": lab("1751-7", 29.9, "g/L")}), "EX4") == "met"
    assert status(record(labs={"inr": lab("6301-6", 1.5, None)}), "EX6") == "not_met"
    assert status(record(labs={"inr": lab("6301-6", 1.51, "{ratio}")}), "EX6") == "met"
    assert status(record(labs={"aptt": lab("3173-2", 61, "s")}), "EX6") == "met"  # > 1.5 × 40


def test_lab_exactly_28_days_old_counts_29_days_is_stale() -> None:
    fresh = record(labs={"hemoglobin": lab("718-7", 70, "g/L", days_ago=28)})
    stale = record(labs={"hemoglobin": lab("718-7", 70, "g/L", days_ago=29)})
    assert status(fresh, "EX2") == "met"
    result = screen(stale)
    ex2 = criterion(result, "EX2")
    assert ex2.status.value == "unknown"
    assert any(e.role == "context" and "older" in (e.note or "") for e in ex2.evidence)
    assert result.status.value != "eligible"


def test_future_dated_lab_never_decides() -> None:
    rec = record(labs={"hemoglobin": lab("718-7", 130, "g/L", days_ago=-1)})
    ex2 = criterion(screen(rec), "EX2")
    assert ex2.status.value == "unknown"
    assert any(
        e.role == "excluded" and "after the as-of date" in (e.note or "") for e in ex2.evidence
    )


def test_most_recent_result_decides_older_is_context() -> None:
    rec = record(
        labs={"hemoglobin": lab("718-7", 70, "g/L", days_ago=10)},
        extra_measurements=(lab("718-7", 120, "g/L", days_ago=2, rid="hb-new"),),
    )
    ex2 = criterion(screen(rec), "EX2")
    assert ex2.status.value == "not_met"
    assert any(e.source == "Observation/hb-new" and e.role == "decided" for e in ex2.evidence)


def test_unconvertible_unit_is_unknown_and_older_values_do_not_stand_in() -> None:
    rec = record(
        labs={"hemoglobin": lab("718-7", 130, "g/L", days_ago=10)},
        extra_measurements=(lab("718-7", 7.0, "mmol/L", days_ago=1, rid="hb-molar"),),
    )
    ex2 = criterion(screen(rec), "EX2")
    assert ex2.status.value == "unknown"
    assert any(
        e.source == "Observation/hb-molar" and "not convertible" in (e.note or "")
        for e in ex2.evidence
    )


def test_quantity_without_unit_is_a_data_quality_warning_and_decides_nothing() -> None:
    result = screen(record(labs={"albumin": lab("1751-7", 25, None, rid="alb")}))
    assert criterion(result, "EX4").status.value == "unknown"
    assert any(w.source == "Observation/alb" for w in result.warnings)


@pytest.mark.parametrize("bad_status", ["entered-in-error", "cancelled", "preliminary"])
def test_unusable_statuses_never_decide(bad_status: str) -> None:
    rec = record(labs={"hemoglobin": lab("718-7", 70, "g/L", status=bad_status)})
    assert status(rec, "EX2") == "unknown"


def test_same_day_results_that_disagree_are_unknown() -> None:
    rec = record(extra_measurements=(lab("718-7", 70, "g/L", rid="hb-second"),))
    assert status(rec, "EX2") == "unknown"


def test_lab_lookback_override_is_applied_and_reported() -> None:
    rec = record(labs={"hemoglobin": lab("718-7", 70, "g/L", days_ago=40)})
    assert status(rec, "EX2") == "unknown"
    assert status(rec, "EX2", lab_lookback_days="45") == "met"
