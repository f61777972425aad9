"""``trialkit ctcae``: CTCAE v5.0 grading of one value, or of every lab in a FHIR record."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli.main import app
from trialkit.ctcae import TERMS, grade, grade_measurements, term, worst_grades
from trialkit.errors import InputError
from trialkit.fhir import load_records

ctcae_app = typer.Typer(help="CTCAE v5.0 laboratory grading.", no_args_is_help=True)
app.add_typer(ctcae_app, name="ctcae")


@ctcae_app.command("grade")
def grade_one(
    term_name: str = typer.Option(..., "--term", help="e.g. anemia, platelet_count_decreased"),
    value: float = typer.Option(..., "--value"),
    unit: str = typer.Option(..., "--unit", help="UCUM unit of the value (and of the limits)"),
    uln: float | None = typer.Option(None, "--uln"),
    lln: float | None = typer.Option(None, "--lln"),
    baseline: float | None = typer.Option(None, "--baseline"),
    fmt: str = typer.Option("json", "--format", help="json or table"),
) -> None:
    """Grade one value; limits and baseline are in the value's unit."""
    g = grade(term_name, value, unit, uln=uln, lln=lln, baseline=baseline)
    if fmt == "json":
        typer.echo(json.dumps(asdict(g), indent=2, ensure_ascii=False))
        return
    shown = "undeterminable" if g.grade is None else f"grade {g.grade}"
    Console().print(
        f"[bold]{TERMS[g.term].label}[/] {g.value_canonical:g} {g.unit_canonical}: "
        f"[bold]{shown}[/]\n{g.rule}"
    )


@ctcae_app.command("terms")
def terms() -> None:
    """The graded terms, their canonical units and LOINC codes."""
    table = Table("term", "label", "unit", "LOINC", title="CTCAE v5.0 laboratory terms")
    for t in TERMS.values():
        table.add_row(t.name, t.label, t.unit, ", ".join(t.loinc))
    Console().print(table)


def _limits(pairs: list[str], option: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        term(name.strip())  # unknown terms are an input error
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"expected TERM=NUMBER, got {pair!r}", field=option) from None
        if not sep:
            raise InputError(f"expected TERM=NUMBER, got {pair!r}", field=option)
    return out


@ctcae_app.command("grade-record")
def grade_record(
    path: Path = typer.Argument(..., help="FHIR R4 Bundle JSON or Bulk NDJSON folder"),
    uln: list[str] = typer.Option(
        [], "--uln", help="Site ULN for results without a range: TERM=VALUE"
    ),
    lln: list[str] = typer.Option(
        [], "--lln", help="Site LLN for results without a range: TERM=VALUE"
    ),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Grade every lab in a record; worst grade per term over time."""
    site_uln, site_lln = _limits(uln, "--uln"), _limits(lln, "--lln")
    output: list[dict[str, Any]] = []
    for record in load_records([path]):
        graded = grade_measurements(record.measurements, site_uln=site_uln, site_lln=site_lln)
        output.append(
            {
                "patient_id": record.patient_id,
                "worst": [asdict(w) for w in worst_grades(graded)],
                "results": [
                    {
                        **{k: v for k, v in asdict(r).items() if k != "grading"},
                        "grade": r.grading.grade if r.grading else None,
                        "rule": r.grading.rule if r.grading else None,
                        "value_canonical": r.grading.value_canonical if r.grading else None,
                        "unit_canonical": r.grading.unit_canonical if r.grading else None,
                    }
                    for r in graded
                ],
            }
        )
    if fmt == "json":
        typer.echo(
            json.dumps({"ctcae_version": "5.0", "patients": output}, indent=2, ensure_ascii=False)
        )
        return
    console = Console()
    for patient in output:
        table = Table(
            "term",
            "time",
            "source",
            "as recorded",
            "grade",
            "rule",
            title=f"Patient {patient['patient_id']}: every graded result",
        )
        for r in patient["results"]:
            shown = r["problem"] or ("undeterminable" if r["grade"] is None else str(r["grade"]))
            table.add_row(
                r["term"], r["time"] or "", r["source"], r["original"], shown, r["rule"] or ""
            )
        console.print(table)
        worst = Table("term", "worst grade", "when", "source", title="Worst grade per term")
        for w in patient["worst"]:
            worst.add_row(w["term"], str(w["grade"]), w["time"] or "", w["source"])
        console.print(worst)
