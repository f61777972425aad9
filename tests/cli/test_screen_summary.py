"""``trialkit screen`` problems first (issue 14 item 2, observation 2): several patients give one
line each first (name, MRN, id, verdict, blocking and unknown counts, next to collect), every
checklist only with ``--detail``; each checklist opens with what blocks, what is unknown and
what to collect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "src/trialkit/protocols/nct05894486/examples"
SYNTHEA = sorted((ROOT.parent / "shared/data/synthea-r4").glob("*.json"))


def _screen(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", "400")
    code = main(["screen", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def test_several_patients_one_line_each_then_detail_on_request(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [str(p) for p in SYNTHEA]
    out = _screen(capsys, monkeypatch, *files, "--as-of", "2021-06-01")
    # observation 2: 10 Synthea files printed 1,917 lines and no summary
    assert len(out.splitlines()) < 30
    verdict = re.compile(r"│\s*(incomplete|ineligible|eligible)\s*│")
    rows = [line for line in out.splitlines() if verdict.search(line)]
    assert len(rows) == 10
    abdul = next(line for line in rows if "Abdul Koepp" in line)
    cells = [c.strip() for c in abdul.strip("│ ").split("│")]
    assert cells[:4] == [
        "Abdul Koepp",
        "e925b0f3-8006-43f6-aa31-94bd215e55e7",  # Patient.identifier typed MR
        "018f428e-34f6-4707-8009-5ad742f901e7",  # Patient.id
        "incomplete",
    ]
    assert cells[6] == "Date the written informed consent was signed (CRF item consent-date)"
    assert "Inclusion criteria" not in out
    assert "add --detail" in out
    detail = _screen(capsys, monkeypatch, *files, "--as-of", "2021-06-01", "--detail")
    assert detail.count("Inclusion criteria") == 10


def test_a_checklist_opens_with_blocking_unknown_and_to_collect(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    low = _screen(
        capsys, monkeypatch, str(EXAMPLES / "low-haemoglobin.json"), "--as-of", "2026-11-20"
    )
    assert low.index("Blocking:") < low.index("Inclusion criteria")
    assert (
        "✗ EX2 blood counts too low (haemoglobin, WBC or platelets) — "
        "Haemoglobin 76 g/L on 19 Nov 2026 is below 80 g/L." in low
    )
    assert "Inclusion: 8 of 8 met · Exclusion: 25 of 26 not present, 1 present" in low
    incomplete = _screen(
        capsys, monkeypatch, str(EXAMPLES / "incomplete.json"), "--as-of", "2026-11-20"
    )
    assert incomplete.index("To collect:") < incomplete.index("Inclusion criteria")
    assert "? EX1 renal function too low (creatinine or clearance)? — " in incomplete
    assert (
        "□ one usable serum creatinine result dated 23 Oct 2026 to 20 Nov 2026 "
        "(within 28 days before as-of) (EX1)" in incomplete
    )
    assert "Patient Lin Example · no MRN · id p-example" in incomplete
