"""`trialkit screen`: command group (being written)."""

from __future__ import annotations

import typer

from trialkit.cli.main import app

screen_app = typer.Typer(help="screen commands", no_args_is_help=True)
app.add_typer(screen_app, name="screen")
