"""Imports every command module so that each registers its group on the root app."""

from trialkit.cli import ctcae, design, dosing, protocol, recist, screen

__all__ = ["ctcae", "design", "dosing", "protocol", "recist", "screen"]
