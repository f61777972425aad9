"""``trialkit ctcae``: CTCAE v5.0 grading of one value, or of every lab in a FHIR record."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.screen import Format
from trialkit.errors import InputError
from trialkit.quality import implausible

if TYPE_CHECKING:
    from trialkit.ctcae import GradedResult, RecordGrading

ctcae_app = typer.Typer(help="CTCAE v5.0 laboratory grading.", no_args_is_help=True)
app.add_typer(ctcae_app, name="ctcae")


@ctcae_app.command("grade")
def grade_one(
    term_name: str = typer.Option(..., "--term", help="e.g. anemia (see `trialkit ctcae terms`)"),
    value: float = typer.Option(..., "--value"),
    unit: str = typer.Option(..., "--unit", help="UCUM unit of the value and of the limits"),
    uln: float | None = typer.Option(None, "--uln", help="Upper limit of normal"),
    lln: float | None = typer.Option(None, "--lln", help="Lower limit of normal"),
    baseline: float | None = typer.Option(None, "--baseline", help="Pre-treatment value"),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
) -> None:
    """Grade one value; --uln, --lln and --baseline are in the value's unit."""
    given = (("--value", value), ("--uln", uln), ("--lln", lln), ("--baseline", baseline))
    for option, number in given:
        why = None if number is None else implausible(number)
        if why is not None:  # NaN / ±Infinity / negative: no value to grade (issue 12)
            raise InputError(why, field=option)
    from trialkit.ctcae import TERMS, grade

    g = grade(term_name, value, unit, uln=uln, lln=lln, baseline=baseline)
    if fmt is Format.json:
        typer.echo(json.dumps(asdict(g), indent=2, ensure_ascii=False))
        return
    shown = "undeterminable" if g.grade is None else f"grade {g.grade}"
    unit_shown = "" if g.unit_canonical == "1" else f" {g.unit_canonical}"
    Console(highlight=False).print(
        f"[bold]{TERMS[g.term].label}[/] {g.value_canonical:g}{unit_shown}: "
        f"[bold]{shown}[/]\n{escape(g.rule)}",
    )


@ctcae_app.command("terms")
def terms() -> None:
    """The graded terms, their canonical units and LOINC codes."""
    from trialkit.ctcae import TERMS

    table = Table("term", "label", "unit", "LOINC", title="CTCAE v5.0 laboratory terms")
    for t in TERMS.values():
        table.add_row(t.name, t.label, t.unit, ", ".join(t.loinc))
    Console().print(table)


def parse_limits(pairs: list[str], option: str) -> dict[str, float]:
    """``TERM=NUMBER`` options → {term: limit}; unknown terms are input errors."""
    from trialkit.ctcae import term

    out: dict[str, float] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        try:
            number = float(text)
        except ValueError:
            number = None
        if not sep or number is None:
            raise InputError(f"expected TERM=NUMBER, got {pair!r}", field=option)
        why = implausible(number)
        if why is not None:
            raise InputError(f"{pair!r}: {why}", field=option)
        out[term(name.strip()).name] = number
    return out


@ctcae_app.command("grade-record")
def grade_record_command(
    path: Path = typer.Argument(..., help="FHIR R4 Bundle JSON or Bulk NDJSON folder"),
    uln: list[str] = typer.Option(
        [],
        "--uln",
        help="ULN for results without a reference range, TERM=VALUE in the term's unit",
    ),
    lln: list[str] = typer.Option(
        [],
        "--lln",
        help="LLN for results without a reference range, TERM=VALUE in the term's unit",
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
) -> None:
    """Grade every lab in a record; worst grade per term over time."""
    from trialkit.ctcae import grade_record
    from trialkit.fhir import load_records
    from trialkit.protocol import load_protocol

    site_uln, site_lln = parse_limits(uln, "--uln"), parse_limits(lln, "--lln")
    # the protocol's physiologically possible ranges: an impossible value is never graded
    ranges = load_protocol()
    graded = [
        grade_record(
            r,
            site_uln=site_uln,
            site_lln=site_lln,
            plausible=lambda m: ranges.plausible_for(m.codes),
        )
        for r in load_records([path])
    ]
    if fmt is Format.json:
        document = {"ctcae_version": "5.0", "patients": [_as_json(g) for g in graded]}
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    for g in graded:
        _render(g)


def _result_json(r: GradedResult) -> dict[str, Any]:
    fields = {k: v for k, v in asdict(r).items() if k != "grading"}
    grading = asdict(r.grading) if r.grading else {"grade": None, "rule": None}
    grading.pop("term", None)
    return {**fields, **grading}


def _as_json(g: RecordGrading) -> dict[str, Any]:
    return {
        "patient_id": g.patient_id,
        "worst": [asdict(w) for w in g.worst],
        "results": [_result_json(r) for r in g.results],
        "warnings": [{"source": r.source, "term": r.term, "message": r.problem} for r in g.warnings]
        + [{"source": None, "term": term, "message": text} for term, text in g.conflicts],
    }


def _render(g: RecordGrading) -> None:
    console = Console()
    title = f"Patient {escape(g.patient_id)}: every graded result"
    table = Table("term", "time", "source", "as recorded", "grade", "rule", title=title)
    for r in g.results:
        if r.grading is None:
            shown, rule = "—", r.problem or ""
        else:
            shown = "undeterminable" if r.grading.grade is None else str(r.grading.grade)
            rule = r.grading.rule
        cells = (r.term, r.time or "", r.source, r.original, shown, rule)
        table.add_row(*(escape(c) for c in cells))
    console.print(table)
    worst = Table("term", "worst grade", "when", "source", "not determinable", title="Worst grade")
    for w in g.worst:
        unknown = (
            f"{len(w.undeterminable)} result(s), up to grade {w.highest_possible}"
            if w.undeterminable
            else ""
        )
        shown = "—" if w.grade is None else str(w.grade)
        worst.add_row(w.term, shown, w.time or "", w.source or "", unknown)
    console.print(worst)
    for term_name, text in g.conflicts:
        console.print(f"[yellow]data-quality warning[/] {escape(term_name)}: {escape(text)}")
