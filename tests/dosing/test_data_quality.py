"""Issue 12: same-day disagreeing pre-dose labs, non-finite numbers, the cycle-1 check."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.dosing.test_check import DUE2, FIRST, payload
from trialkit.cli.main import main
from trialkit.dosing import DosingParameters, check_dose, parse_check
from trialkit.errors import InputError


def _with_platelets(*values: float) -> dict[str, Any]:
    data = payload()
    day = (DUE2 - timedelta(days=2)).isoformat()
    data["labs"] = [x for x in data["labs"] if x["lab"] != "platelets"] + [
        {"lab": "platelets", "value": v, "unit": "10*9/L", "date": day, "source": f"Obs/plt-{v}"}
        for v in values
    ]
    return data


def _run(tmp_path: Path, data: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> Any:
    path = tmp_path / "check.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code = main(["dosing", "check", str(path), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


@pytest.mark.parametrize("order", [(200, 40), (40, 200)])
def test_same_day_platelets_200_and_40_withhold_pending_data_in_every_order(
    order: tuple[int, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 12 reproduction 1: one order said PROCEED at 7.4 GBq citing only the 200
    out = _run(tmp_path, _with_platelets(*order), capsys)
    assert out["decision"] == "withhold_pending_data"
    assert out["activity_gbq"] is None
    platelets = [x for x in out["labs_used"] if x["lab"] == "platelets"]
    assert sorted(x["value"] for x in platelets) == [40, 200]
    [note] = [n for n in out["notes"] if "disagree" in n]
    assert "2 platelets results on the same day" in note
    assert "200" in note
    assert "40" in note


def test_same_day_results_that_agree_still_decide() -> None:
    decision = check_dose(parse_check(_with_platelets(200, 200.0), source="t"), DosingParameters())
    assert (decision.decision, decision.activity_gbq) == ("proceed", 7.4)


def test_an_older_result_never_stands_in_for_a_conflicting_latest_day() -> None:
    data = _with_platelets(200, 40)
    data["labs"].append(
        {
            "lab": "platelets",
            "value": 250,
            "unit": "10*9/L",
            "date": (DUE2 - timedelta(days=9)).isoformat(),
        }
    )
    assert check_dose(parse_check(data, source="t"), DosingParameters()).decision == (
        "withhold_pending_data"
    )


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 10**400])
def test_non_finite_lab_values_are_input_errors_naming_the_field(bad: float) -> None:
    data = payload()
    data["labs"][2]["value"] = bad
    with pytest.raises(InputError) as err:
        parse_check(data, source="check.json")
    assert err.value.field == "labs[2].value"


def test_nan_in_the_json_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "check.json"
    path.write_text(json.dumps(payload()).replace('"value": 200', '"value": NaN'), "utf-8")
    assert main(["dosing", "check", str(path)]) == 2
    assert "labs[2].value" in capsys.readouterr().err


def test_cycle_1_is_checked_before_the_planned_first_dose() -> None:
    # issue 12 reproduction 9: the label requires the pre-treatment labs before each
    # administration, the first included (clinical-facts §3); the check refused cycle_due 1
    data = payload(check_date=FIRST - timedelta(days=1))
    data["cycle_due"] = 1
    decision = check_dose(parse_check(data, source="t"), DosingParameters())
    assert (decision.decision, decision.activity_gbq, decision.due_date) == ("proceed", 7.4, FIRST)
    low = payload({"platelets": (40, "10*9/L")}, check_date=FIRST)
    low["cycle_due"] = 1
    assert check_dose(parse_check(low, source="t"), DosingParameters()).decision == "withhold"


def test_a_later_cycle_is_never_checked_before_the_first_dose() -> None:
    data = payload(check_date=FIRST - timedelta(days=1))
    with pytest.raises(InputError):
        parse_check(data, source="t")


def test_an_impossible_lab_withholds_pending_data_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # point 10: the protocol's ranges guard the dose check (platelets 0-5000 ×10⁹/L)
    out = _run(tmp_path, _with_platelets(9000), capsys)
    assert out["decision"] == "withhold_pending_data"
    assert any("physiologically possible" in n for n in out["notes"])


def test_a_non_finite_calibration_activity_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("nan", "inf"):
        args = ["--calibration-time", "2026-01-01T08:00", "--injection-time", "2026-01-02T08:00"]
        assert main(["dosing", "activity", "--calibration-gbq", bad, *args]) == 2
