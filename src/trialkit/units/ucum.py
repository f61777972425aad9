"""Convert quantities between UCUM units with a real UCUM parser (ucumvert on pint).

Only what UCUM cannot say is handled here by hand, each rule named:

* pure annotations (``{INR}``, ``{ratio}``) and ``1`` or no unit are the
  dimensionless unit, accepted only where the target is dimensionless
  (data dictionary §4 "Units without a dimension");
* enzyme activity: ``U/L``, ``[IU]/L`` and the non-UCUM spelling ``IU/L`` are
  one unit (data dictionary §4);
* mass ↔ substance concentration uses a molar mass; the molar masses below are
  the ones implied by the conventional clinical factors of clinical-facts §7
  (creatinine ×88.4, bilirubin ×17.1, glucose ÷18.016), so conversions give
  exactly the numbers sites use;
* international units of a specific analyte (HBV DNA ``[IU]/mL``) convert to
  counts only through a caller-given factor (protocol parameter).

Anything else that does not parse or does not fit raises :class:`UnitError`:
an unconvertible unit never decides a criterion.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from trialkit.errors import UnitError

# g/mol, chosen so that mg/dL → µmol/L reproduces the conventional factor exactly.
MOLAR_MASS_G_PER_MOL: dict[str, float] = {
    "creatinine": 10_000 / 88.4,  # 1 mg/dL = 88.4 µmol/L
    "bilirubin": 10_000 / 17.1,  # 1 mg/dL = 17.1 µmol/L
    "glucose": 180.16,  # 1 mmol/L = 18.016 mg/dL
}

_DIMENSIONLESS = frozenset({"", "1", "{INR}", "{ratio}", "{Ratio}", "{index}", "{score}"})
_ENZYME_SPELLINGS = {"IU/L": "U/L", "[IU]/L": "U/L", "U/L": "U/L", "u/L": "U/L", "IU/l": "U/L"}


@cache
def _registry() -> Any:
    from ucumvert import PintUcumRegistry

    return PintUcumRegistry()


@cache
def _parse(unit: str) -> Any:
    """The pint quantity of one ``unit``; raises UnitError when UCUM does not parse it."""
    try:
        parsed = _registry().from_ucum(unit)
    except Exception as exc:  # ucumvert raises lark and pint errors of several kinds
        raise UnitError(f"unit {unit!r} is not valid UCUM") from exc
    if not hasattr(parsed, "dimensionality"):
        # a bare annotation such as {copies}: UCUM gives it no dimension to convert
        raise UnitError(f"unit {unit!r} is an annotation without a unit")
    return parsed


def _is_dimensionless(unit: str | None) -> bool:
    return unit is None or unit.strip() in _DIMENSIONLESS


def convert(
    value: Decimal | float | int,
    unit: str | None,
    target: str,
    *,
    analyte: str | None = None,
    iu_factor: float | None = None,
) -> float:
    """``value`` in ``unit`` expressed in ``target`` (both UCUM codes).

    ``analyte`` names a molar mass of :data:`MOLAR_MASS_G_PER_MOL` for mass ↔
    substance conversions; ``iu_factor`` converts ``[IU]`` of the analyte to
    counts (``{copies}``). Raises :class:`UnitError` when no rule applies.
    """
    amount = float(value)
    source = unit.strip() if unit is not None else None
    if _is_dimensionless(target):
        if _is_dimensionless(source):
            return amount
        raise UnitError(f"unit {source!r} is not dimensionless (expected {target!r})")
    if source is None or source == "":
        raise UnitError(f"no unit recorded; {target} needed")
    if _ENZYME_SPELLINGS.get(target) == "U/L" and source in _ENZYME_SPELLINGS:
        return amount
    if iu_factor is not None and source.startswith("[IU]"):
        amount *= iu_factor
        source = "1" + source[len("[IU]") :]
    src = _parse(source)
    dst = _parse(target)
    quantity = amount * src
    try:
        if quantity.dimensionality == dst.dimensionality:
            return _tidy(float(quantity.to(dst).magnitude / dst.magnitude))
        return _via_molar_mass(quantity, dst, source, target, analyte)
    except UnitError:
        raise
    except Exception as exc:  # pint DimensionalityError and friends
        raise UnitError(f"cannot convert {source!r} to {target!r}") from exc


def _via_molar_mass_raw(
    quantity: Any, dst: Any, source: str, target: str, analyte: str | None
) -> float:
    if analyte is None or analyte not in MOLAR_MASS_G_PER_MOL:
        raise UnitError(f"cannot convert {source!r} to {target!r}")
    molar_mass = MOLAR_MASS_G_PER_MOL[analyte] * _parse("g/mol")
    mass_conc = _parse("g/L").dimensionality
    subst_conc = _parse("mol/L").dimensionality
    if quantity.dimensionality == mass_conc and dst.dimensionality == subst_conc:
        converted = quantity / molar_mass
    elif quantity.dimensionality == subst_conc and dst.dimensionality == mass_conc:
        converted = quantity * molar_mass
    else:
        raise UnitError(f"cannot convert {source!r} to {target!r}")
    return float(converted.to(dst).magnitude / dst.magnitude)


def _via_molar_mass(
    quantity: Any, dst: Any, source: str, target: str, analyte: str | None
) -> float:
    return _tidy(_via_molar_mass_raw(quantity, dst, source, target, analyte))


def _tidy(x: float) -> float:
    """Drop binary floating-point noise (75000/mm3 is 75, not 75.00000000000001).

    Nine decimal places are far beyond any laboratory's precision, keep threshold
    comparisons at the exact boundary honest, and are what every SQL engine's
    ``round(x, 9)`` reproduces, so population screening converts identically.
    """
    return round(x, 9)


def conversion_factor(
    unit: str | None,
    target: str,
    *,
    analyte: str | None = None,
    iu_factor: float | None = None,
) -> float:
    """The exact multiplier from ``unit`` to ``target`` (no rounding). Every conversion here is
    linear, so a relational engine converts ``value × factor`` and rounds as ``convert`` does."""
    scale = 1e6  # any value works; a large one keeps the division exact to double precision
    source = unit.strip() if unit is not None else None
    if _is_dimensionless(target) or (
        _ENZYME_SPELLINGS.get(target) == "U/L" and source in _ENZYME_SPELLINGS
    ):
        convert(
            1, unit, target, analyte=analyte, iu_factor=iu_factor
        )  # raises when not convertible
        return 1.0
    amount = scale * (
        iu_factor if iu_factor is not None and source and source.startswith("[IU]") else 1.0
    )
    source_unit = "1" + source[len("[IU]") :] if amount != scale and source else source
    if source_unit is None or source_unit == "":
        raise UnitError(f"no unit recorded; {target} needed")
    quantity = amount * _parse(source_unit)
    dst = _parse(target)
    try:
        if quantity.dimensionality == dst.dimensionality:
            return float(quantity.to(dst).magnitude / dst.magnitude) / scale
    except Exception as exc:
        raise UnitError(f"cannot convert {source!r} to {target!r}") from exc
    value = _via_molar_mass_raw(quantity, dst, source_unit, target, analyte)
    return value / scale


def is_convertible(unit: str | None, target: str, *, analyte: str | None = None) -> bool:
    try:
        convert(1, unit, target, analyte=analyte, iu_factor=1.0)
    except UnitError:
        return False
    return True
