"""``trialkit export``: the sponsor's CDISC data package of a study folder, and its check."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from trialkit.cli.main import app

export_app = typer.Typer(
    help="Export a study as CDISC SDTM/ADaM (XPT, Dataset-JSON, define.xml) and check it.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


@export_app.command("cdisc")
def cdisc(
    study: Path = typer.Argument(..., help="Study folder (docs/analysis.md)."),
    out: Path = typer.Option(..., "--out", help="Folder of the package (replaced whole)."),
) -> None:
    """SDTM and ADaM datasets as SAS transport v5 and Dataset-JSON 1.1, with define.xml."""
    from trialkit.services.cdisc import export_folder

    console = Console()
    package = export_folder(study, out)
    names = ", ".join(d.name for d in (*package.sdtm, *package.adam))
    console.print(
        f"CDISC package: [bold]{package.folder}[/] — {len(package.files)} files ({names})"
    )
