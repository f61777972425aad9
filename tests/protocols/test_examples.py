"""Every shipped protocol's examples get the verdicts its ``examples/expected.yaml`` states, from
the CLI (``screen --protocol ID`` and ``--protocol PATH``) and from the population path on
DuckDB; each protocol's criteria are verbatim from its registry record; ``cohort`` takes
either."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from trialkit.cli.main import main
from trialkit.fhir import load_records
from trialkit.protocol import available_protocols, load_protocol
from trialkit.protocol.loader import bundled_folder, resolve_parameters
from trialkit.relational.backend import connect
from trialkit.relational.engine import load_tables, screen_population
from trialkit.sources.staging import records_to_tables

REPO = Path(__file__).resolve().parents[2]


def _expected(name: str) -> dict[str, Any]:
    data = yaml.safe_load((bundled_folder(name) / "examples/expected.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_three_protocols_are_shipped() -> None:
    assert {"nct05894486", "nct01677910", "nct04065165"} <= set(available_protocols())


@pytest.mark.parametrize("name", available_protocols())
def test_every_example_has_an_expected_verdict(name: str) -> None:
    examples = {p.name for p in (bundled_folder(name) / "examples").glob("*.json")}
    expected = _expected(name)["examples"]
    assert examples == set(expected)
    assert {v["status"] for v in expected.values()} == {"eligible", "ineligible", "incomplete"}


@pytest.mark.parametrize("name", available_protocols())
@pytest.mark.parametrize("by", ["id", "path"])
def test_examples_screen_as_expected_from_the_cli(
    name: str, by: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _expected(name)
    files = sorted(expected["examples"])
    protocol = name if by == "id" else str(bundled_folder(name))
    examples = bundled_folder(name) / "examples"
    paths = [str(examples / f) for f in files]
    code = main(
        ["screen", "--protocol", protocol, *paths, "--as-of", expected["as_of"], "--format", "json"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    results = json.loads(out)["results"]
    assert len(results) == len(files)
    for file, result in zip(files, results, strict=True):
        want = expected["examples"][file]
        assert result["status"] == want["status"], (file, result["criteria"])
        got = {c["id"]: c["status"] for c in result["criteria"]}
        for cid, status in (want.get("criteria") or {}).items():
            assert got[cid] == status, (file, cid)


@pytest.mark.parametrize("name", available_protocols())
def test_examples_screen_as_expected_on_duckdb(name: str) -> None:
    expected = _expected(name)
    protocol = load_protocol(name)
    files = sorted(expected["examples"])
    # one id per example (the bundled protocol's examples are one patient's three states)
    records = [
        dataclasses.replace(r, patient_id=f)
        for f, r in zip(
            files,
            load_records(
                [bundled_folder(name) / "examples" / f for f in files],
                questionnaire_url=protocol.questionnaire_url,
                lesion_group=protocol.lesion_group,
            ),
            strict=True,
        )
    ]
    con = connect("duckdb")
    rows = screen_population(
        con,
        load_tables(con, records_to_tables(records)),
        protocol,
        resolve_parameters(protocol, {}),
        as_of=date.fromisoformat(expected["as_of"]),
    ).statuses()
    for file, record in zip(files, records, strict=True):
        want = expected["examples"][file]
        row = rows[record.patient_id]
        assert row["status"] == want["status"], (file, row)
        for cid, status in (want.get("criteria") or {}).items():
            assert row[cid] == status, (file, cid)


@pytest.mark.parametrize("name", available_protocols())
def test_criteria_are_verbatim_from_the_registry_record(name: str) -> None:
    raw = yaml.safe_load((bundled_folder(name) / "protocol.yaml").read_text("utf-8"))
    record = REPO.parent / str(raw["registry_record"]).removeprefix("../")
    text = " ".join(record.read_text("utf-8").split())
    for c in load_protocol(name).criteria:
        assert c.text in text, c.id


def test_the_incomplete_sinet_record_names_what_it_lacks() -> None:
    raw = yaml.safe_load((bundled_folder("nct04065165") / "protocol.yaml").read_text("utf-8"))
    assert any("exclusion" in m for m in raw["incomplete_record"]["missing"])
    # no SINET patient is eligible until the investigator confirms the criteria the record lacks
    last = load_protocol("nct04065165").criteria[-1]
    assert last.id == "IN8"
    assert "retrieved copy ends here" in last.text


@pytest.mark.parametrize("name", ["nct01677910", "nct04065165"])
@pytest.mark.parametrize("by", ["id", "path"])
def test_cohort_takes_the_protocol_by_id_or_path(
    name: str, by: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _expected(name)
    examples = bundled_folder(name) / "examples"
    protocol = name if by == "id" else str(bundled_folder(name))
    paths = [str(examples / f) for f in sorted(expected["examples"])]
    code = main(
        ["cohort", *paths, "--protocol", protocol, "--as-of", expected["as_of"], "--format", "json"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    run = json.loads(out)
    assert run["protocol"]["id"] == name
    assert (run["eligible"], run["ineligible"], run["incomplete"]) == (1, 1, 1)
