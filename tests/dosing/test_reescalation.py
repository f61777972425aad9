"""Issue 12 reproduction 8: re-escalation after a reduced dose (clinical-facts §3, US label
dose-modification table): when the reduced dose (3.7 GBq) does not bring the toxicity back,
the next dose is 7.4 GBq. A named parameter, default re-escalate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dosing.test_check import decide, payload
from trialkit.cli.main import main
from trialkit.dosing import DosingParameters, check_dose, parse_check, with_overrides
from trialkit.errors import InputError


@pytest.mark.parametrize("toxicity", ["thrombocytopenia", "anemia", "neutropenia", "renal"])
def test_no_recurrence_after_the_reduced_dose_re_escalates_to_7_4_gbq(toxicity: str) -> None:
    d = decide(prior_reductions=[toxicity])
    assert (d.decision, d.activity_gbq) == ("proceed", 7.4)
    assert any("re-escalate to 7.4 GBq" in n for n in d.notes)


def test_the_reading_is_a_parameter_that_can_keep_the_reduced_dose() -> None:
    data = parse_check(payload(prior_reductions=["thrombocytopenia"]), source="t")
    kept = check_dose(data, with_overrides({"reescalate_after_reduced_dose": "false"}))
    assert (kept.decision, kept.activity_gbq) == ("proceed", 3.7)
    assert DosingParameters().reescalate_after_reduced_dose is True


def test_recurrence_after_the_reduced_dose_still_discontinues() -> None:
    d = decide({"platelets": (60, "10*9/L")}, prior_reductions=["thrombocytopenia"])
    assert d.decision == "discontinue"


def test_the_cli_shows_the_re_escalation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(payload(prior_reductions=["anemia"])), encoding="utf-8")
    assert main(["dosing", "check", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["decision"], out["activity_gbq"]) == ("proceed", 7.4)


@pytest.mark.parametrize(
    ("name", "text"),
    [("reescalate_after_reduced_dose", "maybe"), ("activity_gbq", "nan"), ("activity_gbq", "inf")],
)
def test_bad_overrides_are_input_errors(name: str, text: str) -> None:
    with pytest.raises(InputError):
        with_overrides({name: text})
