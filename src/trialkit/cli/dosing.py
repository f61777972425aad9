"""``trialkit dosing``: the dosing plan, the pre-cycle dose check, decay-corrected activity.

Each command reads the regimen of ``--protocol`` (its ``regimen.yaml``); a protocol that
declares none is refused with exit 2 and says so."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.screen import Format, parse_date
from trialkit.errors import InputError
from trialkit.settings import DEFAULT_PROTOCOL

if TYPE_CHECKING:
    from trialkit.dosing import DosingParameters

dosing_app = typer.Typer(
    help="Dosing by the protocol's regimen: plan, dose check, activity.", no_args_is_help=True
)
_PROTOCOL_HELP = "Bundled protocol id or a protocol folder (its regimen.yaml)."
app.add_typer(dosing_app, name="dosing")


def _params(pairs: list[str], console: Console | None, protocol: str) -> DosingParameters:
    from trialkit.dosing import regimen_of
    from trialkit.dosing import with_overrides as dosing_overrides
    from trialkit.services.screening import parse_overrides
    from trialkit.wording import shown

    # NoRegimen (a protocol without regimen.yaml) is a TrialkitError: one line, exit 2
    params = dosing_overrides(parse_overrides(pairs), regimen_of(protocol))
    if console is not None:
        for name, (default, value) in params.overrides().items():
            console.print(
                f"[yellow]parameter override:[/] {name} = {shown(value)} (default {shown(default)})"
            )
    return params


@dosing_app.command("plan")
def plan(
    first_dose: str = typer.Option(..., "--first-dose", metavar="YYYY-MM-DD", help="First dose."),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
    param: list[str] = typer.Option(
        [], "--param", metavar="NAME=VALUE", help="Override a dosing parameter (repeatable)."
    ),
    protocol: str = typer.Option(DEFAULT_PROTOCOL, metavar="PROTOCOL", help=_PROTOCOL_HELP),
) -> None:
    """Cycles with windows, pre-dose labs, SSA and amino-acid instructions, imaging visits."""
    from trialkit.dosing import make_plan

    start = parse_date(first_dose, "--first-dose")
    assert start is not None
    console = Console() if fmt != "json" else None
    params = _params(param, console, protocol)
    result = make_plan(start, params)
    if console is None:
        typer.echo(
            json.dumps(
                {
                    **result.to_json(),
                    "parameters_overridden": {
                        k: {"default": d, "value": v} for k, (d, v) in params.overrides().items()
                    },
                },
                indent=2,
            )
        )
        return
    for line in result.before_first_dose:
        console.print(f"Before the first dose: {line}")
    table = Table("cycle", "due", "window", "activity", "pre-dose labs from", title="Dosing plan")
    for c in result.cycles:
        table.add_row(
            str(c.cycle),
            str(c.nominal),
            f"{c.earliest} – {c.latest}",
            f"{c.activity_gbq:g} GBq",
            str(c.labs_from),
        )
    console.print(table)
    console.print("At every cycle:\n  • " + "\n  • ".join(result.cycles[0].instructions))
    visits = Table("week", "date", "what", title="Imaging")
    for v in result.imaging:
        visits.add_row(str(v.week), str(v.date), v.what)
    console.print(visits)


@dosing_app.command("check")
def check(
    path: Path = typer.Argument(..., metavar="CHECK", help="Dose-check JSON (see docs/dosing.md)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
    param: list[str] = typer.Option(
        [], "--param", metavar="NAME=VALUE", help="Override a dosing parameter (repeatable)."
    ),
    protocol: str = typer.Option(DEFAULT_PROTOCOL, metavar="PROTOCOL", help=_PROTOCOL_HELP),
) -> None:
    """Decide before a cycle from the latest labs, citing the values and the rule."""
    from trialkit.dosing import check_dose, load_check
    from trialkit.protocol import load_protocol
    from trialkit.wording import quantity, significant_digits

    console = Console() if fmt != "json" else None
    params = _params(param, console, protocol)
    # the protocol's physiologically possible ranges guard the dose check too (issue 12)
    plausible = load_protocol(protocol).plausible_ranges()
    decision = check_dose(load_check(path, params.regimen), params, plausible)
    if console is None:
        typer.echo(json.dumps(decision.to_json(), indent=2, ensure_ascii=False))
        return
    colour = {
        "proceed": "green",
        "resume_reduced": "green",
        "withhold": "yellow",
        "withhold_pending_data": "yellow",
        "discontinue": "bold red",
    }[decision.decision]
    activity = f" at {decision.activity_gbq:g} GBq" if decision.activity_gbq else ""
    console.print(
        f"[{colour}]{decision.decision.replace('_', ' ').upper()}[/]{activity}"
        f" (due {decision.due_date}, delay {decision.delay_days} days)"
    )
    if decision.until:
        console.print(f"until: {decision.until}")
    for f in decision.findings:
        console.print(f"  • {f.rule}" + (f" [dim]({f.source})[/]" if f.source else ""))
    for note in decision.notes:
        console.print(f"  note: {note}")
    labs = Table(
        "lab", "as recorded", "canonical", "date", "CTCAE grade", "source", title="Labs used"
    )
    for e in decision.labs:
        labs.add_row(
            e.key,
            quantity(e.value, e.unit),
            quantity(e.canonical, e.canonical_unit, digits=significant_digits(f"{e.value:g}")),
            str(e.date),
            "—" if e.grade is None else str(e.grade),
            e.source or "",
        )
    console.print(labs)


@dosing_app.command("activity")
def activity(
    calibration_gbq: float = typer.Option(..., "--calibration-gbq"),
    calibration_time: str = typer.Option(..., "--calibration-time", help="ISO date-time"),
    injection_time: str = typer.Option(..., "--injection-time", help="ISO date-time"),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
    param: list[str] = typer.Option(
        [], "--param", metavar="NAME=VALUE", help="Override a dosing parameter (repeatable)."
    ),
    protocol: str = typer.Option(DEFAULT_PROTOCOL, metavar="PROTOCOL", help=_PROTOCOL_HELP),
) -> None:
    """Decay-corrected activity at injection (the regimen's half_life_days), GBq and mCi."""
    from trialkit.dosing import decay_corrected_activity

    params = _params(param, None, protocol)
    times = []
    for option, text in (
        ("--calibration-time", calibration_time),
        ("--injection-time", injection_time),
    ):
        try:
            times.append(datetime.fromisoformat(text))
        except ValueError:
            raise InputError(f"{text!r} is not an ISO date-time", field=option) from None
    try:
        result = decay_corrected_activity(
            calibration_gbq, times[0], times[1], params.half_life_days
        )
    except ValueError as exc:
        raise InputError(str(exc), field="--calibration-gbq") from exc
    out = {
        "gbq": round(result.gbq, 4),
        "mci": round(result.mci, 2),
        "elapsed_days": round(result.elapsed_days, 4),
        "half_life_days": params.half_life_days,
        "note": result.note,
    }
    if fmt == "json":
        typer.echo(json.dumps(out, indent=2))
    else:
        Console().print(
            f"{out['gbq']} GBq ({out['mci']} mCi) after {out['elapsed_days']} days"
            + (f" — {result.note}" if result.note else "")
        )
