"""``trialkit design``: Simon two-stage and single-stage exact binomial designs."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.table import Table

from trialkit.analysis.binomial import single_stage_design
from trialkit.analysis.simon import simon_designs
from trialkit.cli.main import app

design_app = typer.Typer(help="Phase II sample-size designs.", no_args_is_help=True)
app.add_typer(design_app, name="design")


@design_app.command("simon")
def simon(
    p0: float = typer.Option(..., "--p0", help="Uninteresting response rate"),
    p1: float = typer.Option(..., "--p1", help="Response rate worth detecting"),
    alpha: float = typer.Option(0.05, "--alpha"),
    power: float = typer.Option(0.80, "--power"),
    nmax: int = typer.Option(100, "--nmax", help="Largest total sample size searched"),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Optimal and minimax Simon two-stage designs (Simon 1989)."""
    designs = simon_designs(p0, p1, alpha, power, nmax=nmax)
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    "p0": p0,
                    "p1": p1,
                    "alpha": alpha,
                    "power": power,
                    "designs": [asdict(d) for d in designs],
                },
                indent=2,
            )
        )
        return
    table = Table(
        "design",
        "r1/n1",
        "r/n",
        "EN0",
        "PET0",
        "actual α",
        "actual power",
        title=f"Simon two-stage: p0 {p0}, p1 {p1}, α {alpha}, power {power}",
    )
    for d in designs:
        table.add_row(
            d.kind,
            f"{d.r1}/{d.n1}",
            f"{d.r}/{d.n}",
            f"{d.en0:.2f}",
            f"{d.pet0:.3f}",
            f"{d.alpha:.4f}",
            f"{d.power:.4f}",
        )
    console = Console()
    console.print(table)
    console.print("Stop after stage 1 if responses ≤ r1; declare activity if total responses > r.")


@design_app.command("binomial")
def binomial(
    p0: float = typer.Option(..., "--p0"),
    p1: float = typer.Option(..., "--p1"),
    alpha: float = typer.Option(0.05, "--alpha"),
    power: float = typer.Option(0.80, "--power"),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Single-stage exact binomial design (one-sided α)."""
    d = single_stage_design(p0, p1, alpha, power)
    if fmt == "json":
        typer.echo(json.dumps(asdict(d), indent=2))
        return
    Console().print(
        f"n = {d.n}; declare activity if responses > {d.r} "
        f"(actual α {d.alpha:.4f}, power {d.power:.4f})"
    )
