"""`trialkit recist`: command group (being written)."""

from __future__ import annotations

import typer

from trialkit.cli.main import app

recist_app = typer.Typer(help="recist commands", no_args_is_help=True)
app.add_typer(recist_app, name="recist")
