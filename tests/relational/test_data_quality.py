"""Issue 12 reproductions 2 and 10 on the population path: NaN, ±Infinity and impossible
values in an OMOP or NDJSON source decide nothing and are counted data-quality warnings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from trialkit.cli.main import main
from trialkit.synth.population import write_population

AS_OF = "2026-11-24"


def _spoil_omop(folder: Path, loinc: str, value: str) -> int:
    """Every measurement of ``loinc`` gets ``value``; returns how many rows changed."""
    con = duckdb.connect()
    path = str(folder / "measurement.parquet")
    con.execute(
        f"""CREATE TABLE m AS SELECT * REPLACE (CASE WHEN measurement_concept_id IN (
                SELECT concept_id FROM read_parquet('{folder / "concept.parquet"}')
                WHERE concept_code = '{loinc}')
            THEN CAST('{value}' AS DOUBLE) ELSE value_as_number END AS value_as_number)
        FROM read_parquet('{path}')"""
    )
    con.execute(f"COPY m TO '{path}' (FORMAT parquet)")
    count = con.execute(
        "SELECT count(*) FROM m WHERE NOT isfinite(value_as_number) OR value_as_number > 1e300"
        " OR value_as_number < 0"
    ).fetchone()
    assert count is not None
    return int(count[0])


def _cohort(folder: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code = main(["cohort", str(folder), "--as-of", AS_OF, "--out", str(out), "--format", "json"])
    text = capsys.readouterr().out
    assert code == 0, text
    result: dict[str, object] = json.loads(text)
    return result


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_omop_haemoglobin_never_decides_and_is_counted(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # reproduction 2: EX2 was not_met with evidence "nan g/L" and no warning
    write_population(300, 9, tmp_path / "omop", "omop")
    spoiled = _spoil_omop(tmp_path / "omop", "718-7", value)
    assert spoiled > 100
    funnel = _cohort(tmp_path / "omop", tmp_path / "out", capsys)
    verdicts = pq.read_table(tmp_path / "out" / "verdicts.parquet").to_pylist()
    shown = [str(v["evidence_value"]).lower() for v in verdicts if v["evidence_value"]]
    assert not [s for s in shown if "nan" in s or "inf" in s]
    # haemoglobin unknown: "Hb < 80 or WBC < 2 or platelets < 75" can no longer be not met
    assert not [v for v in verdicts if v["criterion"] == "EX2" and v["status"] == "not_met"]
    warnings = funnel["data_quality_warnings"]
    assert isinstance(warnings, dict)
    assert warnings["measurement.value_as_number: NaN or Infinity is no value; ignored"] == (
        spoiled
    )


def test_impossible_omop_haemoglobin_never_decides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # reproduction 5 / point 10 on the population path: 1e308 g/dL and -5 g/dL
    write_population(300, 9, tmp_path / "omop", "omop")
    _spoil_omop(tmp_path / "omop", "718-7", "1e308")
    _cohort(tmp_path / "omop", tmp_path / "out", capsys)
    verdicts = pq.read_table(tmp_path / "out" / "verdicts.parquet").to_pylist()
    assert not [v for v in verdicts if v["criterion"] == "EX2" and v["status"] == "not_met"]
    _spoil_omop(tmp_path / "omop", "718-7", "-5")
    _cohort(tmp_path / "omop", tmp_path / "out2", capsys)
    verdicts = pq.read_table(tmp_path / "out2" / "verdicts.parquet").to_pylist()
    # a negative haemoglobin never decides: EX2 met only from a white cell or platelet count
    ex2 = [v for v in verdicts if v["criterion"] == "EX2"]
    assert not [v for v in ex2 if v["status"] == "not_met"]
    assert not [v for v in ex2 if str(v["evidence_value"]).startswith("-")]
    assert all(str(v["evidence_value"]).endswith("10*9/L") for v in ex2 if v["status"] == "met")


def test_ndjson_nan_literal_is_no_value_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_population(200, 9, tmp_path / "fhir", "fhir-ndjson")
    path = next(p for p in (tmp_path / "fhir").glob("Observation*.ndjson"))
    lines = path.read_text(encoding="utf-8").splitlines()
    spoiled = 0
    out = []
    for line in lines:
        r = json.loads(line)
        codes = [c.get("code") for c in r.get("code", {}).get("coding", [])]
        if "718-7" in codes and "valueQuantity" in r:
            r["valueQuantity"]["value"] = float("nan")
            spoiled += 1
        out.append(json.dumps(r))  # Python writes the NaN literal, as careless exporters do
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    assert spoiled > 50
    funnel = _cohort(tmp_path / "fhir", tmp_path / "out", capsys)
    verdicts = pq.read_table(tmp_path / "out" / "verdicts.parquet").to_pylist()
    assert not [v for v in verdicts if v["criterion"] == "EX2" and v["status"] == "not_met"]
    warnings = funnel["data_quality_warnings"]
    assert isinstance(warnings, dict)
    assert warnings["value: NaN or Infinity is no value; ignored"] == spoiled


def test_single_patient_and_population_agree_on_a_nan_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trialkit.services.screening import screen_paths

    bundle = Path(__file__).resolve().parents[2] / (
        "src/trialkit/protocols/nct05894486/examples/eligible.json"
    )
    data = json.loads(bundle.read_text(encoding="utf-8"))
    for entry in data["entry"]:
        r = entry["resource"]
        codes = [c.get("code") for c in r.get("code", {}).get("coding", [])]
        if r["resourceType"] == "Observation" and "718-7" in codes:
            r["valueQuantity"]["value"] = float("nan")
    spoiled = tmp_path / "nan.json"
    spoiled.write_text(json.dumps(data), encoding="utf-8")
    single = screen_paths([spoiled], as_of=date.fromisoformat(AS_OF)).results[0]
    ex2 = next(c for c in single.criteria if c.id == "EX2")
    assert ex2.status.value == "unknown"
    assert [w for w in single.warnings if w.field == "valueQuantity.value"]
    _cohort(spoiled, tmp_path / "out", capsys)
    verdicts = pq.read_table(tmp_path / "out" / "verdicts.parquet").to_pylist()
    assert {v["criterion"]: v["status"] for v in verdicts} == {
        c.id: c.status.value for c in single.criteria
    }
