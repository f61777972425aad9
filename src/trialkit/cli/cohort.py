"""``trialkit cohort``: which patients could enter the trial, which criterion stops the others."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.screen import parse_date
from trialkit.errors import InputError
from trialkit.services.cohort import run_cohort
from trialkit.services.screening import parse_overrides


@app.command("cohort")
def cohort(
    sources: list[Path] = typer.Argument(
        ...,
        help="FHIR R4 Bundles, Bulk FHIR NDJSON folders, or one OMOP CDM v5.4 folder.",
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (embedded) or spark."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Screening date YYYY-MM-DD (default today)."
    ),
    first_dose: str | None = typer.Option(
        None, "--first-dose", help="Planned first dose YYYY-MM-DD."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for Parquet verdicts, funnel and figure."
    ),
    param: list[str] = typer.Option(
        [], "--param", help="Override a protocol parameter: name=value."
    ),
    spark_master: str = typer.Option("local[2]", "--spark-master", help="Spark master URL."),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Screen a population with the compiled protocol: attrition funnel and near misses."""
    if engine not in ("duckdb", "spark"):
        raise InputError(f"unknown engine {engine!r} (duckdb or spark)", field="--engine")
    console = Console(stderr=fmt == "json")
    with console.status(f"Screening on {engine}…"):
        run = run_cohort(
            sources,
            engine=engine,
            as_of=parse_date(as_of, "--as-of"),
            first_dose=parse_date(first_dose, "--first-dose"),
            overrides=parse_overrides(param),
            out=out,
            spark_master=spark_master,
        )
    f = run.funnel
    if fmt == "json":
        typer.echo(json.dumps({**f.to_json(), "data_quality_warnings": run.data_quality}, indent=2))
        return
    table = Table(
        "criterion",
        "kind",
        "remaining",
        "removed",
        "unknown",
        "left",
        title=f"Attrition funnel — {f.screened} screened as of {run.as_of} ({run.engine})",
    )
    for s in f.steps:
        table.add_row(
            s.criterion,
            s.kind,
            str(s.remaining_before),
            str(s.removed),
            str(s.unknown),
            str(s.remaining_after),
        )
    console.print(table)
    console.print(f"eligible {f.eligible} · incomplete {f.incomplete} · ineligible {f.ineligible}")
    for what, count in run.data_quality.items():
        console.print(f"[yellow]data-quality warning:[/] {count} × {what}")
    if f.near_misses:
        console.print(
            "Near misses (blocked by exactly one criterion): "
            + ", ".join(f"{c} × {n}" for c, n in f.blocked_by_one.items())
        )
    for path in run.written:
        console.print(f"wrote {path}")
