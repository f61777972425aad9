"""``trialkit synth --protocol ID|PATH`` end to end: the population a protocol derives is
written as FHIR and ``trialkit screen`` / ``trialkit cohort`` read it for the same protocol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialkit.cli.main import main
from trialkit.protocol import available_protocols, load_protocol


@pytest.mark.parametrize("name", available_protocols())
def test_synth_then_screen_for_each_protocol(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "population"
    assert main(["synth", "--protocol", name, "--patients", "12", "--out", str(out), "-q"]) == 0
    summary = capsys.readouterr().out
    assert f"12 patients for {name}" in " ".join(summary.split())
    assert len(list(out.glob("*.json"))) == 12
    code = main(
        ["screen", "--protocol", name, "--as-of", "2026-11-24", "--format", "json", str(out)]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    statuses = [r["status"] for r in data["results"]]
    assert len(statuses) == 12
    assert "eligible" in statuses
    # the summary's counts are the ones screening the written files gives
    for status in ("eligible", "ineligible", "incomplete"):
        assert f"{statuses.count(status)} {status}" in " ".join(summary.split())


def test_a_protocol_folder_and_ndjson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = load_protocol(available_protocols()[0]).folder
    out = tmp_path / "ndjson"
    args = ["synth", "--protocol", folder, "--patients", "8", "--out", str(out)]
    assert main([*args, "--format", "fhir-ndjson", "-q"]) == 0
    assert (out / "Patient.ndjson").read_text(encoding="utf-8").count("\n") == 8
    assert (out / "QuestionnaireResponse.ndjson").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--protocol", "no-such-protocol"], "no-such-protocol"),
        (["--protocol", "nct01677910", "--format", "omop"], "--format"),
        (["--format", "fhir-bundles"], "needs --protocol"),
    ],
)
def test_bad_requests_exit_2_with_a_message(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["synth", "--patients", "3", "--out", str(tmp_path / "x"), *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert message in " ".join((captured.out + captured.err).split())
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize(
    "extra", [[], ["--protocol", "nct05894486", "--warehouse"], ["--protocol", "nct05894486"]]
)
@pytest.mark.parametrize("count", ["9" * 40, "10000001", "0"])
def test_a_patient_count_out_of_range_exits_2_before_writing(
    extra: list[str], count: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CI's hostile run drew 10**40 - 1: numpy raised "Maximum allowed size exceeded" mid-command
    out = tmp_path / "x"
    code = main(["synth", "--patients", count, "--out", str(out), "-q", *extra])
    captured = capsys.readouterr()
    assert code == 2
    text = " ".join((captured.out + captured.err).split())
    assert "--patients must be a whole number from 1 to 10,000,000" in text
    assert "Traceback" not in text
    assert not out.exists()
