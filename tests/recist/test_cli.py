"""``trialkit recist evaluate``: the issue's example, and bad input → exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trialkit.cli.main import main

EXAMPLE: dict[str, Any] = {
    "subject": "S001",
    "first_dose": "2026-01-05",
    "confirmation_min_days": 28,
    "sd_min_days": 42,
    "baseline": {
        "date": "2026-01-02",
        "lesions": [
            {
                "id": "L1",
                "organ": "liver",
                "is_node": False,
                "diameter_mm": 32,
                "method": "CT",
                "slice_mm": 5,
                "target": True,
            },
            {"id": "N1", "organ": "lymph node", "is_node": True, "diameter_mm": 18, "target": True},
            {"id": "B1", "organ": "bone", "is_node": False, "target": False},
        ],
    },
    "assessments": [
        {
            "date": "2026-03-01",
            "lesions": [
                {"id": "L1", "diameter_mm": 20},
                {"id": "N1", "diameter_mm": 9},
                {"id": "B1", "status": "present"},
            ],
            "new_lesions": "none",
        }
    ],
}


def run(tmp_path: Path, data: Any, *args: str) -> int:
    path = tmp_path / "subject.json"
    path.write_text(json.dumps(data))
    return main(["recist", "evaluate", str(path), *args])


def test_issue_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, EXAMPLE, "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["baseline_sum_mm"] == 50  # 32 + 18
    assert out["baseline_valid"] is True
    tp = out["timepoints"][0]
    assert "date" not in tp  # one name per concept: the time point's date is its scan date
    assert tp["scan_date"] == "2026-03-01"  # the assessment's date as the input states it
    assert tp["sum_mm"] == 29  # 20 + 9
    assert tp["change_from_baseline_pct"] == -42.0
    assert (tp["target"], tp["non_target"], tp["overall"]) == ("PR", "non-CR/non-PD", "PR")
    # one PR 55 days after the first dose, unconfirmed: SD (minimum 42 days met)
    assert out["best_overall_response"] == "SD"
    assert out["confirmed"] is False
    assert set(out) >= {
        "baseline_sum_mm",
        "baseline_valid",
        "baseline_issues",
        "timepoints",
        "best_overall_response",
        "confirmed",
        "progression_date",
        "response_date",
    }


def test_table_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, EXAMPLE) == 0
    assert "Best overall response" in capsys.readouterr().out


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(["assessments", 0, "lesions", 0, "id"], "L9"), "unknown lesion 'L9'"),
        (_with(["assessments", 0, "lesions", 0, "diameter_mm"], -3), "negative diameter"),
        (_with(["assessments", 0, "date"], "2025-12-01"), "not after the baseline"),
        (_with(["assessments", 0, "new_lesions"], "maybe"), "new_lesions"),
        (_with(["assessments", 0, "lesions", 2, "status"], "bigger"), "status"),
        (_with(["baseline", "date"], "02/01/2026"), "not a date"),
    ],
)
def test_invalid_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any], message: str
) -> None:
    assert run(tmp_path, data) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "subject.json" in err
    assert "Traceback" not in err
