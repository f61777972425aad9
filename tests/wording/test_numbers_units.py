"""Known answers for the clinical-wording primitives (issue 14 item 1)."""

from __future__ import annotations

from datetime import date

from trialkit.wording import (
    a_or_an,
    count,
    day,
    entered,
    names,
    number,
    number_against,
    quantity,
    shown,
    significant_digits,
    unit,
    units_in_text,
)


def test_numbers_at_the_precision_reported() -> None:
    # 104 mg/dL glucose = 5.772647 mmol/L (÷ 18.016): three digits reported, three shown
    assert number(104 / 18.016, significant_digits("104 mg/dL")) == "5.77"
    # 0.82 mg/dL creatinine = 72.488 µmol/L (× 88.4): two digits reported
    assert number(0.82 * 88.4, significant_digits("0.82 mg/dL")) == "72"
    assert number(121.0, significant_digits("12.1 g/dL")) == "121"
    assert number(11, significant_digits("11.0 umol/L")) == "11.0"
    # a Synthea value with 17 digits is shown with at most four
    assert number(13.473847022404218) == "13.47"
    assert number(1e308) == "1 × 10³⁰⁸"
    assert number(212, 2) == "212"  # integer digits are never rounded away


def test_rounding_never_contradicts_a_threshold() -> None:
    # 1.7 mg/dL = 150.28 µmol/L > 150: "150 … is above 150" would read false
    assert number(150.28, 2) == "150"
    assert number_against(150.28, [150], 2) == "150.3"
    assert number_against(121.0, [80], 3) == "121"


def test_conventional_units() -> None:
    assert unit("10*9/L") == "×10⁹/L"
    assert unit("10*3/uL") == "×10³/µL"
    assert unit("umol/L") == "µmol/L"
    assert unit("a") == "years"
    assert unit("1") == ""
    assert unit("{INR}") == ""
    assert unit("{copies}/mL") == "copies/mL"
    # an eGFR's body-surface annotation and UCUM's digit exponents, as clinicians write them
    assert unit("mL/min/{1.73_m2}") == "mL/min/1.73 m²"
    assert unit("kg/m2") == "kg/m²"
    assert unit("m2") == "m²"
    assert unit("s-1") == "s⁻¹"
    assert unit("10*12/L") == "×10¹²/L"  # a power of ten is not an exponent of a symbol
    assert quantity(5.4, "10*9/L") == "5.4 ×10⁹/L"
    assert quantity(1.0, "1", digits=2) == "1.0"
    assert entered("12.1 g/dL") == "12.1 g/dL"
    assert entered("1.0 {INR}") == "1.0"


def test_dates_booleans_and_grammar() -> None:
    assert day("2026-11-19") == "19 Nov 2026"
    assert day(date(2026, 11, 18)) == "18 Nov 2026"
    assert shown(True) == "yes"
    assert shown(False) == "no"
    assert shown(None) == "not recorded"
    assert shown((16, 24)) == "16 and 24"
    assert a_or_an("ALT result") == "an ALT result"
    assert a_or_an("HBsAg result") == "an HBsAg result"
    assert a_or_an("haemoglobin result") == "a haemoglobin result"
    assert a_or_an("INR result") == "an INR result"
    assert count(1, "measurable lesion") == "1 measurable lesion"
    assert count(3, "measurable lesion") == "3 measurable lesions"
    assert (
        names(["L1 (34 mm)", "L2 (21 mm)", "N1 (17 mm)"]) == "L1 (34 mm), L2 (21 mm) and N1 (17 mm)"
    )


def test_stored_rule_text_reads_in_clinicians_units() -> None:
    assert units_in_text("< 75 - 50 10*9/L") == "< 75 - 50 ×10⁹/L"
    assert units_in_text("> 1.5 - 3.0 x ULN (26 umol/L)") == "> 1.5 - 3.0 x ULN (26 µmol/L)"
    assert units_in_text(None) == ""
    assert units_in_text("grade entered by the investigator") == "grade entered by the investigator"
