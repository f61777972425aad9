"""Whether a number can be a real result: finite, not negative, inside a possible range.

NaN and ±Infinity are "no value" in every source (a float export artefact, never a
measurement). Negative counts, concentrations, activities and diameters do not exist.
A protocol's laboratory element declares the physiologically possible range in its
canonical unit, with its source (``elements.<name>.plausible`` in protocol.yaml); a
value outside it is a data-quality warning and decides nothing (issue 12 point 10;
data dictionary §4: implausible data are unknown, never "not met").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PlausibleRange:
    """The physiologically possible values of an element, in its canonical unit."""

    low: float
    high: float
    unit: str
    source: str

    def describe(self) -> str:
        return f"{self.low:g}–{self.high:g}{_suffix(self.unit)}"


def no_value(value: Decimal | float | int | None) -> bool:
    """None, NaN or ±Infinity: there is no number to use."""
    if value is None:
        return True
    if isinstance(value, Decimal):
        return not value.is_finite()
    if isinstance(value, int):
        return False
    return not math.isfinite(value)


def implausible(
    value: Decimal | float | int | None, plausible: PlausibleRange | None = None
) -> str | None:
    """Why ``value`` (in the range's unit) cannot be a real result; None when it can.

    Checked in this order: no number (None/NaN/±Infinity), negative, outside the range.
    Without a range only the first two apply.
    """
    if value is None:
        return "no value"
    if no_value(value):
        return f"{_shown(value)} is no value (not a finite number)"
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the double range
        number = math.inf
    if not math.isfinite(number):  # a finite Decimal or integer beyond the double range
        return "a number beyond any possible range"
    if number < 0:
        return f"{_shown(value)} is negative"
    if plausible is not None and not plausible.low <= number <= plausible.high:
        return (
            f"{_shown(value)}{_suffix(plausible.unit)} is outside the physiologically possible "
            f"range {plausible.describe()} ({plausible.source})"
        )
    return None


def _shown(value: Decimal | float | int) -> str:
    """Called with a non-finite value or a finite one within the double range."""
    if isinstance(value, Decimal):
        if value.is_nan():
            return "NaN"
        if value.is_infinite():
            return "-Infinity" if value.is_signed() else "Infinity"
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "-Infinity" if number < 0 else "Infinity"
    return f"{number:g}"


def _suffix(unit: str) -> str:
    return "" if unit in ("", "1") else f" {reader_unit(unit)}"


def reader_unit(unit: str) -> str:
    """A UCUM code as a clinician writes it (10*9/L → ×10⁹/L, umol/L → µmol/L): the one
    spelling of :func:`trialkit.wording.unit`."""
    from trialkit.wording import unit as spelled

    return spelled(unit)
