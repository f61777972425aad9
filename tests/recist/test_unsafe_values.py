"""Issue 12, reproductions 4 and 7: values that must never decide a response.

NaN, infinite and physically impossible diameters and a lesion read twice on one scan are
input errors (exit 2, naming the file and field); the JSON output is strict JSON. An
equivocal new lesion confirmed later makes its own time point PD (RECIST 1.1 §4.3.3,
§4.4.3; clinical-facts §4 "if confirmed, PD dates from first appearance").
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.recist.helpers import FIRST_DOSE, study
from trialkit.cli.main import main
from trialkit.recist import evaluate

from .test_cli import EXAMPLE, _with


def _strict(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise AssertionError(f"bare {constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


def run(tmp_path: Path, data: Any, *args: str) -> int:
    path = tmp_path / "subject.json"
    path.write_text(json.dumps(data))  # json.dumps writes NaN / Infinity as a real export may
    return main(["recist", "evaluate", str(path), *args])


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["assessments", 0, "lesions", 0, "diameter_mm"], math.nan, "lesions[0].diameter_mm"),
        (["baseline", "lesions", 0, "diameter_mm"], math.nan, "baseline.lesions[0].diameter_mm"),
        (["assessments", 0, "lesions", 0, "diameter_mm"], math.inf, "lesions[0].diameter_mm"),
        (["assessments", 0, "lesions", 0, "diameter_mm"], 1e308, "lesions[0].diameter_mm"),
        (["assessments", 0, "lesions", 0, "diameter_mm"], -math.inf, "lesions[0].diameter_mm"),
        (["baseline", "lesions", 0, "slice_mm"], math.nan, "baseline.lesions[0].slice_mm"),
        (["assessments", 0, "lesions", 1, "diameter_mm"], 10**400, "lesions[1].diameter_mm"),
    ],
)
def test_non_finite_or_impossible_diameter_is_an_input_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    path: list[Any],
    value: Any,
    field: str,
) -> None:
    assert run(tmp_path, _with(path, value), "--format", "json") == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no response at all, not SD/PD from a non-number
    assert "subject.json" in captured.err
    assert field in captured.err
    assert "Traceback" not in captured.err


def test_physical_maximum_is_a_stated_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, _with(["assessments", 0, "lesions", 0, "diameter_mm"], 1001)) == 2
    assert "physical maximum of 1000 mm" in capsys.readouterr().err
    # a large but possible lesion is a measurement
    assert run(tmp_path, _with(["assessments", 0, "lesions", 0, "diameter_mm"], 400)) == 0


def test_lesion_listed_twice_in_one_assessment_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(json.dumps(EXAMPLE))
    data["assessments"][0]["lesions"].append({"id": "L1", "diameter_mm": 60})
    assert run(tmp_path, data, "--format", "json") == 2
    err = capsys.readouterr().err
    assert "assessments[0].lesions[3].id" in err
    assert "'L1' is listed twice" in err


diameters = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.none(),
)


@settings(max_examples=60, deadline=None)
@given(baseline=diameters, follow_up=diameters)
def test_any_diameter_gives_exit_0_with_strict_json_or_exit_2(
    baseline: float | int | None, follow_up: float | int | None
) -> None:
    data = _with(["baseline", "lesions", 0, "diameter_mm"], baseline)
    data["assessments"][0]["lesions"][0]["diameter_mm"] = follow_up
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "subject.json"
        path.write_text(json.dumps(data))
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["recist", "evaluate", str(path), "--format", "json"])
    assert code in (0, 2)
    if code == 0:
        result = _strict(out.getvalue())
        assert result["baseline_sum_mm"] is None or math.isfinite(result["baseline_sum_mm"])
        for value in (baseline, follow_up):
            assert value is None or (math.isfinite(value) and 0 <= value <= 1000)


# --- reproduction 7: equivocal new lesion confirmed later -----------------------------------------


def test_issue_example_equivocal_then_confirmed_is_pd_from_the_first_scan() -> None:
    # baseline L1 30 mm; day 56 L1 29 mm + equivocal new lesion; day 112 the lesion unequivocal
    s = study({"L1": 30}, [(56, {"L1": 29}, "equivocal"), (112, {"L1": 29}, "unequivocal")])
    result = evaluate(s)
    assert [t.overall for t in result.timepoints] == ["PD", "PD"]
    assert result.best_overall_response == "PD"  # no SD was observed before progression
    assert result.progression_date == result.timepoints[0].date
    assert any("§4.3.3" in note for note in result.notes)


def test_issue_example_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(json.dumps(EXAMPLE))
    data["baseline"]["lesions"] = [data["baseline"]["lesions"][0]]  # L1 only
    data["baseline"]["lesions"][0]["diameter_mm"] = 30
    data["assessments"] = [
        {"date": day, "lesions": [{"id": "L1", "diameter_mm": 29}], "new_lesions": new}
        for day, new in (("2026-03-02", "equivocal"), ("2026-04-27", "unequivocal"))
    ]
    assert run(tmp_path, data, "--format", "json") == 0
    out = _strict(capsys.readouterr().out)
    assert [t["overall"] for t in out["timepoints"]] == ["PD", "PD"]
    assert out["best_overall_response"] == "PD"
    assert out["progression_date"] == "2026-03-02"


def test_response_before_the_equivocal_scan_still_counts() -> None:
    # SD at day 56 (minimum 42 days met), equivocal day 112, confirmed day 168: BOR SD,
    # progression dated day 112 (BOR table: SD then PD = SD when the SD minimum is met)
    s = study(
        {"L1": 30},
        [
            (56, {"L1": 29}, "none"),
            (112, {"L1": 29}, "equivocal"),
            (168, {"L1": 29}, "unequivocal"),
        ],
    )
    result = evaluate(s)
    assert [t.overall for t in result.timepoints] == ["SD", "PD", "PD"]
    assert result.best_overall_response == "SD"
    assert result.progression_date == result.timepoints[1].date


def test_a_pr_is_not_confirmed_by_the_scan_that_later_became_pd() -> None:
    # PR day 56, PR day 112 with an equivocal new lesion, confirmed day 168: the day-112 scan is
    # PD, so it cannot confirm the PR. BOR table: PR then PD = SD (minimum met), not PR.
    s = study(
        {"L1": 100},
        [
            (56, {"L1": 60}, "none"),
            (112, {"L1": 60}, "equivocal"),
            (168, {"L1": 60}, "unequivocal"),
        ],
    )
    result = evaluate(s)
    assert [t.overall for t in result.timepoints] == ["PR", "PD", "PD"]
    assert result.best_overall_response == "SD"
    assert not result.confirmed
    assert result.progression_date == result.timepoints[1].date


def test_two_equivocal_scans_before_confirmation_are_both_pd() -> None:
    s = study(
        {"L1": 30},
        [
            (56, {"L1": 29}, "equivocal"),
            (84, {"L1": 29}, "equivocal"),
            (112, {"L1": 29}, "unequivocal"),
        ],
    )
    result = evaluate(s)
    assert [t.overall for t in result.timepoints] == ["PD", "PD", "PD"]
    assert result.progression_date == result.timepoints[0].date


def test_an_equivocal_finding_that_went_away_is_not_confirmed_by_a_later_lesion() -> None:
    # trialkit's reading (docs/recist.md): a clear scan in between breaks the chain
    s = study(
        {"L1": 30},
        [
            (56, {"L1": 29}, "equivocal"),
            (112, {"L1": 29}, "none"),
            (168, {"L1": 29}, "unequivocal"),
        ],
    )
    result = evaluate(s)
    assert [t.overall for t in result.timepoints] == ["SD", "SD", "PD"]
    assert result.progression_date == result.timepoints[2].date
    assert result.timepoints[0].date.toordinal() - FIRST_DOSE.toordinal() == 56


def test_equivocal_never_confirmed_stays_as_measured() -> None:
    s = study({"L1": 30}, [(56, {"L1": 29}, "equivocal"), (112, {"L1": 29}, "equivocal")])
    result = evaluate(s)
    assert [t.overall for t in result.timepoints] == ["SD", "SD"]
    assert result.progression_date is None
