"""``trialkit demo``: the main job on the embedded defaults (what ``make demo`` runs).

Screens the example patients shipped with the default protocol and writes the
contract's JSON next to a readable summary.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.progress import QUIET_OPTION_HELP, spinner
from trialkit.safe_io import check_output_folder
from trialkit.wording import count

DEMO_AS_OF = date(2026, 11, 24)


@app.command("demo")
def demo(
    out: Path = typer.Option(
        Path("out/demo"), "--out", metavar="FOLDER", help="Folder for the demo's outputs."
    ),
    seed: int = typer.Option(2026, "--seed", help="Seed of the simulated study."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_OPTION_HELP),
) -> None:
    """Screen the example patients, then simulate, analyse and report a whole study."""
    from trialkit.cli.render_screening import render_patient
    from trialkit.eligibility.screening import Overall
    from trialkit.eligibility.verdict import Status
    from trialkit.services.screening import screen_paths
    from trialkit.settings import DEFAULT_PROTOCOL

    console = Console()
    folder = Path(str(resources.files("trialkit.protocols") / DEFAULT_PROTOCOL / "examples"))
    paths = sorted(folder.glob("*.json"))
    check_output_folder(out, "--out")
    with spinner(f"Step 1 of 3: screening {len(paths)} example patients", quiet=quiet):
        run = screen_paths(paths, as_of=DEMO_AS_OF)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "screening.json"
    target.write_text(json.dumps(run.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    summary = Table(
        title=f"Screening {len(paths)} example patients for {run.protocol.id}, as of {run.as_of}"
    )
    summary.add_column("file")
    summary.add_column("status")
    summary.add_column("what decides it")
    for result in run.results:
        blocking = [
            c.id
            for c in result.criteria
            if (c.kind == "inclusion" and c.status is Status.NOT_MET)
            or (c.kind == "exclusion" and c.status is Status.MET)
        ]
        unknown = [c.id for c in result.criteria if c.status is Status.UNKNOWN]
        why = (
            f"blocked by {', '.join(blocking)}"
            if blocking
            else f"unknown: {', '.join(unknown)}"
            if unknown
            else "all 34 criteria decided"
        )
        style = {"eligible": "green", "ineligible": "red", "incomplete": "yellow"}[
            result.status.value
        ]
        summary.add_row(Path(result.source_file).name, f"[{style}]{result.status.value}[/]", why)
    console.print(summary)
    incomplete = next((r for r in run.results if r.status is Overall.INCOMPLETE), None)
    if incomplete is not None:
        console.print("\nThe incomplete patient in full:")
        from trialkit.wording.evidence import Labels

        render_patient(incomplete, console, Labels.of(run.protocol, run.parameters))
    console.print(f"\nContract JSON for all patients: [bold]{target}[/]")
    _simulated_study(console, out, seed, quiet)
    _population(console, out, seed, quiet)


def _simulated_study(console: Console, out: Path, seed: int, quiet: bool) -> None:
    """Step 2: a whole simulated study — screening, enrolment, treatment, analysis, report."""
    from trialkit.protocol import load_protocol
    from trialkit.report import build_report
    from trialkit.study.simulate import simulate_study
    from trialkit.study.write import write_study

    console.rule("A simulated study (NETTER-2-shaped outcomes)")
    with spinner(
        "Step 2 of 3: screening a simulated population, simulating the study", quiet=quiet
    ):
        simulated = simulate_study(load_protocol(), seed=seed)
        folder = write_study(simulated.study, out / "study")
    study = simulated.study
    statuses = {
        s: sum(1 for r in simulated.screened if r.status.value == s)
        for s in ("eligible", "ineligible", "incomplete")
    }
    console.print(
        f"Screened {len(simulated.screened)} (eligible {statuses['eligible']}, ineligible "
        f"{statuses['ineligible']}, incomplete {statuses['incomplete']}); enrolled "
        f"{len(study.subjects)}; study data: [bold]{folder}[/]"
    )
    with spinner("Step 2 of 3: analysing, drawing the figures, writing the report", quiet=quiet):
        report = build_report(study, out / "report" / "report.html")
    console.print(
        f"Report: [bold]{report.html}[/] — open it in a browser "
        f"(or: trialkit report {folder} --pdf)"
    )
    from trialkit.services.cdisc import export_study

    with spinner("Step 2 of 3: writing the CDISC package (SDTM, ADaM, define.xml)", quiet=quiet):
        package = export_study(study, out / "cdisc")
    c = package.conformance
    console.print(
        f"CDISC package: [bold]{out / 'cdisc'}[/] — {len(package.sdtm)} SDTM and "
        f"{len(package.adam)} ADaM datasets (.xpt, Dataset-JSON), define.xml, the CRF as ODM; "
        f"conformance {count(c.errors, 'error')}, {count(c.warnings, 'warning')} "
        f"(trialkit export check {out / 'cdisc'})"
    )


DEMO_POPULATION = 20_000


def _population(console: Console, out: Path, seed: int, quiet: bool) -> None:
    """Step 3: pre-screen a synthetic warehouse (OMOP CDM) with the same criteria, on DuckDB."""
    from trialkit.services.cohort import run_cohort
    from trialkit.synth.population import write_population

    console.rule(f"Population pre-screening: {DEMO_POPULATION:,} synthetic patients (OMOP CDM)")
    source = out / "population" / "omop"
    with spinner(
        "Step 3 of 3: writing the synthetic warehouse, screening it on DuckDB", quiet=quiet
    ):
        made = write_population(DEMO_POPULATION, seed, source, "omop")
        run = run_cohort([source], as_of=DEMO_AS_OF, out=out / "population" / "cohort")
    f = run.funnel
    console.print(made)
    top = sorted(f.blocked_by_one.items(), key=lambda kv: -kv[1])[:5]
    console.print(
        f"eligible {f.eligible:,} · incomplete {f.incomplete:,} · ineligible {f.ineligible:,}; "
        f"near misses (blocked by one criterion): " + ", ".join(f"{c} × {n:,}" for c, n in top)
    )
    folder = out / "population" / "cohort"
    console.print(
        f"Funnel, verdicts with evidence (Parquet) and figure: [bold]{folder}[/]"
        f" — the whole funnel: trialkit cohort {source}"
    )
