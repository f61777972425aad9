"""``trialkit screen``: one verdict per criterion for each patient, with the evidence."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from trialkit.cli.main import app
from trialkit.errors import InputError
from trialkit.settings import DEFAULT_PROTOCOL


class Format(StrEnum):
    table = "table"
    json = "json"


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", field=option) from exc


def say_as_of(given: str | None, used: date, *, machine_readable: bool) -> None:
    """When ``--as-of`` was not given, say first which date decided (today's, which changes).

    Before a table it is the table's first line; before JSON it goes to standard error, so
    that standard output stays one JSON document (which carries ``as_of`` itself).
    """
    if given is not None:
        return
    line = (
        f"As of {used.isoformat()}: today, as --as-of was not given (verdicts can change by date)"
    )
    typer.echo(line, err=machine_readable)


@app.command("screen")
def screen(
    paths: list[Path] = typer.Argument(
        ..., metavar="RECORD", help="FHIR R4 Bundle JSON files or Bulk FHIR NDJSON folders."
    ),
    protocol: str = typer.Option(
        DEFAULT_PROTOCOL, metavar="PROTOCOL", help="Bundled protocol id or a protocol folder."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", metavar="YYYY-MM-DD", help="Screening date (default today)."
    ),
    first_dose: str | None = typer.Option(
        None, "--first-dose", metavar="YYYY-MM-DD", help="Planned first dose (overrides the CRF)."
    ),
    fmt: Format = typer.Option(
        Format.table, "--format", help="table (readable) or json (the contract)."
    ),
    param: list[str] = typer.Option(
        [], "--param", metavar="NAME=VALUE", help="Override a protocol parameter (repeatable)."
    ),
    detail: bool = typer.Option(
        False,
        "--detail",
        help="With several patients, print every checklist after the summary table.",
    ),
) -> None:
    """Screen patients against every inclusion and exclusion criterion."""
    from trialkit.cli.render_screening import render_run
    from trialkit.services.screening import parse_overrides, screen_paths

    run = screen_paths(
        paths,
        protocol=protocol,
        as_of=parse_date(as_of, "--as-of"),
        first_dose=parse_date(first_dose, "--first-dose"),
        overrides=parse_overrides(param),
    )
    say_as_of(as_of, run.as_of, machine_readable=fmt is Format.json)
    if fmt is Format.json:
        typer.echo(json.dumps(run.to_json(), indent=2, ensure_ascii=False))
    else:
        render_run(run, Console(), detail=detail)
