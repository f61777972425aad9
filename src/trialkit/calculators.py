"""Derived values as declared, cited calculators: one formula for every path.

A protocol binds a calculator's inputs to its own elements (``derived:`` in
``protocol.yaml``, docs/protocols.md "Calculators"); the engine names no element.
Each formula is written once, over :class:`Ops` — plain floats for the
single-patient evaluator and dosing (:data:`PY`), ibis expressions for the SQL
compiler (``relational.labs``) — so both paths compute the same thing from the
same declaration. Each calculator cites its paper; ``tests/test_calculators.py``
holds known answers from those papers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from trialkit.wording import number

# Serum creatinine µmol/L per mg/dL: 88.4 exactly (clinical-facts §7; creatinine 113.12 g/mol).
CREATININE_UMOL_PER_MG_DL = 88.4


class Ops:
    """Arithmetic the formulas use beyond ``+ − × ÷``: floats here, SQL in relational.labs."""

    def where(self, cond: Any, yes: Any, no: Any) -> Any:
        return yes if cond else no

    def pow(self, base: Any, exponent: float) -> Any:
        return float(base) ** exponent

    def sqrt(self, value: Any) -> Any:
        return math.sqrt(value)

    def least(self, a: Any, b: Any) -> Any:
        return min(a, b)

    def greatest(self, a: Any, b: Any) -> Any:
        return max(a, b)

    def year(self, day: Any) -> Any:
        return day.year

    def month(self, day: Any) -> Any:
        return day.month

    def day(self, day: Any) -> Any:
        return day.day


PY = Ops()


@dataclass(frozen=True)
class Input:
    """One input: ``number`` (an element's value, converted to ``unit``), ``age`` (completed
    years at as-of) or ``sex`` (administrative sex: the formula sees ``female``)."""

    name: str
    kind: str  # number / age / sex
    unit: str | None = None
    label: str = ""


Formula = Callable[[Ops, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Calculator:
    name: str
    label: str
    unit: str  # UCUM of the result
    citation: str
    inputs: tuple[Input, ...]
    formula: Formula
    shown: Callable[[Mapping[str, Any]], str]  # the formula with the values put in
    digits: int = 2  # the result is rounded to this many decimals before any comparison
    method: str = ""  # the method's name as clinicians write it beside a value ("MDRD")

    def compute(self, values: Mapping[str, Any]) -> float:
        """The result for ``values`` (number inputs by name, ``age``, ``female``)."""
        return round(float(self.formula(PY, values)), self.digits)

    def number_inputs(self) -> tuple[Input, ...]:
        return tuple(i for i in self.inputs if i.kind == "number")


def _f(x: Any) -> str:
    return number(float(x))


def _sex_factor(v: Mapping[str, Any], factor: float) -> str:
    return f" × {factor:g} (female)" if v["female"] else ""


# --- the formulas ----------------------------------------------------------------------------


def _cockcroft_gault(o: Ops, v: Mapping[str, Any]) -> Any:
    scr = v["creatinine"] / CREATININE_UMOL_PER_MG_DL
    return (140 - v["age"]) * v["weight"] / (72 * scr) * o.where(v["female"], 0.85, 1.0)


def _cockcroft_gault_shown(v: Mapping[str, Any]) -> str:
    scr = v["creatinine"] / CREATININE_UMOL_PER_MG_DL
    return f"(140 − {_f(v['age'])}) × {_f(v['weight'])} kg / (72 × {_f(scr)} mg/dL)" + _sex_factor(
        v, 0.85
    )


def _mdrd(o: Ops, v: Mapping[str, Any]) -> Any:
    scr = v["creatinine"] / CREATININE_UMOL_PER_MG_DL
    return 175 * o.pow(scr, -1.154) * o.pow(v["age"], -0.203) * o.where(v["female"], 0.742, 1.0)


def _mdrd_shown(v: Mapping[str, Any]) -> str:
    scr = v["creatinine"] / CREATININE_UMOL_PER_MG_DL
    return f"175 × {_f(scr)}^−1.154 × {_f(v['age'])}^−0.203" + _sex_factor(v, 0.742)


def _ckd_epi_2021(o: Ops, v: Mapping[str, Any]) -> Any:
    scr = v["creatinine"] / CREATININE_UMOL_PER_MG_DL
    kappa = o.where(v["female"], 0.7, 0.9)
    alpha = o.where(v["female"], -0.241, -0.302)
    ratio = scr / kappa
    return (
        142
        * o.pow(o.least(ratio, 1.0), alpha)
        * o.pow(o.greatest(ratio, 1.0), -1.200)
        * o.pow(0.9938, v["age"])
        * o.where(v["female"], 1.012, 1.0)
    )


def _ckd_epi_2021_shown(v: Mapping[str, Any]) -> str:
    scr = v["creatinine"] / CREATININE_UMOL_PER_MG_DL
    kappa, alpha = (0.7, -0.241) if v["female"] else (0.9, -0.302)
    return (
        f"142 × min({_f(scr)}/{kappa:g}, 1)^{alpha:g} × max({_f(scr)}/{kappa:g}, 1)^−1.200"
        f" × 0.9938^{_f(v['age'])}" + _sex_factor(v, 1.012)
    )


def _bmi(o: Ops, v: Mapping[str, Any]) -> Any:
    metres = v["height"] / 100
    return v["weight"] / (metres * metres)


def _bmi_shown(v: Mapping[str, Any]) -> str:
    return f"{_f(v['weight'])} kg / ({_f(v['height'] / 100)} m)²"


def _bsa_mosteller(o: Ops, v: Mapping[str, Any]) -> Any:
    return o.sqrt(v["height"] * v["weight"] / 3600)


def _bsa_mosteller_shown(v: Mapping[str, Any]) -> str:
    return f"√({_f(v['height'])} cm × {_f(v['weight'])} kg / 3600)"


_CREATININE = Input("creatinine", "number", "umol/L", "serum creatinine")
_AGE = Input("age", "age", "a", "age")
_SEX = Input("sex", "sex", None, "administrative sex")
_WEIGHT = Input("weight", "number", "kg", "body weight")
_HEIGHT = Input("height", "number", "cm", "body height")

CALCULATORS: dict[str, Calculator] = {
    c.name: c
    for c in (
        Calculator(
            "cockcroft_gault",
            "creatinine clearance (Cockcroft-Gault)",
            "mL/min",
            "Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. "
            "Nephron 1976;16:31-41",
            (_CREATININE, _WEIGHT, _AGE, _SEX),
            _cockcroft_gault,
            _cockcroft_gault_shown,
            method="Cockcroft-Gault",
        ),
        Calculator(
            "mdrd",
            "eGFR (MDRD 4-variable, IDMS-traceable)",
            "mL/min/{1.73_m2}",
            "Levey AS et al. Using standardized serum creatinine values in the Modification of "
            "Diet in Renal Disease study equation for estimating glomerular filtration rate. "
            "Ann Intern Med 2006;145:247-254 (the 175 equation; its race coefficient 1.212 is "
            "not applied, as the NKF-ASN task force recommends, 2021)",
            (_CREATININE, _AGE, _SEX),
            _mdrd,
            _mdrd_shown,
            method="MDRD",
        ),
        Calculator(
            "ckd_epi_2021",
            "eGFR (CKD-EPI 2021, race-free)",
            "mL/min/{1.73_m2}",
            "Inker LA et al. New creatinine- and cystatin C-based equations to estimate GFR "
            "without race. N Engl J Med 2021;385:1737-1749",
            (_CREATININE, _AGE, _SEX),
            _ckd_epi_2021,
            _ckd_epi_2021_shown,
            method="CKD-EPI 2021",
        ),
        Calculator(
            "bmi",
            "body mass index",
            "kg/m2",
            "WHO. Obesity: preventing and managing the global epidemic. "
            "WHO Technical Report Series 894, 2000 (BMI = weight / height²)",
            (_WEIGHT, _HEIGHT),
            _bmi,
            _bmi_shown,
            digits=1,
            method="BMI",
        ),
        Calculator(
            "bsa_mosteller",
            "body surface area (Mosteller)",
            "m2",
            "Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098",
            (_HEIGHT, _WEIGHT),
            _bsa_mosteller,
            _bsa_mosteller_shown,
            method="Mosteller",
        ),
    )
}


def age_years(o: Ops, birth: Any, at: date) -> Any:
    """Age in completed years on ``at``: the birthday is reached on its calendar date (a
    29 February birthday on 1 March in a common year). The one rule of age at an anchor."""
    before = (o.month(birth) > at.month) | ((o.month(birth) == at.month) & (o.day(birth) > at.day))
    return at.year - o.year(birth) - o.where(before, 1, 0)


def calculator(name: str) -> Calculator:
    """The calculator ``name``; KeyError names the known ones."""
    try:
        return CALCULATORS[name]
    except KeyError:
        raise KeyError(f"unknown calculator {name!r}; known: {', '.join(CALCULATORS)}") from None
