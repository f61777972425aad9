"""Every shipped example and the Synthea records through ``trialkit screen`` (table): no Python
values, tuples, raw UCUM or unrounded numbers reach the reader (issue 14 item 1, observation 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.wording.reader_text import problems_in
from trialkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
PROTOCOLS = sorted(
    p for p in (ROOT / "src/trialkit/protocols").iterdir() if (p / "examples").is_dir()
)
SYNTHEA = sorted((ROOT.parent / "shared/data/synthea-r4").glob("*.json"))


def _screen(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    as_of: str = "2026-11-20",
) -> str:
    monkeypatch.setenv("COLUMNS", "2000")  # one line per evidence item: nothing split by wrapping
    code = main(["screen", *args, "--as-of", as_of])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.name)
def test_every_protocols_examples_read_in_clinical_wording(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, protocol: Path
) -> None:
    examples = sorted((protocol / "examples").glob("*.json"))
    assert examples
    # at the date the examples are written for, so their labs are in the window and decide
    as_of = str(yaml.safe_load((protocol / "examples/expected.yaml").read_text("utf-8"))["as_of"])
    for example in examples:  # one patient a run: its whole checklist
        out = _screen(capsys, monkeypatch, str(example), "--protocol", protocol.name, as_of=as_of)
        assert problems_in(out) == [], example.name


def test_a_calculated_value_reads_its_unit_and_method_as_clinicians_write_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # UCUM mL/min/{1.73_m2}: an eGFR is "per 1.73 m²" of body surface; the method by its name
    example = ROOT / "src/trialkit/protocols/nct04065165/examples/eligible.json"
    out = _screen(
        capsys, monkeypatch, str(example), "--protocol", "nct04065165", as_of="2026-12-01"
    )
    assert " mL/min/1.73 m² (MDRD), 1 Dec 2026 — calculated: 175 ×" in out
    assert "is above 30 mL/min/1.73 m²." in out
    assert "1.73_m2" not in out


def test_examples_read_in_clinical_wording(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = sorted((ROOT / "src/trialkit/protocols/nct05894486/examples").glob("*.json"))
    out = "".join(_screen(capsys, monkeypatch, str(e)) for e in examples)
    assert "Haemoglobin 121 g/L (entered 12.1 g/dL), 19 Nov 2026 — lab result o-hb" in out
    assert (
        "Date the written informed consent was signed (CRF): 18 Nov 2026, answered 20 Nov 2026"
        in out
    )
    assert "Fasting glucose 5.77 mmol/L (entered 104 mg/dL)" in out
    assert "White blood cell count 5.4 ×10⁹/L" in out
    assert "3 measurable lesions: L1 (34 mm ≥ 10 mm, CT), L2 (21 mm ≥ 10 mm, CT) and N1" in out
    assert "Inclusion: 8 of 8 met · Exclusion: 26 of 26 not present" in out


def test_synthea_records_read_in_clinical_wording(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(SYNTHEA) == 10
    for record in SYNTHEA:
        out = _screen(capsys, monkeypatch, str(record))
        assert problems_in(out) == [], record.name


def test_dosing_overrides_read_in_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # observation 1: "(16, 24)" — a tuple parameter printed as Python
    docs = (ROOT / "docs/dosing.md").read_text(encoding="utf-8")
    example = docs.split("```json\n", 1)[1].split("```", 1)[0]
    check = tmp_path / "check.json"
    check.write_text(example, encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    code = main(["dosing", "check", str(check), "--param", "imaging_weeks=12,24"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "imaging_weeks = 12 and 24 (default 16 and 24)" in out
    assert problems_in(out) == []
