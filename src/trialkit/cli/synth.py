"""``trialkit synth``: a synthetic screening population as OMOP CDM Parquet or Bulk FHIR NDJSON."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from trialkit.cli.main import app
from trialkit.cli.progress import QUIET_OPTION_HELP, spinner
from trialkit.cli.screen import parse_date
from trialkit.errors import InputError
from trialkit.safe_io import staged_output
from trialkit.synth.options import REFERENCE_DATE, SynthFormat

MAX_SEED = 2**64
"""numpy's generators take any non-negative integer; 64 bits is ample and fits every store."""


@app.command("synth")
def synth(
    patients: int = typer.Option(..., "--patients", help="How many patients."),
    out: Path = typer.Option(..., "--out", metavar="FOLDER", help="Folder to write."),
    fmt: SynthFormat = typer.Option(
        SynthFormat.omop, "--format", help="omop (OMOP CDM Parquet) or fhir-ndjson (Bulk FHIR)."
    ),
    seed: int = typer.Option(2026, "--seed", help="Random seed: same seed, same population."),
    reference: str | None = typer.Option(
        None,
        "--reference-date",
        metavar="YYYY-MM-DD",
        help=f"Date the records lead up to (default {REFERENCE_DATE}).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_OPTION_HELP),
) -> None:
    """Write a synthetic population (GEP-NET and other oncology patients) to screen."""
    from trialkit.synth.population import write_population

    if patients < 1:
        raise InputError("--patients must be at least 1", field="--patients")
    if not 0 <= seed < MAX_SEED:
        raise InputError(
            f"the seed must be a whole number from 0 to {MAX_SEED - 1}", field="--seed"
        )
    when = parse_date(reference, "--reference-date") or REFERENCE_DATE
    with (
        staged_output(out, "--out") as staging,
        spinner(f"Generating and writing {patients:,} patients", quiet=quiet),
    ):
        summary = write_population(
            patients, seed, staging.path, fmt.value, reference=when, shown=out
        )
    Console().print(summary)
