"""Issue 14, observation 3: the cohort outputs name the patient ``patient_id``; for OMOP it is the
integer person_id (typed integer, ordered 1, 2, … 10, not 1, 10, 100) and a person's own
evidence is ``Person/<id>``, never the FHIR ``Patient/<id>``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from trialkit.services.cohort import run_cohort
from trialkit.synth.population import write_population

AS_OF = date(2026, 11, 24)


def test_omop_cohort_outputs_use_integer_patient_ids_in_numeric_order(tmp_path: Path) -> None:
    write_population(30, 9, tmp_path / "omop", "omop")
    run_cohort([tmp_path / "omop"], as_of=AS_OF, out=tmp_path / "out")
    patients = pq.read_table(tmp_path / "out/patients.parquet")
    assert patients.schema.names == ["patient_id", "status"]
    assert patients.schema.field("patient_id").type == pa.int64()
    ids = patients.column("patient_id").to_pylist()
    assert ids == sorted(ids)
    assert ids[:11] == list(range(1, 12))

    verdicts = pq.read_table(tmp_path / "out/verdicts.parquet")
    assert verdicts.schema.names[0] == "patient_id"
    assert verdicts.schema.field("patient_id").type == pa.int64()
    sources = {s.split("/")[0] for s in verdicts.column("evidence_source").to_pylist() if s}
    assert "Person" in sources  # age and sex come from the person table
    assert "Patient" not in sources

    near = pq.read_table(tmp_path / "out/near_misses.parquet")
    assert near.schema.names == ["patient_id", "criterion"]
    assert near.schema.field("patient_id").type == pa.int64()
    assert near.column("patient_id").to_pylist() == sorted(near.column("patient_id").to_pylist())
    listed = json.loads((tmp_path / "out/funnel.json").read_text())["near_misses"]
    assert listed
    assert all(set(x) == {"patient_id", "criterion"} for x in listed)
    assert all(isinstance(x["patient_id"], int) for x in listed)


def test_fhir_cohort_outputs_keep_the_fhir_id_as_text(tmp_path: Path) -> None:
    write_population(12, 9, tmp_path / "ndjson", "fhir-ndjson")
    run_cohort([tmp_path / "ndjson"], as_of=AS_OF, out=tmp_path / "out")
    patients = pq.read_table(tmp_path / "out/patients.parquet")
    assert patients.schema.names == ["patient_id", "status"]
    assert patients.schema.field("patient_id").type == pa.string()
    verdicts = pq.read_table(tmp_path / "out/verdicts.parquet")
    sources = {s.split("/")[0] for s in verdicts.column("evidence_source").to_pylist() if s}
    assert "Patient" in sources
    assert "Person" not in sources
