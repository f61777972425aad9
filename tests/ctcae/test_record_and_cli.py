"""Grading every lab of a FHIR record, and the ``trialkit ctcae`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialkit.cli.main import main

SYNTHEA = Path(__file__).resolve().parents[3] / "shared/data/synthea-r4"
ABDUL = next(SYNTHEA.glob("Abdul_Koepp_*.json"))


def test_grade_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "ctcae",
                "grade",
                "--term",
                "anemia",
                "--value",
                "7.9",
                "--unit",
                "g/dL",
                "--format",
                "json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["grade"] == 3
    assert out["value_canonical"] == 79
    assert out["unit_canonical"] == "g/L"
    assert set(out) >= {"term", "grade", "rule", "value_canonical", "unit_canonical"}


@pytest.mark.parametrize(
    "args",
    [
        ["--term", "bogus", "--value", "1", "--unit", "g/L"],
        ["--term", "anemia", "--value", "1", "--unit", "furlongs"],
    ],
)
def test_grade_command_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert main(["ctcae", "grade", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert "Traceback" not in err


def test_grade_record_on_real_synthea_with_site_llns(capsys: pytest.CaptureFixture[str]) -> None:
    raw = json.loads(ABDUL.read_text())
    hbs = [
        e["resource"]
        for e in raw["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "718-7"
    ]
    assert (
        main(["ctcae", "grade-record", str(ABDUL), "--lln", "anemia=120", "--format", "json"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    results = [r for r in out["patients"][0]["results"] if r["term"] == "anemia"]
    assert {r["source"] for r in results} == {f"Observation/{h['id']}" for h in hbs}
    for r in results:
        hb = next(h for h in hbs if f"Observation/{h['id']}" == r["source"])
        g_per_l = hb["valueQuantity"]["value"] * 10  # Synthea records g/dL
        assert r["value_canonical"] == pytest.approx(g_per_l)
        expected = 0 if g_per_l >= 120 else 1 if g_per_l >= 100 else 2 if g_per_l >= 80 else 3
        assert r["grade"] == expected
    worst = {w["term"]: w["grade"] for w in out["patients"][0]["worst"]}
    assert worst["anemia"] == max(r["grade"] for r in results)


def test_grade_record_without_limits_says_undeterminable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ctcae", "grade-record", str(ABDUL), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    platelets = [
        r for r in out["patients"][0]["results"] if r["term"] == "platelet_count_decreased"
    ]
    assert platelets
    assert all(
        r["grade"] is None and "LLN" in r["rule"] for r in platelets if r["value_canonical"] > 75
    )
