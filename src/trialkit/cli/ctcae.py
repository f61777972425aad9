"""`trialkit ctcae`: command group (being written)."""

from __future__ import annotations

import typer

from trialkit.cli.main import app

ctcae_app = typer.Typer(help="ctcae commands", no_args_is_help=True)
app.add_typer(ctcae_app, name="ctcae")
