"""``trialkit report STUDY``: the analysis report of a study folder (HTML, and PDF)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from trialkit.cli.main import app
from trialkit.cli.progress import QUIET_OPTION_HELP, spinner


class ConfType(StrEnum):
    """The Kaplan–Meier interval transform (as R survival's ``conf.type``)."""

    log_log = "log-log"
    log = "log"
    plain = "plain"


@app.command("report")
def report(
    study: Path = typer.Argument(
        ..., metavar="STUDY", help="Study folder (docs/analysis.md describes its CSV tables)."
    ),
    out: Path = typer.Option(
        Path("report.html"), "--out", metavar="FILE", help="HTML file to write."
    ),
    pdf: bool = typer.Option(
        False, "--pdf", help="Also print the report to PDF (headless Chromium)."
    ),
    conf_type: ConfType = typer.Option(
        ConfType.log_log, "--conf-type", help="Kaplan–Meier interval: log-log, log or plain."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_OPTION_HELP),
) -> None:
    """Design, CONSORT, baseline, efficacy, safety, figures, parameters — one document."""
    from trialkit.report import build_report, render_pdf
    from trialkit.study import load_study

    console = Console()
    with spinner("Analysing the study and drawing the figures", quiet=quiet):
        result = build_report(load_study(study), out, conf_type=conf_type.value)
    console.print(
        f"Report: [bold]{result.html}[/] ({len(result.figures)} figure files in "
        f"{result.html.parent / 'figures'})"
    )
    if pdf:
        with spinner("Printing the PDF (headless Chromium)", quiet=quiet):
            path = render_pdf(result.html, result.html.with_suffix(".pdf"))
        console.print(f"PDF: [bold]{path}[/]")
