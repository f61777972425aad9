"""The report renders; headless Chromium sees every section and figure; the PDF has pages;
the demo is reproducible."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest

from trialkit.protocol import load_protocol
from trialkit.report import build_report, render_pdf
from trialkit.report.build import HEADLESS_FLAGS, chromium
from trialkit.study.simulate import simulate_study

SECTIONS = ["design", "consort", "baseline", "efficacy", "safety", "parameters", "software"]
FIGURES = [
    "CONSORT flow diagram",
    "Waterfall plot",
    "Spider plot",
    "Swimmer plot",
    "Kaplan-Meier curve: Progression-free survival",
    "Kaplan-Meier curve: Overall survival",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    study = simulate_study(load_protocol(), seed=11, screened=60).study
    return build_report(study, tmp_path_factory.mktemp("report") / "report.html").html


def test_headless_chromium_sees_every_section_and_figure(report: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [
                chromium(),
                *HEADLESS_FLAGS,
                f"--user-data-dir={profile}",
                "--dump-dom",
                report.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom, section
    for alt in FIGURES:
        assert f'alt="{alt}"' in dom, alt
    assert dom.count("data:image/png;base64,") >= len(FIGURES)
    assert "Objective response rate" in dom
    assert "Clopper–Pearson" in dom


def test_figures_written_as_png_and_svg(report: Path) -> None:
    figures = report.parent / "figures"
    for name in ("consort", "waterfall", "spider", "swimmer", "km_pfs", "km_os"):
        assert (figures / f"{name}.png").stat().st_size > 5_000
        svg = (figures / f"{name}.svg").read_text()
        assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:500]


def test_waterfall_has_one_bar_per_measured_subject_and_the_reference_lines(tmp_path: Path) -> None:
    from trialkit.analysis.efficacy import analyse_efficacy
    from trialkit.analysis.figures import waterfall_figure

    study = simulate_study(load_protocol(), seed=11, screened=60).study
    efficacy = analyse_efficacy(study)
    ax = waterfall_figure(efficacy.responses)
    measured = [r for r in efficacy.responses if r.best_change_pct is not None]
    assert len(ax.patches) == len(measured)
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines())
    assert levels == [-30, 0, 20]


def test_pdf_renders_pages(report: Path, tmp_path: Path) -> None:
    pdf = render_pdf(report, tmp_path / "report.pdf")
    assert pdf.read_bytes()[:4] == b"%PDF"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    assert any(p.name.startswith("page") for p in tmp_path.iterdir())


def test_demo_is_reproducible(tmp_path: Path) -> None:
    from trialkit.cli.main import main

    assert main(["demo", "--out", str(tmp_path / "a"), "--seed", "5"]) == 0
    assert main(["demo", "--out", str(tmp_path / "b"), "--seed", "5"]) == 0
    for name in ("subjects.csv", "lesions.csv", "doses.csv", "labs.csv", "screening.csv"):
        assert (tmp_path / "a/study" / name).read_text() == (
            tmp_path / "b/study" / name
        ).read_text()
    assert (tmp_path / "a/report/report.html").exists()
    screening = json.loads((tmp_path / "a/screening.json").read_text())
    assert len(screening["results"]) == 3
