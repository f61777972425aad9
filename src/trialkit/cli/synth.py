"""``trialkit synth``: a synthetic screening population as OMOP CDM Parquet or Bulk FHIR NDJSON."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from trialkit.cli.main import app
from trialkit.cli.screen import parse_date
from trialkit.errors import InputError
from trialkit.population.synth import REFERENCE_DATE, write_population


@app.command("synth")
def synth(
    patients: int = typer.Option(..., "--patients", help="How many patients."),
    out: Path = typer.Option(..., "--out", help="Folder to write."),
    fmt: str = typer.Option("omop", "--format", help="omop (Parquet) or fhir-ndjson."),
    seed: int = typer.Option(2026, "--seed", help="Random seed: same seed, same population."),
    reference: str | None = typer.Option(
        None, "--reference-date", help=f"Date the records lead up to (default {REFERENCE_DATE})."
    ),
) -> None:
    """Write a synthetic population (GEP-NET and other oncology patients) to screen."""
    if patients < 1:
        raise InputError("--patients must be at least 1", field="--patients")
    when = parse_date(reference, "--reference-date") or REFERENCE_DATE
    with Console(stderr=True).status(f"Generating {patients:,} patients…"):
        summary = write_population(patients, seed, out, fmt, reference=when)
    Console().print(summary)
