"""``trialkit synth`` and the native Bulk FHIR NDJSON staging (issue 4).

The NDJSON a synthetic population is written as goes through two independent
readers — the single-patient FHIR adapter (fhir.resources validation, Python) and
the population path's DuckDB ``read_json`` staging — and then through the two
evaluators; every patient and criterion must agree.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from trialkit.cli.main import main
from trialkit.eligibility.screening import screen_record
from trialkit.fhir import load_records
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import resolve_parameters
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.services.cohort import run_cohort
from trialkit.sources.ndjson import stage_ndjson
from trialkit.synth.population import write_population

PROTOCOL = load_protocol("nct05894486")
AS_OF = date(2026, 11, 24)


@pytest.fixture(scope="module")
def ndjson(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ndjson")
    write_population(1500, 7, folder, "fhir-ndjson")
    return folder


def test_ndjson_staging_and_fhir_adapter_agree_patient_by_patient(
    ndjson: Path, tmp_path: Path
) -> None:
    params = resolve_parameters(PROTOCOL, {})
    staged = stage_ndjson(
        [ndjson],
        tmp_path / "staging",
        timezone="UTC",
        questionnaire_url=PROTOCOL.questionnaire_url,
        lesion_group=PROTOCOL.lesion_group,
    )
    con = connect("duckdb")
    population = screen_population(
        con, load_tables(con, staged.folder), PROTOCOL, params, as_of=AS_OF
    ).statuses()
    records = load_records(
        [ndjson],
        questionnaire_url=PROTOCOL.questionnaire_url,
        lesion_group=PROTOCOL.lesion_group,
    )
    assert len(records) == len(population) == 1500
    differences = []
    for record in records:
        reference = screen_record(record, PROTOCOL, params, as_of=AS_OF)
        row = population[record.patient_id]
        differences += [
            (record.patient_id, c.id, c.status.value, row[c.id])
            for c in reference.criteria
            if c.status.value != row[c.id]
        ]
        if reference.status.value != row["status"]:
            differences.append((record.patient_id, "status", reference.status.value, row["status"]))
    assert differences[:10] == []
    # the population is a real mix: every overall status occurs, and the CRF is there for some
    statuses = {row["status"] for row in population.values()}
    assert {"ineligible", "incomplete"} <= statuses


def test_same_seed_same_population(tmp_path: Path) -> None:
    def digest(folder: Path) -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
        }

    write_population(300, 11, tmp_path / "a", "fhir-ndjson")
    write_population(300, 11, tmp_path / "b", "fhir-ndjson")
    write_population(300, 12, tmp_path / "c", "fhir-ndjson")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_synth_omop_through_cohort_gives_a_consistent_funnel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "omop"
    assert main(["synth", "--patients", "2000", "--out", str(source), "--seed", "3"]) == 0
    capsys.readouterr()
    run = run_cohort([source], as_of=AS_OF, out=tmp_path / "out")
    f = run.funnel
    assert f.screened == 2000
    assert f.eligible + f.incomplete + f.ineligible == 2000
    removed = sum(step.removed for step in f.steps)
    assert f.screened - removed == f.steps[-1].remaining_after
    # units nothing converts and unit_concept_id 0 are counted, never silently used
    assert any("unit" in key for key in run.data_quality)
    written = {p.name for p in run.written}
    assert {"patients.parquet", "verdicts.parquet", "funnel.png", "funnel.svg"} <= written
    summary = json.loads((tmp_path / "out" / "funnel.json").read_text())
    assert summary["screened"] == 2000
    # DuckDB's memory is bounded by a named setting; a size DuckDB cannot read is refused
    assert main(["cohort", str(source), "--memory-limit", "lots"]) == 2
    assert "--memory-limit" in capsys.readouterr().err


def test_synth_refuses_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--patients", "0", "--out", str(tmp_path)]) == 2
    assert "--patients" in capsys.readouterr().err
    assert main(["synth", "--patients", "5", "--out", str(tmp_path), "--format", "csv"]) == 2
    assert "csv" in capsys.readouterr().err
