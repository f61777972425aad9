"""``trialkit cohort``: which patients could enter the trial, which criterion stops the others."""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.progress import QUIET_OPTION_HELP, steps
from trialkit.cli.screen import Format, parse_date, say_as_of
from trialkit.relational.options import DEFAULT_MEMORY_LIMIT, Engine
from trialkit.safe_io import staged_output
from trialkit.settings import DEFAULT_PROTOCOL

if TYPE_CHECKING:
    from trialkit.services.cohort import CohortRun

NEAR_MISSES_SHOWN = 20


@app.command("cohort")
def cohort(
    sources: list[Path] = typer.Argument(
        ...,
        help="An OMOP CDM v5.4 instance (DuckDB file, Parquet or CSV folder), Bulk FHIR "
        "NDJSON files or folders, or FHIR R4 Bundles.",
    ),
    engine: Engine = typer.Option(
        Engine.duckdb, "--engine", help="duckdb (embedded) or spark (a Spark master)."
    ),
    protocol: str = typer.Option(
        DEFAULT_PROTOCOL, metavar="PROTOCOL", help="Bundled protocol id or a protocol folder."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", metavar="YYYY-MM-DD", help="Screening date (default today)."
    ),
    first_dose: str | None = typer.Option(
        None, "--first-dose", metavar="YYYY-MM-DD", help="Planned first dose."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        metavar="FOLDER",
        help="Folder for Parquet verdicts, near misses, funnel.json and the figure.",
    ),
    param: list[str] = typer.Option(
        [], "--param", metavar="NAME=VALUE", help="Override a protocol parameter (repeatable)."
    ),
    spark_master: str = typer.Option(
        "local[2]", "--spark-master", metavar="URL", help="Spark master (with --engine spark)."
    ),
    memory_limit: str = typer.Option(
        DEFAULT_MEMORY_LIMIT,
        "--memory-limit",
        metavar="SIZE",
        help="Most memory DuckDB may use before it spills to disk (e.g. 5GB).",
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table (readable) or json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_OPTION_HELP),
) -> None:
    """Screen a population with the compiled protocol: attrition funnel and near misses."""
    from trialkit.services.cohort import PHASES, run_cohort
    from trialkit.services.screening import parse_overrides

    with ExitStack() as stack:
        # checked before screening starts; written to a temporary folder, moved in at the end
        staging = stack.enter_context(staged_output(out, "--out")) if out else None
        step = stack.enter_context(steps(f"Screening on {engine.value}", PHASES, quiet=quiet))
        run = run_cohort(
            sources,
            engine=engine.value,
            protocol=protocol,
            as_of=parse_date(as_of, "--as-of"),
            first_dose=parse_date(first_dose, "--first-dose"),
            overrides=parse_overrides(param),
            out=staging.path if staging else None,
            spark_master=spark_master,
            memory_limit=memory_limit,
            progress=step,
        )
    if staging is not None:
        run = replace(run, written=tuple(staging.final(p) for p in run.written))
    say_as_of(as_of, run.as_of, machine_readable=fmt is Format.json)
    if fmt is Format.json:
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
