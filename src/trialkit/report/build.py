"""Build the data-monitoring report from a study: design, CONSORT, baseline characteristics,
efficacy, safety, all figures, parameters in force, software version."""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from statistics import median
from typing import Any

from jinja2 import Environment, select_autoescape

from trialkit import __version__, wording
from trialkit.analysis.efficacy import Efficacy, analyse_efficacy, months
from trialkit.analysis.figures import (
    consort_figure,
    km_figure,
    save,
    spider_figure,
    swimmer_figure,
    waterfall_figure,
)
from trialkit.analysis.figures.consort import consort_counts
from trialkit.analysis.rates import RESPONSES
from trialkit.analysis.safety import analyse_safety
from trialkit.analysis.simon import SimonDecision, simon_decision, simon_designs
from trialkit.conduct.deviations import CATEGORY_LABELS
from trialkit.dosing import DosingParameters
from trialkit.errors import InputError
from trialkit.protocol import load_protocol
from trialkit.protocol.baseline import BaselineRow
from trialkit.study.model import Study
from trialkit.wording.evidence import criterion_summaries

# The record sets no sample size: the report shows the design in force and its assumptions
# (p0 10 %, p1 30 %: NETTER-1 ORR 18 % vs NETTER-2 43 % bracket; UNVERIFIED, parameters).
DESIGN = {"p0": 0.10, "p1": 0.30, "alpha": 0.05, "power": 0.80}


@dataclass(frozen=True)
class Report:
    html: Path
    figures: tuple[Path, ...]


def _figure(ax: Any, folder: Path, name: str) -> tuple[str, list[Path]]:
    paths = save(ax, folder / name)
    png = paths[0].read_bytes()
    return base64.b64encode(png).decode("ascii"), paths


def build_report(study: Study, out: Path, *, conf_type: str = "log-log") -> Report:
    out.parent.mkdir(parents=True, exist_ok=True)
    figures_dir = out.parent / "figures"
    protocol = load_protocol(study.protocol_id)
    params = DosingParameters()
    efficacy = analyse_efficacy(study, params, conf_type)
    safety = analyse_safety(study)
    optimal, minimax = simon_designs(**DESIGN, nmax=60)
    treated = [s for s in study.subjects if s.first_dose is not None]
    first_doses = {s.subject_id: s.first_dose for s in treated}
    status_of = {r.screening_id: r.status for r in study.screening}
    counts = consort_counts(
        [(r.status, r.reason) for r in study.screening],
        len(study.subjects),
        len(treated),
        efficacy.evaluable,
        criterion_summaries(protocol),
        # enrolled from a screening that was not eligible: a documented waiver
        waived=sum(
            1
            for s in study.subjects
            if s.screening_id in status_of and status_of[s.screening_id] != "eligible"
        ),
    )
    # the optimal design is the one in force (docs/analysis.md "Design in the report")
    by_subject = {r.subject_id: r for r in efficacy.responses}
    in_order = sorted(study.subjects, key=lambda s: (s.enrolled, s.subject_id))
    decision = simon_decision(
        optimal,
        len(study.subjects),
        [
            by_subject[s.subject_id].recist.best_overall_response in RESPONSES
            and by_subject[s.subject_id].recist.confirmed
            for s in in_order
            if s.subject_id in by_subject
        ],
    )
    images: dict[str, str] = {}
    written: list[Path] = []
    for name, ax in _figures(study, efficacy, counts, first_doses):
        images[name], paths = _figure(ax, figures_dir, name)
        written += paths
    context = {
        "title": protocol.title,
        "protocol": protocol,
        "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "study": study,
        "design": {"optimal": optimal, "minimax": minimax, **DESIGN},
        "reconciliation": design_reconciliation(decision),
        "counts": counts,
        "baseline": _baseline(study, protocol.baseline.rows),
        "efficacy": efficacy,
        "safety": safety,
        "images": images,
        "parameters": protocol.parameters,
        "dosing": params.to_json(),
        "deviation_labels": CATEGORY_LABELS,
        "deviation_counts": sorted(Counter(d.category for d in study.deviations).items()),
    }
    template = (
        resources.files("trialkit.report").joinpath("report.html.j2").read_text(encoding="utf-8")
    )
    env = Environment(autoescape=select_autoescape(default=True))
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.1f}%"
    env.filters["num"] = lambda x, d=1: "NR" if x is None else f"{x:.{d}f}"
    env.filters["shown"] = wording.shown
    env.filters["unit"] = wording.unit
    env.filters["count"] = wording.count
    out.write_text(env.from_string(template).render(**context), encoding="utf-8")
    return Report(out, tuple(written))


