"""``trialkit report STUDY``: the analysis report of a study folder (HTML, and PDF)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from trialkit.cli.main import app
from trialkit.cli.progress import QUIET_OPTION_HELP, spinner
from trialkit.safe_io import check_output_file, staged_output


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
    check_output_file(out, "--out")
    data = load_study(study)
    # the HTML, its figures/ and the PDF appear together or not at all
    with staged_output(out.parent, "--out") as staging:
        with spinner("Analysing the study and drawing the figures", quiet=quiet):
            result = build_report(data, staging.path / out.name, conf_type=conf_type.value)
        if pdf:
            with spinner("Printing the PDF (headless Chromium)", quiet=quiet):
                render_pdf(result.html, result.html.with_suffix(".pdf"))
    console.print(
        f"Report: [bold]{out}[/] ({len(result.figures)} figure files in {out.parent / 'figures'})"
    )
    if pdf:
        console.print(f"PDF: [bold]{out.with_suffix('.pdf')}[/]")
