"""``trialkit demo`` (what ``make demo`` runs) screens the bundled examples and writes JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialkit.cli.main import main


def test_demo_writes_the_three_outcomes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "blocked by EX2" in out
    data = json.loads((tmp_path / "screening.json").read_text())
    by_file = {Path(r["source_file"]).name: r["status"] for r in data["results"]}
    assert by_file == {
        "eligible.json": "eligible",
        "incomplete.json": "incomplete",
        "low-haemoglobin.json": "ineligible",
    }
    # the CDISC package of the simulated study, beside its report, with no conformance error
    assert (tmp_path / "report" / "report.html").is_file()
    assert (tmp_path / "cdisc" / "sdtm" / "dm.xpt").is_file()
    assert (tmp_path / "cdisc" / "adam" / "define.xml").is_file()
    assert json.loads((tmp_path / "cdisc" / "conformance.json").read_text())["errors"] == 0
