"""Imports every command module so that each registers its group on the root app."""

from trialkit.cli import (
    cohort,
    ctcae,
    demo,
    design,
    dosing,
    export,
    protocol,
    recist,
    report,
    screen,
    serve,
    store,
    synth,
)

__all__ = [
    "cohort",
    "ctcae",
    "demo",
    "design",
    "dosing",
    "export",
    "protocol",
    "recist",
    "report",
    "screen",
    "serve",
    "store",
    "synth",
]
