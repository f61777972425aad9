"""Readable terminal output of a screening run (rich), problems first.

Several patients: one line per patient first (name, MRN, id, verdict, blocking and unknown
counts, the next item to collect), then each checklist with ``--detail``. One patient: its
checklist. Each checklist opens with what blocks it, what is unknown and what to collect,
then the full list. The words come from :mod:`trialkit.wording` (the same as the pages').
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trialkit.eligibility.screening import Overall, PatientResult
from trialkit.services.screening import ScreeningRun
from trialkit.wording import day, shown
from trialkit.wording.evidence import Labels, evidence_json_text, first_dose_source
from trialkit.wording.screening import Problems, problems, tallies, verdict_word

_OVERALL_STYLE = {
    Overall.ELIGIBLE: "bold green",
    Overall.INELIGIBLE: "bold red",
    Overall.INCOMPLETE: "bold yellow",
}
_SHOWN_EVIDENCE = 4


def _mark(c: dict[str, Any]) -> Text:
    if c["status"] == "unknown":
        return Text("? unknown", style="yellow")
    passes = c["status"] == ("met" if c["kind"] == "inclusion" else "not_met")
    return Text(
        ("✓ " if passes else "✗ ") + verdict_word(c), style="green" if passes else "bold red"
    )


def _table(criteria: list[dict[str, Any]], title: str, labels: Labels) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    table.add_column("criterion", style="bold", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("reason and evidence", ratio=1)
    for c in criteria:
        body = Text(c["reason"])
        for e in c["evidence"][:_SHOWN_EVIDENCE]:
            body.append("\n  • " + evidence_json_text(e, labels), style="dim")
        if len(c["evidence"]) > _SHOWN_EVIDENCE:
            more = len(c["evidence"]) - _SHOWN_EVIDENCE
            body.append(f"\n  • {more} more (see --format json)", style="dim")
        for m in c["missing"]:
            body.append("\n  to collect: " + m, style="yellow")
        table.add_row(c["id"], _mark(c), body)
    return table


def who(result: PatientResult) -> str:
    """``Lin Example · MRN 12345 · id p-example`` (what is not recorded is said)."""
    name = result.patient_name or "name not recorded"
    mrn = f"MRN {result.mrn}" if result.mrn else "no MRN"
    return f"{name} · {mrn} · id {result.patient_id}"


def _problems_block(criteria: list[dict[str, Any]], labels: Labels) -> Text:
    found = problems(criteria, labels)
    out = Text()
    if found.blocking:
        out.append("Blocking:\n", style="bold red")
        for p in found.blocking:
            out.append(f"  ✗ {p.line}\n", style="red")
    if found.unknown:
        out.append("Unknown:\n", style="bold yellow")
        for p in found.unknown:
            out.append(f"  ? {p.line}\n", style="yellow")
    if found.to_collect:
        out.append("To collect:\n", style="bold yellow")
        for item in found.to_collect:
            out.append(f"  □ {item.line}\n")
    if not found.blocking and not found.unknown:
        out.append("Nothing blocks and nothing is unknown.\n", style="green")
    out.rstrip()
    return out


def render_patient(result: PatientResult, console: Console, labels: Labels) -> None:
    data = result.to_json()
    criteria: list[dict[str, Any]] = data["criteria"]
    first_dose = day(result.first_dose) if result.first_dose else "unknown"
    head = Text.assemble(
        ("Patient ", "bold"),
        (who(result), "bold cyan"),
        f"  ({result.source_file})\n",
        f"As of {day(result.as_of)} · planned first dose {first_dose}"
        f" ({first_dose_source(result.first_dose_source, labels)})\n",
        ("Verdict: ", "bold"),
        (result.status.value.upper(), _OVERALL_STYLE[result.status]),
        f"   {tallies(criteria)}",
    )
    parts: list[Table | Text] = [
        _problems_block(criteria, labels),
        _table([c for c in criteria if c["kind"] == "inclusion"], "Inclusion criteria", labels),
        _table([c for c in criteria if c["kind"] == "exclusion"], "Exclusion criteria", labels),
    ]
    if result.warnings:
        warn = Text("Data-quality warnings (these values decided nothing):", style="bold yellow")
        for w in result.warnings:
            warn.append(f"\n  • {w}", style="yellow")
        parts.append(warn)
    console.print(Panel(Group(head, *parts), expand=True))


def summary_table(run: ScreeningRun, labels: Labels, width: int = 200) -> Table:
    """One line per patient: who, verdict, how many criteria block / are unknown, what next."""
    table = Table(title="Screening summary", title_justify="left", expand=True)
    narrow = width < 160  # identifiers fold (never cut) so that the last column keeps room
    table.add_column("patient", overflow="fold", max_width=16 if narrow else None)
    for column in ("MRN", "id"):
        table.add_column(column, overflow="fold", max_width=12 if narrow else None)
    for column in ("verdict", "blocking", "unknown"):
        table.add_column(column, no_wrap=True)
    table.add_column("next to collect", ratio=1)
    for r in run.results:
        found = problems(r.to_json()["criteria"], labels)
        table.add_row(
            escape(r.patient_name or "not recorded"),
            escape(r.mrn or "—"),
            escape(r.patient_id),
            Text(r.status.value, style=_OVERALL_STYLE[r.status]),
            str(len(found.blocking)),
            str(len(found.unknown)),
            escape(_next(found)),
        )
    return table


def _next(found: Problems) -> str:
    """What to do next: nothing to collect for a patient already excluded."""
    if found.blocking:
        return f"— (not eligible: {', '.join(p.criterion for p in found.blocking)})"
    return found.next_item or "—"


def render_run(run: ScreeningRun, console: Console, *, detail: bool = False) -> None:
    """Problems first: a summary line per patient, then (one patient, or ``detail``) each
    checklist."""
    labels = Labels.of(run.protocol, run.parameters)
    console.print(
        f"[bold]Protocol[/] {run.protocol.id} v{run.protocol.version} — as of {day(run.as_of)}"
    )
    if run.overridden:
        for name, (default, value) in run.overridden.items():
            console.print(
                f"[yellow]parameter override:[/] {name} = {shown(value)}"
                f" (protocol default {shown(default)})"
            )
    else:
        console.print(
            "[dim]All protocol parameters at their defaults (trialkit protocol show lists them).[/]"
        )
    several = len(run.results) > 1
    if several:
        console.print(summary_table(run, labels, console.width))
    if detail or not several:
        for result in run.results:
            render_patient(result, console, labels)
    elif run.results:
        console.print("[dim]Each patient's checklist: add --detail.[/]")
    summary = {o: sum(1 for r in run.results if r.status is o) for o in Overall}
    console.print(
        f"{len(run.results)} patient{'s' if len(run.results) != 1 else ''}: "
        f"[green]{summary[Overall.ELIGIBLE]} eligible[/], "
        f"[red]{summary[Overall.INELIGIBLE]} ineligible[/], "
        f"[yellow]{summary[Overall.INCOMPLETE]} incomplete[/]"
    )
