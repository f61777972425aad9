"""Grading every lab of a FHIR record, and the ``trialkit ctcae`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


HILARIO = next(SYNTHEA.glob("Hilario_Barton_*.json"))


def test_grade_record_creatinine_worst_over_time_on_real_synthea(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Creatinine (LOINC 38483-4, mg/dL in the bundle) against a site ULN of 100 µmol/L:
    expected grades computed here from the raw JSON (× 88.4, clinical-facts §7; bands §5)."""
    raw = json.loads(HILARIO.read_text())
    creatinine = [
        e["resource"]
        for e in raw["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "38483-4"
    ]
    assert all(c["valueQuantity"]["unit"] == "mg/dL" for c in creatinine)

    def expected(c: dict[str, Any]) -> int:
        ratio = c["valueQuantity"]["value"] * 88.4 / 100
        return 0 if ratio <= 1 else 1 if ratio <= 1.5 else 2 if ratio <= 3 else 3

    args = ["ctcae", "grade-record", str(HILARIO), "--uln", "creatinine_increased=100"]
    assert main([*args, "--format", "json"]) == 0
    patient = json.loads(capsys.readouterr().out)["patients"][0]
    results = {r["source"]: r for r in patient["results"] if r["term"] == "creatinine_increased"}
    assert set(results) == {f"Observation/{c['id']}" for c in creatinine}
    for c in creatinine:
        assert results[f"Observation/{c['id']}"]["grade"] == expected(c)
    top = max(expected(c) for c in creatinine)
    first_top = min(
        (c for c in creatinine if expected(c) == top), key=lambda c: c["effectiveDateTime"]
    )
    [worst] = [w for w in patient["worst"] if w["term"] == "creatinine_increased"]
    assert worst["grade"] == top
    assert worst["source"] == f"Observation/{first_top['id']}"
    assert worst["time"] == first_top["effectiveDateTime"][:10]
    assert patient["warnings"] == []


def test_grade_record_table_names_the_worst_grade(capsys: pytest.CaptureFixture[str]) -> None:
    raw = json.loads(HILARIO.read_text())
    [patient_id] = [
        e["resource"]["id"] for e in raw["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert main(["ctcae", "grade-record", str(HILARIO), "--lln", "anemia=120"]) == 0
    out = capsys.readouterr().out
    assert f"Patient {patient_id}" in out
    assert "Worst grade" in out
    assert "hypoglycemia" in out


def test_grade_command_applies_baseline_and_prints_the_band(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # clinical-facts §11 item 11: ALT 130, ULN 40, baseline 80 → G1
    args = ["--term", "alanine_aminotransferase_increased", "--value", "130", "--unit", "U/L"]
    assert main(["ctcae", "grade", *args, "--uln", "40", "--baseline", "80"]) == 0
    out = capsys.readouterr().out
    assert "grade 1" in out
    assert "1.5 × baseline" in out


@pytest.mark.parametrize(
    "limit",
    ["creatinine_increased", "creatinine_increased=high", "kidney=100"],
)
def test_grade_record_bad_site_limit_exits_2(
    capsys: pytest.CaptureFixture[str], limit: str
) -> None:
    assert main(["ctcae", "grade-record", str(HILARIO), "--uln", limit]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert "Traceback" not in err
