"""UCUM conversion: known factors (clinical-facts §7, §11 item 6; data dictionary §1, §4) and
properties that hold for any value."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkit.errors import UnitError
from trialkit.units import convert


@pytest.mark.parametrize(
    ("value", "unit", "target", "analyte", "expected"),
    [
        (1.7, "mg/dL", "umol/L", "creatinine", 150.28),  # §11 item 6
        (160, "mg/dL", "mmol/L", "glucose", 8.88),  # §11 item 6 (÷ 18.016)
        (1, "mg/dL", "umol/L", "bilirubin", 17.1),  # §7
        (8.0, "g/dL", "g/L", None, 80.0),  # §7 Hb
        (3.0, "g/dL", "g/L", None, 30.0),  # §7 albumin
        (75000, "/mm3", "10*9/L", None, 75.0),  # §7
        (250, "10*3/uL", "10*9/L", None, 250.0),  # data dictionary §1
        (2000, "/uL", "10*9/L", None, 2.0),
        (154.3236, "[lb_av]", "kg", None, 70.0),
        (65, "%", "%", None, 65.0),
    ],
)
def test_known_conversions(
    value: float, unit: str, target: str, analyte: str | None, expected: float
) -> None:
    assert convert(value, unit, target, analyte=analyte) == pytest.approx(expected, abs=0.005)


@pytest.mark.parametrize("unit", ["U/L", "[IU]/L", "IU/L"])
def test_enzyme_activity_spellings_are_one_unit(unit: str) -> None:
    assert convert(45, unit, "U/L") == 45


@pytest.mark.parametrize("unit", [None, "", "1", "{INR}", "{ratio}"])
def test_dimensionless_inr(unit: str | None) -> None:
    assert convert(1.2, unit, "1") == 1.2


def test_hbv_dna_international_units_use_the_given_factor() -> None:
    assert convert(1000, "[IU]/mL", "{copies}/mL", iu_factor=5.4) == pytest.approx(5400)
    assert convert(1000, "{copies}/mL", "{copies}/mL") == 1000


@pytest.mark.parametrize(
    ("unit", "target", "analyte"),
    [
        ("K/uL", "10*9/L", None),  # common but not UCUM
        ("mg", "g/L", None),  # wrong dimension
        (None, "g/L", None),  # needs a unit
        ("{INR}", "g/L", None),
        ("mg/dL", "umol/L", None),  # molar needs a molar mass
        ("mmol/L", "g/L", None),  # haemoglobin in mmol/L: no molar mass declared
        ("g/L", "1", None),
    ],
)
def test_unconvertible_units_raise(unit: str | None, target: str, analyte: str | None) -> None:
    with pytest.raises(UnitError):
        convert(1, unit, target, analyte=analyte)


finite = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(finite)
def test_mass_molar_round_trip(value: float) -> None:
    for analyte, mass, molar in [
        ("creatinine", "mg/dL", "umol/L"),
        ("glucose", "mg/dL", "mmol/L"),
        ("bilirubin", "mg/dL", "umol/L"),
    ]:
        there = convert(value, mass, molar, analyte=analyte)
        back = convert(there, molar, mass, analyte=analyte)
        # conversions keep 9 decimal places (units._tidy): exact to well below lab precision
        assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-7)


@given(finite, finite)
def test_conversion_is_monotone(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert convert(lo, "mg/dL", "umol/L", analyte="creatinine") <= convert(
        hi, "mg/dL", "umol/L", analyte="creatinine"
    )


@given(finite)
def test_conversion_is_linear_in_the_value(value: float) -> None:
    assert math.isclose(convert(value, "g/dL", "g/L"), 10 * value, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(convert(value, "/uL", "10*9/L"), value / 1000, rel_tol=1e-9, abs_tol=1e-9)


@given(
    finite,
    st.sampled_from(
        [
            ("mg/dL", "umol/L", "creatinine", None),
            ("mg/dL", "mmol/L", "glucose", None),
            ("umol/L", "mg/dL", "bilirubin", None),
            ("g/dL", "g/L", None, None),
            ("/mm3", "10*9/L", None, None),
            ("[IU]/mL", "{copies}/mL", None, 5.4),
            ("IU/L", "U/L", None, None),
            ("{INR}", "1", None, None),
            ("[lb_av]", "kg", None, None),
            ("min", "s", None, None),
        ]
    ),
)
def test_conversion_factor_times_value_is_the_conversion(
    value: float, case: tuple[str, str, str | None, float | None]
) -> None:
    """The population path converts value × factor, rounded like convert (9 decimals)."""
    from trialkit.units.ucum import conversion_factor

    unit, target, analyte, iu = case
    factor = conversion_factor(unit, target, analyte=analyte, iu_factor=iu)
    assert round(value * factor, 9) == pytest.approx(
        convert(value, unit, target, analyte=analyte, iu_factor=iu), abs=2e-9, rel=1e-12
    )
