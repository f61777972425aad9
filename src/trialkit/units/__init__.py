"""UCUM unit conversion: the one place trialkit turns a recorded quantity into a canonical one."""

from trialkit.units.ucum import MOLAR_MASS_G_PER_MOL, convert, is_convertible

__all__ = ["MOLAR_MASS_G_PER_MOL", "convert", "is_convertible"]