def design_reconciliation(d: SimonDecision) -> list[str]:
    """Enrolment read against the design in force, in sentences for the report."""
    x = d.design
    out = [
        f"Enrolled {d.enrolled}, of whom {d.evaluable} are evaluable for response. The design "
        f"in force (Simon {x.kind}) treats n1 = {x.n1} subjects in stage 1 and n = {x.n} in "
        f"total."
    ]
    if d.stage1_responses is None:
        out.append(f"Stage 1 is not complete: {d.evaluable} of {x.n1} evaluable so far.")
    else:
        verdict = "continue to stage 2" if d.stage1_continue else "stop for futility"
        out.append(
            f"Stage 1: {d.stage1_responses} of the first {x.n1} evaluable subjects (in order of "
            f"enrolment) had a confirmed response; the design stops if {x.r1} or fewer respond: "
            f"{verdict}."
        )
    if d.stage1_continue and d.total_responses is None:
        out.append(f"Stage 2 is not complete: {d.evaluable} of {x.n} evaluable so far.")
    elif d.total_responses is not None and d.stage1_continue:
        verdict = (
            "the drug is declared active (H0 rejected)"
            if d.active
            else "the drug is not declared active"
        )
        out.append(
            f"Final analysis: {d.total_responses} of the first {x.n} evaluable subjects had a "
            f"confirmed response; activity needs more than {x.r}: {verdict}."
        )
    if d.beyond_design:
        out.append(
            f"{d.beyond_design} subjects were enrolled beyond the design's n = {x.n}: enrolment "
            "was not stopped at the design's sample size (in the simulated study every eligible "
            "referral is enrolled). They are outside the design's test, which uses the first "
            f"{x.n} evaluable subjects; the estimates below (response rates with their "
            f"intervals, Kaplan–Meier) use all {d.evaluable} evaluable subjects and are "
            "descriptive."
        )
    return out


def _figures(
    study: Study, e: Efficacy, counts: dict[str, Any], first_doses: dict[str, Any]
) -> list[tuple[str, Any]]:
    figs: list[tuple[str, Any]] = [("consort", consort_figure(counts))]
    figs.append(("waterfall", waterfall_figure(e.responses)))
    figs.append(("spider", spider_figure(e.responses, first_doses)))
    rows = []
    by_subject = {s.subject_id: s for s in study.subjects}
    pfs = {t.subject_id: t for t in e.pfs}
    for r in e.responses:
        s = by_subject[r.subject_id]
        start = s.first_dose
        assert start is not None
        end = s.death_date or s.last_contact or start
        rows.append(
            {
                "subject": r.subject_id,
                "months": months(start, end),
                "bor": r.recist.best_overall_response,
                "response_month": months(start, r.recist.response_date)
                if r.recist.response_date
                else None,
                "progression_month": (
                    months(start, r.recist.progression_date) if r.recist.progression_date else None
                ),
                "death_month": months(start, s.death_date) if s.death_date else None,
                "ongoing": s.death_date is None
                and not (pfs.get(r.subject_id) and pfs[r.subject_id].event),
            }
        )
    figs.append(("swimmer", swimmer_figure(rows)))
    for name, km, times in (
        ("km_pfs", e.pfs_km, e.pfs),
        ("km_os", e.os_km, e.os),
        ("km_dor", e.dor_km, e.dor),
    ):
        if km is not None:
            label = {
                "km_pfs": "Progression-free survival",
                "km_os": "Overall survival",
                "km_dor": "Duration of response",
            }[name]
            figs.append(
                (
                    name,
                    km_figure(
                        km,
                        [t.months for t in times],
                        label,
                        xlabel="Months since response"
                        if name == "km_dor"
                        else "Months since first dose",
                    ),
                )
            )
    return figs


def _baseline(study: Study, rows: tuple[BaselineRow, ...]) -> list[tuple[str, str]]:
    """The engine's rows (subjects, age, sex), then the protocol's (its ``baseline: report:``)."""
    s = study.subjects
    n = len(s)
    if not n:
        return []

    def share(k: int) -> str:
        return f"{k} ({100 * k / n:.0f}%)"

    ages = [x.age for x in s]
    table = [
        ("Subjects", str(n)),
        ("Age, median (range)", f"{median(ages):.0f} ({min(ages)}–{max(ages)})"),
        ("Female", share(sum(1 for x in s if x.sex == "female"))),
    ]
    for row in rows:
        values = [v for x in s if (v := x.value_of(row.column)) is not None]
        if row.median:
            numbers = [float(v) for v in values]
            table.append((row.label, f"{median(numbers):.1f}" if numbers else "—"))
        elif row.prefix is not None:
            table.append(
                (row.label, share(sum(1 for v in values if str(v).startswith(row.prefix))))
            )
        else:
            table.append((row.label, share(sum(1 for v in values if _text(v) == row.equals))))
    return table


def _text(value: float | str) -> str:
    """A value as the protocol writes it (``equals: 0`` matches ECOG 0, not "0.0")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Debian's Chromium, headless, with nothing that reaches for the network (a closed machine).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise InputError("this needs the chromium browser (make setup-system installs it)")
    return binary


def render_pdf(html: Path, pdf: Path) -> Path:
    """Print the HTML to PDF with headless Chromium (Debian's ``chromium``)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise InputError(
            "PDF needs the chromium browser (make setup-system installs it)", field="--pdf"
        )
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return pdf
