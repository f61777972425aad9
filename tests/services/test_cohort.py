"""``trialkit cohort``: funnel, near misses and files from real and example records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from trialkit.cli.main import main
from trialkit.fhir import load_records
from trialkit.protocol import load_protocol
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.services.screening import screen_paths
from trialkit.sources.staging import records_to_tables

SYNTHEA = Path(__file__).resolve().parents[3] / "shared/data/synthea-r4"
EXAMPLES = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486/examples"


def test_cohort_funnel_and_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = [str(SYNTHEA), str(EXAMPLES / "eligible.json")]
    assert (
        main(
            [
                "cohort",
                *sources,
                "--as-of",
                "2026-11-24",
                "--out",
                str(tmp_path),
                "--format",
                "json",
            ]
        )
        == 0
    )
    funnel = json.loads(capsys.readouterr().out)
    single = screen_paths([SYNTHEA, EXAMPLES / "eligible.json"], as_of=date(2026, 11, 24))
    expected = {
        s: sum(1 for r in single.results if r.status.value == s)
        for s in ("eligible", "incomplete", "ineligible")
    }
    assert (funnel["eligible"], funnel["incomplete"], funnel["ineligible"]) == (
        expected["eligible"],
        expected["incomplete"],
        expected["ineligible"],
    )
    assert funnel["screened"] == 11
    steps = funnel["steps"]
    assert [s["criterion"] for s in steps][:2] == ["IN1", "IN2"]
    assert steps[-1]["remaining_after"] == funnel["eligible"] + funnel["incomplete"]
    verdicts = pq.read_table(tmp_path / "verdicts.parquet")
    assert verdicts.num_rows == 11 * 34
    assert (tmp_path / "funnel.png").stat().st_size > 5_000
    assert (tmp_path / "funnel.svg").exists()


def test_duplicate_patient_ids_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cohort", str(EXAMPLES)]) == 2
    assert "duplicate patient id" in capsys.readouterr().err
    records = load_records([EXAMPLES / "eligible.json", EXAMPLES / "incomplete.json"])
    protocol = load_protocol()
    con = connect()
    with pytest.raises(ValueError, match="duplicate patient ids"):
        screen_population(
            con,
            load_tables(con, records_to_tables(records)),
            protocol,
            protocol.defaults(),
            as_of=date(2026, 11, 24),
        )


def test_unknown_engine_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cohort", str(EXAMPLES / "eligible.json"), "--engine", "oracle"]) == 2
    # refused by the parser, naming the option and the engines there are
    err = capsys.readouterr().err
    assert "--engine" in err
    assert "duckdb" in err
