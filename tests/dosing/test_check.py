"""Dose check before a cycle: each row of the label's dose-modification table (§3)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from trialkit.cli.main import main
from trialkit.dosing import DosingParameters, check_dose, parse_check

FIRST = date(2026, 1, 5)
DUE2 = FIRST + timedelta(days=56)
NORMAL = {
    "hemoglobin": (125, "g/L"),
    "wbc": (5.0, "10*9/L"),
    "platelets": (200, "10*9/L"),
    "neutrophils": (3.0, "10*9/L"),
    "creatinine": (70, "umol/L"),
    "alt": (25, "U/L"),
    "ast": (25, "U/L"),
    "albumin": (40, "g/L"),
    "bilirubin": (10, "umol/L"),
    "inr": (1.0, "1"),
}


def payload(changes: dict[str, tuple[float, str]] | None = None, **extra: Any) -> dict[str, Any]:
    labs = {**NORMAL, **(changes or {})}
    check_date = extra.pop("check_date", DUE2)
    return {
        "subject": "S1",
        "first_dose": FIRST.isoformat(),
        "cycle_due": 2,
        "check_date": check_date.isoformat(),
        "sex": "female",
        "age": 58,
        "weight_kg": 62,
        "baseline": {"creatinine_umol_l": 70, "crcl_ml_min": 80},
        "labs": [
            {
                "lab": k,
                "value": v,
                "unit": u,
                "date": (check_date - timedelta(days=2)).isoformat(),
                "source": f"Observation/{k}",
            }
            for k, (v, u) in labs.items()
            if v is not None
        ],
        **extra,
    }


def decide(changes: dict[str, tuple[float, str]] | None = None, **extra: Any) -> Any:
    return check_dose(parse_check(payload(changes, **extra), source="t.json"), DosingParameters())


def test_normal_labs_proceed_at_full_activity() -> None:
    d = decide()
    assert (d.decision, d.activity_gbq) == ("proceed", 7.4)
    assert {e.key for e in d.labs} >= {"hemoglobin", "platelets", "creatinine"}


def test_thrombocytopenia_grade_2_withholds_until_grade_0_1() -> None:
    d = decide({"platelets": (60, "10*9/L")})
    assert d.decision == "withhold"
    assert d.until is not None
    assert "grade 0–1" in d.until
    assert d.findings[0].labs[0].grade == 2


def test_grade_1_thrombocytopenia_proceeds() -> None:
    d = decide({"platelets": (80, "10*9/L")})
    assert d.decision == "proceed"


def test_anaemia_and_neutropenia_grade_3_withhold_until_grade_0_2() -> None:
    assert decide({"hemoglobin": (7.5, "g/dL")}).decision == "withhold"
    d = decide({"neutrophils": (0.8, "10*9/L")})
    assert d.decision == "withhold"
    assert d.until is not None
    assert "grade 0–2" in d.until
    assert decide({"hemoglobin": (85, "g/L")}).decision == "proceed"  # grade 2 anaemia: no change


def test_renal_toxicity_by_crcl_or_rise_from_baseline() -> None:
    # creatinine 1.7 mg/dL = 150.28 µmol/L: +115 % from baseline 70, CrCl 31 mL/min
    d = decide({"creatinine": (1.7, "mg/dL")})
    assert d.decision == "withhold"
    assert d.findings[0].toxicity == "renal"
    assert "CrCl" in d.findings[0].rule


def test_hepatotoxicity_bilirubin_or_albumin_with_inr() -> None:
    assert decide({"bilirubin": (64, "umol/L")}).findings[0].toxicity == "hepatic"  # > 3 × 21
    d = decide({"albumin": (28, "g/L"), "inr": (1.6, "1")})
    assert d.findings[0].toxicity == "hepatic"
    assert decide({"albumin": (28, "g/L")}).decision == "proceed"  # low albumin alone


def test_other_related_grade_3() -> None:
    assert decide(other_related_toxicity_grade=3).decision == "withhold"
    assert decide(other_related_toxicity_grade=2).decision == "proceed"


def test_lymphopenia_grade_3_alone_changes_nothing() -> None:
    d = decide({"lymphocytes": (0.3, "10*9/L")})
    assert d.decision == "proceed"
    assert any("lymphopenia" in n for n in d.notes)


def test_resolved_toxicity_resumes_at_reduced_activity() -> None:
    d = decide(on_hold="thrombocytopenia", check_date=DUE2 + timedelta(days=21))
    assert (d.decision, d.activity_gbq) == ("resume_reduced", 3.7)
    # the dose after it: tests/dosing/test_reescalation.py (label re-escalation, §3)


def test_recurrence_after_reduction_discontinues() -> None:
    d = decide({"platelets": (60, "10*9/L")}, prior_reductions=["thrombocytopenia"])
    assert d.decision == "discontinue"


def test_delay_of_16_weeks_discontinues() -> None:
    assert (
        decide(
            {"platelets": (60, "10*9/L")},
            on_hold="thrombocytopenia",
            check_date=DUE2 + timedelta(days=112),
        ).decision
        == "discontinue"
    )
    assert (
        decide(
            {"platelets": (60, "10*9/L")},
            on_hold="thrombocytopenia",
            check_date=DUE2 + timedelta(days=111),
        ).decision
        == "withhold"
    )


def test_missing_required_lab_never_proceeds() -> None:
    d = decide({"platelets": (None, "10*9/L")})  # type: ignore[dict-item]
    assert d.decision == "withhold_pending_data"
    assert any("platelets" in n for n in d.notes)
    stale = payload()
    stale["labs"][0]["date"] = (DUE2 - timedelta(days=20)).isoformat()  # older than 14 days
    assert (
        check_dose(parse_check(stale, source="t"), DosingParameters()).decision
        == "withhold_pending_data"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cycle_due": 0}, "cycle"),
        ({"first_dose": "05/01/2026"}, "not a date"),
        (
            {"labs": [{"lab": "sodium", "value": 140, "unit": "mmol/L", "date": "2026-03-01"}]},
            "unknown lab",
        ),
        (
            {"labs": [{"lab": "platelets", "value": -1, "unit": "10*9/L", "date": "2026-03-01"}]},
            "negative",
        ),
        ({"on_hold": "headache"}, "unknown toxicity"),
    ],
)
def test_bad_check_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], message: str
) -> None:
    path = tmp_path / "check.json"
    path.write_text(json.dumps({**payload(), **change}))
    assert main(["dosing", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "check.json" in err


def test_check_cli_json_cites_labs_and_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "check.json"
    path.write_text(json.dumps(payload({"platelets": (60000, "/mm3")})))
    assert main(["dosing", "check", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "withhold"
    lab = out["findings"][0]["labs"][0]
    assert (
        lab["value"],
        lab["unit"],
        lab["canonical"],
        lab["canonical_unit"],
        lab["ctcae_grade"],
    ) == (60000, "/mm3", 60, "10*9/L", 2)


def test_param_override_changes_reduced_activity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "check.json"
    path.write_text(json.dumps(payload(on_hold="anemia")))
    assert (
        main(
            [
                "dosing",
                "check",
                str(path),
                "--format",
                "json",
                "--param",
                "reduced_activity_gbq=5.55",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["activity_gbq"] == 5.55
    assert main(["dosing", "check", str(path), "--param", "nonsense=1"]) == 2


def _without(lab: str, changes: dict[str, tuple[float, str]]) -> Any:
    data = payload(changes)
    data["labs"] = [row for row in data["labs"] if row["lab"] != lab]
    return check_dose(parse_check(data, source="t.json"), DosingParameters())


def test_low_albumin_without_inr_is_not_a_proceed() -> None:
    """Hepatotoxicity is albumin < 30 g/L *with* INR > 1.5 (clinical-facts §3): albumin 28 g/L
    and no INR recorded cannot rule it out, so the dose waits for the INR — never "proceed"."""
    d = _without("inr", {"albumin": (28, "g/L")})
    assert d.decision == "withhold_pending_data"
    assert d.activity_gbq is None
    assert any("INR not recorded" in n and "hepatotoxicity" in n for n in d.notes), d.notes
    # with normal albumin the missing optional INR cannot matter: the row cannot apply
    assert _without("inr", {}).decision == "proceed"
