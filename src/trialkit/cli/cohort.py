"""``trialkit cohort``: which patients could enter the trial, which criterion stops the others."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.screen import parse_date
from trialkit.population.backend import DEFAULT_MEMORY_LIMIT
from trialkit.population.cohort import PHASES, CohortRun, run_cohort
from trialkit.services.screening import parse_overrides

NEAR_MISSES_SHOWN = 20


@app.command("cohort")
def cohort(
    sources: list[Path] = typer.Argument(
        ...,
        help="An OMOP CDM v5.4 instance (DuckDB file, Parquet or CSV folder), Bulk FHIR "
        "NDJSON files or folders, or FHIR R4 Bundles.",
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (embedded) or spark."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Screening date YYYY-MM-DD (default today)."
    ),
    first_dose: str | None = typer.Option(
        None, "--first-dose", help="Planned first dose YYYY-MM-DD."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for Parquet verdicts, near misses, funnel.json and the figure."
    ),
    param: list[str] = typer.Option(
        [], "--param", help="Override a protocol parameter: name=value."
    ),
    spark_master: str = typer.Option(
        "local[2]", "--spark-master", help="Spark master URL (with --engine spark)."
    ),
    memory_limit: str = typer.Option(
        DEFAULT_MEMORY_LIMIT,
        "--memory-limit",
        help="Most memory DuckDB may use before it spills to disk (e.g. 5GB).",
    ),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Screen a population with the compiled protocol: attrition funnel and near misses."""
    errors = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as bar:
        task = bar.add_task(f"Screening on {engine}", total=len(PHASES))

        def step(phase: str) -> None:
            bar.update(task, description=f"{engine}: {phase}", completed=PHASES.index(phase))

        run = run_cohort(
            sources,
            engine=engine,
            as_of=parse_date(as_of, "--as-of"),
            first_dose=parse_date(first_dose, "--first-dose"),
            overrides=parse_overrides(param),
            out=out,
            spark_master=spark_master,
            memory_limit=memory_limit,
            progress=step,
        )
    if fmt == "json":
        typer.echo(json.dumps(run.to_json(), indent=2))
        return
    _render(Console(), run)


def _render(console: Console, run: CohortRun) -> None:
    f = run.funnel
    table = Table(
        "criterion",
        "kind",
        "remaining",
        "removed",
        "unknown",
        "left",
        title=f"Attrition funnel — {f.screened:,} screened as of {run.as_of} "
        f"({run.source_kind}, {run.engine})",
    )
    for s in f.steps:
        table.add_row(
            s.criterion,
            s.kind,
            f"{s.remaining_before:,}",
            f"{s.removed:,}",
            f"{s.unknown:,}",
            f"{s.remaining_after:,}",
        )
    console.print(table)
    console.print(
        f"eligible {f.eligible:,} · incomplete {f.incomplete:,} · ineligible {f.ineligible:,}"
    )
    for what, count in run.data_quality.items():
        console.print(f"[yellow]data-quality warning:[/] {count:,} × {what}")
    if f.near_misses:
        console.print(
            f"Near misses ({len(f.near_misses):,} blocked by exactly one criterion): "
            + ", ".join(f"{c} × {n:,}" for c, n in f.blocked_by_one.items())
        )
        for pid, criterion in f.near_misses[:NEAR_MISSES_SHOWN]:
            console.print(f"  {pid}: {criterion}")
        if len(f.near_misses) > NEAR_MISSES_SHOWN:
            rest = len(f.near_misses) - NEAR_MISSES_SHOWN
            console.print(f"  … and {rest:,} more (near_misses.parquet with --out)")
    for path in run.written:
        console.print(f"wrote {path}")
