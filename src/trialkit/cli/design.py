"""``trialkit design``: Simon two-stage and single-stage exact binomial designs."""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.screen import Format

design_app = typer.Typer(help="Phase II sample-size designs.", no_args_is_help=True)
app.add_typer(design_app, name="design")


@design_app.command("simon")
def simon(
    p0: float = typer.Option(..., "--p0", help="Response rate of no interest (H0)"),
    p1: float = typer.Option(..., "--p1", help="Response rate worth detecting (H1)"),
    alpha: float = typer.Option(0.05, "--alpha", help="Type I error (one-sided)"),
    power: float = typer.Option(0.80, "--power", help="Power at p1"),
    nmax: int = typer.Option(100, "--nmax", help="Largest total sample size searched"),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
) -> None:
    """Optimal and minimax Simon two-stage designs (Simon 1989, as clinfun::ph2simon)."""
    from trialkit.analysis.simon import SearchLimitWarning, simon_designs

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SearchLimitWarning)
        designs = simon_designs(p0, p1, alpha, power, nmax=nmax)
    notes = [str(w.message) for w in caught if issubclass(w.category, SearchLimitWarning)]
    if fmt is Format.json:
        out: dict[str, Any] = {"p0": p0, "p1": p1, "alpha": alpha, "power": power, "nmax": nmax}
        out |= {"designs": [asdict(d) for d in designs], "warnings": notes}
        typer.echo(json.dumps(out, indent=2))
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
    for note in notes:
        console.print(f"[yellow]warning:[/] {note}")


@design_app.command("binomial")
def binomial(
    p0: float = typer.Option(..., "--p0", help="Response rate of no interest (H0)"),
    p1: float = typer.Option(..., "--p1", help="Response rate worth detecting (H1)"),
    alpha: float = typer.Option(0.05, "--alpha", help="Type I error (one-sided)"),
    power: float = typer.Option(0.80, "--power", help="Power at p1"),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
) -> None:
    """Single-stage exact binomial design (one-sided α)."""
    from trialkit.analysis.binomial import single_stage_design

    d = single_stage_design(p0, p1, alpha, power)
    if fmt is Format.json:
        out = {"p0": p0, "p1": p1, "alpha": alpha, "power": power, "design": asdict(d)}
        typer.echo(json.dumps(out, indent=2))
        return
    Console().print(
        f"Single-stage exact binomial: treat n = {d.n}; declare activity if more than "
        f"{d.r} respond (actual one-sided α {d.alpha:.4f}, power {d.power:.4f})"
    )
