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
MAX_PATIENTS = 10_000_000
"""Ten times the bench's million. Larger populations do not fit one machine's memory (the
warehouse is drawn in column arrays), so a bigger number is refused before anything is
allocated or written, rather than failing half-way."""


@app.command("synth")
def synth(
    patients: int = typer.Option(
        ..., "--patients", help=f"How many patients (1 to {MAX_PATIENTS:,})."
    ),
    out: Path = typer.Option(..., "--out", metavar="FOLDER", help="Folder to write."),
    fmt: SynthFormat | None = typer.Option(
        None,
        "--format",
        help="omop (OMOP CDM Parquet, the default), fhir-ndjson (Bulk FHIR) or, with "
        "--protocol, fhir-bundles (one Bundle per patient, the default there).",
    ),
    protocol: str | None = typer.Option(
        None,
        "--protocol",
        metavar="PROTOCOL",
        help="Derive the population from this protocol (bundled id or folder): its elements, "
        "value sets, windows and CRF; a mix of eligible, ineligible and incomplete patients.",
    ),
    warehouse: bool = typer.Option(
        False,
        "--warehouse",
        help="With --protocol: draw that protocol's synthetic warehouse instead (its "
        "warehouse/ehr.yaml; what `trialkit synth` without --protocol draws for the "
        "bundled protocol).",
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
    """Write a synthetic population to screen: the bundled protocol's oncology warehouse
    (its warehouse profile), with --protocol one derived from any protocol, or with
    --protocol and --warehouse that protocol's warehouse."""

    if not 1 <= patients <= MAX_PATIENTS:
        raise InputError(
            f"--patients must be a whole number from 1 to {MAX_PATIENTS:,}", field="--patients"
        )
    if not 0 <= seed < MAX_SEED:
        raise InputError(
            f"the seed must be a whole number from 0 to {MAX_SEED - 1}", field="--seed"
        )
    when = parse_date(reference, "--reference-date") or REFERENCE_DATE
    if protocol is not None and not warehouse:
        from trialkit.protocol import load_protocol
        from trialkit.synth.protocol import write_protocol_population

        chosen = fmt or SynthFormat.fhir_bundles
        if chosen is SynthFormat.omop:
            raise InputError(
                "--protocol writes FHIR (fhir-bundles or fhir-ndjson); OMOP from a protocol's "
                "derived population is not built yet (--warehouse writes the protocol's "
                "synthetic warehouse as OMOP, if it declares one)",
                field="--format",
            )
        p = load_protocol(protocol)
        with (
            staged_output(out, "--out") as staging,
            spinner(f"Generating and writing {patients:,} patients for {p.id}", quiet=quiet),
        ):
            summary = write_protocol_population(
                p, patients, seed, staging.path, chosen.value, as_of=when, shown=out
            )
        Console().print(summary)
        return
    from trialkit.synth.population import write_population
    from trialkit.synth.profile import warehouse_profile

    chosen = fmt or SynthFormat.omop
    if chosen is SynthFormat.fhir_bundles:
        raise InputError("fhir-bundles needs --protocol (without --warehouse)", field="--format")
    warehouse_profile(protocol)  # no profile, or a broken one: exit 2 before writing anything
    with (
        staged_output(out, "--out") as staging,
        spinner(f"Generating and writing {patients:,} patients", quiet=quiet),
    ):
        summary = write_population(
            patients, seed, staging.path, chosen.value, reference=when, shown=out, protocol=protocol
        )
    Console().print(summary)
