"""Readable terminal checklist of a screening run (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trialkit.eligibility.screening import CriterionResult, Overall, PatientResult
from trialkit.eligibility.verdict import Evidence, Status
from trialkit.services.screening import ScreeningRun

_OVERALL_STYLE = {
    Overall.ELIGIBLE: "bold green",
    Overall.INELIGIBLE: "bold red",
    Overall.INCOMPLETE: "bold yellow",
}


def _mark(result: CriterionResult) -> Text:
    passes = result.status is (Status.MET if result.kind == "inclusion" else Status.NOT_MET)
    if result.status is Status.UNKNOWN:
        return Text("? unknown", style="yellow")
    label = result.status.value.replace("_", " ")
    return Text(("✓ " if passes else "✗ ") + label, style="green" if passes else "bold red")


def _evidence_line(e: Evidence) -> str:
    shown = str(e.value).lower() if isinstance(e.value, bool) else e.value
    unit = f" {e.unit}" if e.unit and e.unit != "1" else ""
    value = "" if e.value is None else f" = {shown}{unit}"
    parts = [f"{e.source} · {e.element}{value}"]
    if e.original and e.original != str(e.value):
        parts.append(f"(as recorded {e.original})")
    if e.time:
        parts.append(e.time)
    if e.uln is not None:
        parts.append(f"ULN {e.uln} from {e.uln_source}")
    if e.role != "decided":
        parts.append(f"[{e.role}{': ' + e.note if e.note else ''}]")
    elif e.note:
        parts.append(f"— {e.note}")
    return " ".join(parts)


def _table(results: list[CriterionResult], title: str) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("reason and evidence", ratio=1)
    for r in results:
        body = Text(r.reason)
        for e in r.evidence[:4]:
            body.append("\n  • " + _evidence_line(e), style="dim")
        if len(r.evidence) > 4:
            body.append(f"\n  • … {len(r.evidence) - 4} more (see --format json)", style="dim")
        for m in r.missing:
            body.append("\n  missing: " + m, style="yellow")
        table.add_row(r.id, _mark(r), body)
    return table


def render_patient(result: PatientResult, console: Console) -> None:
    head = Text.assemble(
        ("Patient ", "bold"),
        (result.patient_id, "bold cyan"),
        f"  ({result.source_file})\n",
        "as-of ",
        str(result.as_of),
        "   first dose ",
        f"{result.first_dose or 'unknown'} [{result.first_dose_source}]\n",
        ("status: ", "bold"),
        (result.status.value.upper(), _OVERALL_STYLE[result.status]),
    )
    counts = {s: sum(1 for c in result.criteria if c.status is s) for s in Status}
    head.append(
        f"   met {counts[Status.MET]} · not met {counts[Status.NOT_MET]}"
        f" · unknown {counts[Status.UNKNOWN]}"
    )
    parts: list[Table | Text] = [
        _table([c for c in result.criteria if c.kind == "inclusion"], "Inclusion criteria"),
        _table([c for c in result.criteria if c.kind == "exclusion"], "Exclusion criteria"),
    ]
    if result.warnings:
        warn = Text("Data-quality warnings (these values decided nothing):", style="bold yellow")
        for w in result.warnings:
            warn.append(f"\n  • {w}", style="yellow")
        parts.append(warn)
    console.print(Panel(Group(head, *parts), expand=True))


def render_run(run: ScreeningRun, console: Console) -> None:
    console.print(
        f"[bold]Protocol[/] {run.protocol.id} v{run.protocol.version} — as-of {run.as_of}"
    )
    if run.overridden:
        for name, (default, value) in run.overridden.items():
            console.print(
                f"[yellow]parameter override:[/] {name} = {value!r} (protocol default {default!r})"
            )
    else:
        console.print(
            "[dim]All protocol parameters at their defaults (trialkit protocol show lists them).[/]"
        )
    for result in run.results:
        render_patient(result, console)
    summary = {o: sum(1 for r in run.results if r.status is o) for o in Overall}
    console.print(
        f"{len(run.results)} patient(s): "
        f"[green]{summary[Overall.ELIGIBLE]} eligible[/], "
        f"[red]{summary[Overall.INELIGIBLE]} ineligible[/], "
        f"[yellow]{summary[Overall.INCOMPLETE]} incomplete[/]"
    )
