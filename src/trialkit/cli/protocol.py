"""`trialkit protocol`: command group (being written)."""

from __future__ import annotations

import typer

from trialkit.cli.main import app

protocol_app = typer.Typer(help="protocol commands", no_args_is_help=True)
app.add_typer(protocol_app, name="protocol")
