"""``trialkit recist evaluate``: RECIST 1.1 response of one subject from a JSON file."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.screen import Format

recist_app = typer.Typer(help="RECIST 1.1 tumour response.", no_args_is_help=True)
app.add_typer(recist_app, name="recist")

_STYLE = {
    "CR": "bold green",
    "PR": "green",
    "SD": "yellow",
    "non-CR/non-PD": "yellow",
    "PD": "bold red",
    "NE": "dim",
}


@recist_app.command("evaluate")
def evaluate_command(
    path: Path = typer.Argument(..., help="Subject JSON: baseline lesions and assessments."),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
) -> None:
    """Time-point responses and the confirmed best overall response."""
    from trialkit.recist import evaluate, load_recist

    result = evaluate(load_recist(path))
    if fmt == "json":
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False, allow_nan=False))
        return
    console = Console()
    validity = "[green]valid[/]" if result.baseline_valid else "[red]not valid[/]"
    console.print(
        f"[bold]Subject {result.subject}[/] — baseline sum {result.baseline_sum_mm} mm, "
        f"baseline {validity}"
    )
    for issue in result.baseline_issues:
        console.print(f"  [yellow]baseline issue:[/] {issue}")
    table = Table(title="Time points")
    for column in (
        "date",
        "sum mm",
        "Δ baseline %",
        "Δ nadir %",
        "target",
        "non-target",
        "new",
        "overall",
    ):
        table.add_column(column, no_wrap=True)
    for t in result.timepoints:
        table.add_row(
            str(t.date),
            _n(t.sum_mm),
            _n(t.change_from_baseline_pct),
            _n(t.change_from_nadir_pct),
            t.target or "—",
            t.non_target or "—",
            t.new_lesions,
            f"[{_STYLE.get(t.overall, '')}]{t.overall}[/]",
        )
    console.print(table)
    bor = result.best_overall_response
    console.print(
        f"Best overall response: [{_STYLE.get(bor, '')}]{bor}[/]"
        f"{' (confirmed)' if result.confirmed else ''}; response date "
        f"{result.response_date or '—'}; progression date {result.progression_date or '—'}"
    )
    for note in result.notes:
        console.print(f"  note: {note}")


def _n(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
