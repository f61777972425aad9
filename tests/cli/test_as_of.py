"""``--as-of`` defaulting to today is said on the first line of the output (issue 14)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from trialkit.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / (
    "src/trialkit/protocols/nct05894486/examples/eligible.json"
)


def test_screen_says_today_first_when_as_of_is_not_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["screen", str(EXAMPLE)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert date.today().isoformat() in first
    assert "--as-of" in first


def test_screen_json_stays_one_document_and_says_today_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["screen", str(EXAMPLE), "--format", "json"]) == 0
    captured = capsys.readouterr()
    patients = json.loads(captured.out)["results"]
    assert {p["as_of"] for p in patients} == {date.today().isoformat()}
    first = captured.err.splitlines()[0]
    assert date.today().isoformat() in first
    assert "--as-of" in first


def test_no_note_when_the_date_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(EXAMPLE), "--as-of", "2026-11-24"]) == 0
    captured = capsys.readouterr()
    assert "--as-of" not in captured.out.splitlines()[0]
    assert "--as-of" not in captured.err


def test_cohort_says_today_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cohort", str(EXAMPLE)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert date.today().isoformat() in first
    assert "--as-of" in first
