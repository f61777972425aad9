"""``trialkit export``: the sponsor's CDISC data package of a study folder, and its check."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from trialkit.cli.main import app
from trialkit.cli.progress import QUIET_OPTION_HELP, spinner
from trialkit.safe_io import check_output_folder
from trialkit.wording import count

export_app = typer.Typer(
    help="Export a study as CDISC SDTM/ADaM (XPT, Dataset-JSON, define.xml) and check it.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


@export_app.command("cdisc")
def cdisc(
    study: Path = typer.Argument(..., help="Study folder (docs/analysis.md)."),
    out: Path = typer.Option(..., "--out", help="Folder of the package (replaced whole)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_OPTION_HELP),
) -> None:
    """SDTM and ADaM datasets as SAS transport v5 and Dataset-JSON 1.1, with define.xml."""
    from trialkit.services.cdisc import export_folder

    console = Console()
    check_output_folder(out, "--out")
    with spinner("Deriving SDTM and ADaM, writing and checking the package", quiet=quiet):
        package = export_folder(study, out)
    names = ", ".join(d.name for d in (*package.sdtm, *package.adam))
    console.print(f"CDISC package: [bold]{out}[/] — {len(package.files)} files ({names})")
    c = package.conformance
    console.print(
        f"Conformance: {count(c.errors, 'error')}, {count(c.warnings, 'warning')} "
        f"(conformance.json; trialkit export check {out})"
    )


@export_app.command("check")
def check(
    folder: Path = typer.Argument(..., help="A CDISC package folder (sdtm/, adam/)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Conformance rules (required variables, CT, ISO 8601, keys, --SEQ, USUBJID in DM).

    Exit code 1 when any error is found."""
    import json

    from trialkit.cdisc.check import check_package

    report = check_package(folder)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        console = Console()
        for finding in report.findings[:200]:
            console.print(str(finding), markup=False, highlight=False)
        if len(report.findings) > 200:
            console.print(f"… {len(report.findings) - 200} more (--json for all)")
        console.print(
            f"{len(report.datasets)} datasets checked: {count(report.errors, 'error')}, "
            f"{count(report.warnings, 'warning')}"
        )
    if report.errors:
        raise typer.Exit(1)
