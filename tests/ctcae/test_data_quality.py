"""Issue 12: NaN/±Infinity on the command line and impossible values in a record are never
graded; the protocol's physiologically possible ranges guard grade-record (point 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialkit.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486/examples"


@pytest.mark.parametrize(
    "args",
    [
        ["--value", "nan"],
        ["--value", "inf"],
        ["--value", "100", "--uln", "nan"],
        ["--value", "100", "--lln", "-inf"],
    ],
)
def test_non_finite_cli_numbers_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ctcae", "grade", "--term", "anemia", "--unit", "g/L", *args]) == 2
    assert "no value" in capsys.readouterr().err


def test_a_non_finite_site_limit_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXAMPLES / "eligible.json")
    assert main(["ctcae", "grade-record", path, "--lln", "anemia=nan"]) == 2


def test_grade_record_never_grades_an_impossible_haemoglobin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((EXAMPLES / "eligible.json").read_text(encoding="utf-8"))
    for entry in data["entry"]:
        r = entry["resource"]
        codes = [c.get("code") for c in r.get("code", {}).get("coding", [])]
        if r["resourceType"] == "Observation" and "718-7" in codes:
            r["valueQuantity"]["value"] = 1e308  # g/dL: "inf g/L" before
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["ctcae", "grade-record", str(path), "--format", "json"]) == 0
    [patient] = json.loads(capsys.readouterr().out)["patients"]
    assert "anemia" not in {w["term"] for w in patient["worst"]}
    [warning] = [w for w in patient["warnings"] if w["term"] == "anemia"]
    assert "physiologically possible" in warning["message"] or "beyond" in warning["message"]
