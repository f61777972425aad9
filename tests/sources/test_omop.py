"""The real OMOP CDM v5.4 Eunomia instance (Synthea27Nj) gives a funnel; bad sources are refused."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from trialkit.cli.main import main
from trialkit.errors import InputError
from trialkit.model.codes import ICDO3, Code
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import resolve_parameters
from trialkit.relational.backend import connect
from trialkit.relational.engine import data_quality, load_tables, screen_population
from trialkit.services.cohort import run_cohort
from trialkit.sources.omop import stage_omop
from trialkit.synth.population import write_population

ZIP = Path(__file__).resolve().parents[3] / "shared/data/omop-synthea27nj/Synthea27Nj_5.4.zip"


@pytest.fixture(scope="module")
def eunomia(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("omop")
    with zipfile.ZipFile(ZIP) as archive:
        for name in archive.namelist():
            if name.endswith(".csv") and not name.startswith("__MACOSX"):
                (folder / Path(name).name).write_bytes(archive.read(name))
    return folder


def test_eunomia_loads_with_codes_resolved_through_concept(eunomia: Path, tmp_path: Path) -> None:
    staged = stage_omop(eunomia, tmp_path / "staging")
    persons = sum(1 for _ in (eunomia / "PERSON.csv").open()) - 1
    assert staged.persons == persons
    assert pq.read_table(staged.folder / "patient.parquet").num_rows == persons
    systems = set(pq.read_table(staged.folder / "measurement.parquet").column("system").to_pylist())
    assert "http://loinc.org" in systems
    # the stack notes: 7.7 % of numeric measurements carry unit_concept_id 0 — counted, not hidden
    messages = pq.read_table(staged.folder / "warning.parquet").column("message").to_pylist()
    assert messages.count("unit_concept_id 0: unit_source_value used") > 0


def test_icdo3_morphology_codes_reach_the_value_sets(eunomia: Path, tmp_path: Path) -> None:
    """GEP-NET's value set lists an ICD-O-3 morphology (8249/3); OMOP's vocabulary_id for it is
    ICDO3, which must become the ICD-O-3 system or the code can never match."""
    source = tmp_path / "icdo3"
    shutil.copytree(eunomia, source)
    with (source / "CONCEPT.csv").open("a") as concept:
        concept.write(
            "2100000001,Atypical carcinoid tumor,Observation,ICDO3,ICDO Histology,,"
            "8249/3,1970-01-01,2099-12-31,\n"
        )
    with (source / "CONDITION_OCCURRENCE.csv").open("a") as conditions:
        conditions.write(
            "99999001,1,0,2021-03-01,2021-03-01 00:00:00,,,32020,0,,,,,8249/3,2100000001,\n"
        )
    staged = stage_omop(source, tmp_path / "staging")
    rows = pq.read_table(staged.folder / "condition.parquet").to_pylist()
    (row,) = [r for r in rows if r["source"] == "Condition/99999001" and r["system"] == ICDO3]
    assert row["code_key"] == "8249/3"
    gep_net = load_protocol("nct05894486").value_sets["gep_net"]
    assert gep_net.matches(Code(row["system"], row["code_key"]))


def test_cohort_on_eunomia_reports_a_funnel(
    eunomia: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cohort", str(eunomia), "--as-of", "2022-12-31", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["screened"] == sum(1 for _ in (eunomia / "PERSON.csv").open()) - 1
    assert out["eligible"] == 0  # no GEP-NET patient and no CRF in Eunomia: never eligible
    assert out["data_quality_warnings"]


def test_bad_omop_sources(
    eunomia: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(eunomia, broken)
    (broken / "MEASUREMENT.csv").unlink()
    with pytest.raises(InputError, match="measurement not found"):
        stage_omop(broken, tmp_path / "s1")
    duplicated = tmp_path / "duplicated"
    shutil.copytree(eunomia, duplicated)
    lines = (duplicated / "PERSON.csv").read_text().splitlines()
    (duplicated / "PERSON.csv").write_text("\n".join([*lines, lines[1]]) + "\n")
    assert main(["cohort", str(duplicated)]) == 2
    assert "duplicate person_id" in capsys.readouterr().err
    wrong_type = tmp_path / "wrong"
    shutil.copytree(eunomia, wrong_type)
    lines = (wrong_type / "PERSON.csv").read_text().splitlines()
    fields = lines[1].split(",")
    fields[2] = "nineteen-ninety"  # year_of_birth
    (wrong_type / "PERSON.csv").write_text(
        "\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n"
    )
    with pytest.raises(InputError, match="year_of_birth"):
        stage_omop(wrong_type, tmp_path / "s2")


def test_embedded_views_and_parquet_staging_give_the_same_result(tmp_path: Path) -> None:
    """On embedded DuckDB the OMOP mapping of measurements and warnings runs as views in
    the screening query, with integer person ids; written to Parquet (the Spark route) it
    must screen to the very same table: statuses, evidence and warnings."""

    as_of = date(2026, 11, 24)
    write_population(1500, 9, tmp_path / "omop", "omop")
    embedded = run_cohort([tmp_path / "omop"], as_of=as_of)
    protocol = load_protocol("nct05894486")
    staged = stage_omop(tmp_path / "omop", tmp_path / "staging")
    con = connect("duckdb")
    tables = load_tables(con, staged.folder)
    params = resolve_parameters(protocol, {})
    files = screen_population(con, tables, protocol, params, as_of=as_of, patient_resource="Person")
    assert embedded.result.table.num_rows == 1500
    assert embedded.result.table.equals(files.table)
    assert embedded.data_quality == data_quality(con, tables)
    assert embedded.result.table.column("pid").type == "string"


def test_a_source_that_changes_during_screening_is_a_clear_error(tmp_path: Path) -> None:
    """The measurement view reads the source while screening: a file replaced after the
    checks gives the OMOP error, not a DuckDB traceback."""

    write_population(200, 9, tmp_path / "omop", "omop")

    def spoil(phase: str) -> None:
        if phase == "screen":
            (tmp_path / "omop" / "measurement.parquet").write_bytes(b"not parquet")

    with pytest.raises(InputError, match="OMOP tables unreadable"):
        run_cohort([tmp_path / "omop"], as_of=date(2026, 11, 24), progress=spoil)


def test_omop_on_spark_screens_like_embedded_duckdb(tmp_path: Path) -> None:
    """The Spark route (OMOP staged to Parquet, integer person ids read by Spark) gives the
    same statuses and evidence as embedded DuckDB's views, column by column."""

    write_population(300, 3, tmp_path / "omop", "omop")
    as_of = date(2026, 11, 24)
    duck = run_cohort([tmp_path / "omop"], as_of=as_of).result.table
    spark = run_cohort([tmp_path / "omop"], as_of=as_of, engine="spark").result.table
    assert duck.num_rows == spark.num_rows == 300
    assert duck.column_names == spark.column_names
    differing = [
        c for c in duck.column_names if duck.column(c).to_pylist() != spark.column(c).to_pylist()
    ]
    assert differing == []
