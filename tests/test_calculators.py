"""Known answers for the declared calculators (trialkit.calculators), from their papers.

Each expected value is worked by hand from the equation as its paper prints it (the
coefficients quoted beside each case), never taken from the code's output; results are
compared at the precision the papers report (mL/min and mL/min/1.73 m² as integers,
BMI to 0.1 kg/m², BSA to 0.01 m²).
"""

from __future__ import annotations

from datetime import date

import pytest

from trialkit.calculators import CALCULATORS, PY, age_years, calculator

UMOL = 88.4  # µmol/L per mg/dL (clinical-facts §7)


def _v(**kw: object) -> dict[str, object]:
    return kw


# Cockcroft & Gault, Nephron 1976: CrCl = (140 − age) × weight / (72 × SCr mg/dL), × 0.85 female.
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # (140 − 40) × 72 / (72 × 1.0) = 100
        (_v(creatinine=1.0 * UMOL, weight=72, age=40, female=False), 100.0),
        # the same woman: 100 × 0.85 = 85
        (_v(creatinine=1.0 * UMOL, weight=72, age=40, female=True), 85.0),
        # (140 − 80) × 60 / (72 × 2.0) = 3600 / 144 = 25
        (_v(creatinine=2.0 * UMOL, weight=60, age=80, female=False), 25.0),
    ],
)
def test_cockcroft_gault(values: dict[str, object], expected: float) -> None:
    assert calculator("cockcroft_gault").compute(values) == pytest.approx(expected, abs=0.005)


# Levey et al., Ann Intern Med 2006 (IDMS-traceable): 175 × SCr^−1.154 × age^−0.203 × 0.742 F.
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # 175 × 1 × 50^−0.203 = 175 × 0.4520 = 79.1 → 79
        (_v(creatinine=1.0 * UMOL, age=50, female=False), 79),
        # × 0.742 = 58.7 → 59
        (_v(creatinine=1.0 * UMOL, age=50, female=True), 59),
        # 175 × 2^−1.154 × 70^−0.203 = 175 × 0.4493 × 0.4219 = 33.2 → 33
        (_v(creatinine=2.0 * UMOL, age=70, female=False), 33),
    ],
)
def test_mdrd_175(values: dict[str, object], expected: int) -> None:
    assert round(calculator("mdrd").compute(values)) == expected


# Inker et al., NEJM 2021: 142 × min(SCr/κ,1)^α × max(SCr/κ,1)^−1.200 × 0.9938^age × 1.012 F;
# κ 0.7 F / 0.9 M, α −0.241 F / −0.302 M.
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # 142 × (1.0/0.9)^−1.2 × 0.9938^50 = 142 × 0.8812 × 0.7328 = 91.7 → 92
        (_v(creatinine=1.0 * UMOL, age=50, female=False), 92),
        # 142 × (1.0/0.7)^−1.2 × 0.9938^50 × 1.012 = 142 × 0.6518 × 0.7328 × 1.012 = 68.6 → 69
        (_v(creatinine=1.0 * UMOL, age=50, female=True), 69),
        # at κ: 142 × 1 × 1 × 0.9938^40 × 1.012 = 142 × 0.7799 × 1.012 = 112.1 → 112
        (_v(creatinine=0.7 * UMOL, age=40, female=True), 112),
        # below κ: 142 × (0.6/0.9)^−0.302 × 0.9938^60 = 142 × 1.1302 × 0.6886 = 110.5 → 111
        (_v(creatinine=0.6 * UMOL, age=60, female=False), 111),
    ],
)
def test_ckd_epi_2021(values: dict[str, object], expected: int) -> None:
    assert round(calculator("ckd_epi_2021").compute(values)) == expected


def test_bmi() -> None:
    # WHO: weight / height²: 70 / 1.75² = 22.857 → 22.9 kg/m²
    assert calculator("bmi").compute({"weight": 70, "height": 175}) == 22.9


@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    # Mosteller, NEJM 1987: √(cm × kg / 3600): √(180 × 80 / 3600) = √4 = 2.00;
    # √(165 × 60 / 3600) = √2.75 = 1.66
    [(180, 80, 2.0), (165, 60, 1.66)],
)
def test_bsa_mosteller(height: float, weight: float, expected: float) -> None:
    assert calculator("bsa_mosteller").compute({"height": height, "weight": weight}) == expected


@pytest.mark.parametrize(
    ("birth", "at", "years"),
    [
        (date(1960, 3, 15), date(2026, 3, 14), 65),  # the day before the birthday
        (date(1960, 3, 15), date(2026, 3, 15), 66),  # on it
        (date(1960, 2, 29), date(2025, 2, 28), 64),  # a leap-day birthday in a common year:
        (date(1960, 2, 29), date(2025, 3, 1), 65),  # reached on 1 March
        (date(2008, 11, 19), date(2026, 11, 19), 18),
    ],
)
def test_age_at_an_anchor(birth: date, at: date, years: int) -> None:
    assert age_years(PY, birth, at) == years


def test_every_calculator_cites_its_paper_and_shows_its_formula() -> None:
    sample = {"creatinine": 100.0, "weight": 70.0, "height": 170.0, "age": 50, "female": True}
    for calc in CALCULATORS.values():
        assert calc.citation
        assert calc.label
        assert calc.unit
        shown = calc.shown(sample)
        assert "None" not in shown
        assert "True" not in shown
        assert any(ch.isdigit() for ch in shown)


def test_unknown_calculator_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="cockcroft_gault"):
        calculator("schwartz")
