"""`trialkit dosing`: command group (being written)."""

from __future__ import annotations

import typer

from trialkit.cli.main import app

dosing_app = typer.Typer(help="dosing commands", no_args_is_help=True)
app.add_typer(dosing_app, name="dosing")
