"""`trialkit design`: command group (being written)."""

from __future__ import annotations

import typer

from trialkit.cli.main import app

design_app = typer.Typer(help="design commands", no_args_is_help=True)
app.add_typer(design_app, name="design")
