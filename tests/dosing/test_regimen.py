"""The regimen as protocol data (issue 15): ``regimen.yaml`` beside ``protocol.yaml``.

A second regimen written in a temporary protocol folder (3 cycles of 5 GBq every 6 weeks,
reduced 2.5 GBq; thrombocytopenia withheld from grade 3 instead of 2; bilirubin > 5 × ULN
discontinues) gives the hand-computed answers below; a broken regimen is refused by the
loader and by ``trialkit protocol check`` with the file, key path and a fix; a protocol
without a regimen refuses the dosing commands with exit 2.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.dosing.test_check import payload
from trialkit.cli.main import main
from trialkit.dosing import DosingParameters, check_dose, make_plan, parse_check, regimen_of
from trialkit.dosing.regimen import REGIMEN_FILE
from trialkit.errors import ProtocolError
from trialkit.protocol.check.folder import check_protocol
from trialkit.protocol.loader import bundled_folder

BUNDLED = "nct05894486"
FIRST = date(2026, 1, 5)
DUE2 = date(2026, 2, 16)  # 2026-01-05 + 42 days


def _bundled_regimen() -> dict[str, Any]:
    text = (bundled_folder(BUNDLED) / REGIMEN_FILE).read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    return raw


def _folder(tmp_path: Path, regimen: dict[str, Any] | None) -> Path:
    folder = tmp_path / "protocol"
    shutil.copytree(bundled_folder(BUNDLED), folder)
    if regimen is None:
        (folder / REGIMEN_FILE).unlink()
    else:
        (folder / REGIMEN_FILE).write_text(yaml.safe_dump(regimen, allow_unicode=True), "utf-8")
    return folder


def _second(tmp_path: Path) -> Path:
    raw = _bundled_regimen()
    p = raw["parameters"]
    p["cycles"]["default"] = 3
    p["interval_days"]["default"] = 42
    p["activity_gbq"]["default"] = 5.0
    p["reduced_activity_gbq"]["default"] = 2.5
    rows = raw["modification"]
    [platelets] = [r for r in rows if r["toxicity"] == "thrombocytopenia"]
    platelets["when"] = {"lab": "platelets", "grade_at_least": 3}
    platelets["until"] = "platelets back to grade 0–2"
    rows.insert(
        0,
        {
            "toxicity": "severe_hepatic",
            "label": "severe hepatotoxicity",
            "when": {"lab": "bilirubin", "above_uln": 5},
            "action": "discontinue",
            "source": "test regimen: bilirubin > 5 × ULN discontinues",
        },
    )
    return _folder(tmp_path, raw)


def test_a_second_regimen_plans_its_own_calendar(tmp_path: Path) -> None:
    params = DosingParameters(regimen_of(str(_second(tmp_path))))
    plan = make_plan(FIRST, params)
    # every 42 days from 2026-01-05: 16 February, 30 March (February 2026 has 28 days)
    assert [c.nominal for c in plan.cycles] == [FIRST, DUE2, date(2026, 3, 30)]
    assert all(c.activity_gbq == 5.0 for c in plan.cycles)
    assert (plan.cycles[1].earliest, plan.cycles[1].latest) == (date(2026, 2, 9), date(2026, 2, 23))


def _decide(folder: Path, changes: dict[str, tuple[float, str]], **extra: Any) -> Any:
    regimen = regimen_of(str(folder))
    data = payload(changes, check_date=DUE2, **extra)
    return check_dose(parse_check(data, source="t", regimen=regimen), DosingParameters(regimen))


def test_a_second_regimens_table_decides_by_its_own_rows(tmp_path: Path) -> None:
    folder = _second(tmp_path)
    # platelets 60 ×10⁹/L is CTCAE grade 2 (< 75–50): the bundled table withholds, this one not
    d = _decide(folder, {"platelets": (60, "10*9/L")})
    assert (d.decision, d.activity_gbq, d.due_date) == ("proceed", 5.0, DUE2)
    # 40 ×10⁹/L is grade 3 (< 50–25): withhold until the row's recovery
    d = _decide(folder, {"platelets": (40, "10*9/L")})
    assert (d.decision, d.until) == ("withhold", "platelets back to grade 0–2")
    assert d.findings[0].labs[0].grade == 3
    # bilirubin 120 µmol/L over the CTCAE default ULN 21: 5.71 × ULN > 5 → discontinue
    d = _decide(folder, {"bilirubin": (120, "umol/L")})
    assert d.decision == "discontinue"
    assert any(f.toxicity == "severe_hepatic" and "5.71 × ULN" in f.rule for f in d.findings)
    # resolved: resume at this regimen's reduced activity
    d = _decide(folder, {}, on_hold="thrombocytopenia")
    assert (d.decision, d.activity_gbq) == ("resume_reduced", 2.5)


def test_the_cli_reads_the_regimen_of_protocol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _second(tmp_path)
    check = tmp_path / "check.json"
    check.write_text(json.dumps(payload({"platelets": (60, "10*9/L")}, check_date=DUE2)))
    assert main(["dosing", "check", str(check), "--protocol", str(folder), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["decision"], out["activity_gbq"], out["due_date"]) == ("proceed", 5.0, "2026-02-16")
    # the bundled regimen withholds the same labs (thrombocytopenia grade 2–4, label)
    assert main(["dosing", "check", str(check), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "withhold"
    args = ["dosing", "plan", "--first-dose", "2026-01-05", "--format", "json"]
    assert main([*args, "--protocol", str(folder), "--param", "interval_days=35"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["due_date"] for c in out["cycles"]] == ["2026-01-05", "2026-02-09", "2026-03-16"]
    assert out["parameters_overridden"] == {"interval_days": {"default": 42, "value": 35}}


def test_the_bundled_regimen_passes_the_check() -> None:
    assert check_protocol(bundled_folder(BUNDLED)) == []


def _break(raw: dict[str, Any], how: str) -> None:
    rows = raw["modification"]
    if how == "unknown analyte":
        rows[0]["when"] = {"lab": "sodium", "grade_at_least": 2}
    elif how == "unbound lab":
        raw["labs"]["sodium"] = {"element": "sodium", "ctcae": "anemia"}
    elif how == "unknown action":
        rows[0]["action"] = "delay"
    elif how == "grade 6":
        rows[0]["when"]["grade_at_least"] = 6
    elif how == "grade 0":
        rows[0]["when"]["grade_at_least"] = 0
    elif how == "unknown parameter":
        [renal] = [r for r in rows if r["toxicity"] == "renal"]
        renal["when"]["any"][0]["below"] = "renal_crcl_minimum"
    elif how == "missing schedule":
        del raw["parameters"]["interval_days"]


@pytest.mark.parametrize(
    ("how", "path", "message"),
    [
        ("unknown analyte", "modification[0].when.lab", "unknown analyte 'sodium'"),
        ("unbound lab", "labs.sodium.element", "not an element of the protocol"),
        ("unknown action", "modification[0].action", "unknown action 'delay'"),
        ("grade 6", "modification[0].when.grade_at_least", "6 is not a CTCAE grade"),
        ("grade 0", "modification[0].when.grade_at_least", "0 is not a CTCAE grade"),
        (
            "unknown parameter",
            "modification[4].when.any[0].below",
            "'renal_crcl_minimum' is not a declared int or float parameter",
        ),
        ("missing schedule", "parameters.interval_days", "missing (every regimen declares it)"),
    ],
)
def test_a_broken_regimen_is_refused_naming_file_path_and_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str, path: str, message: str
) -> None:
    raw = _bundled_regimen()
    _break(raw, how)
    folder = _folder(tmp_path, raw)
    regimen_file = str(folder / REGIMEN_FILE)
    problems = check_protocol(folder)
    assert [(p.file, p.path) for p in problems if message in p.message] == [(regimen_file, path)]
    assert all(p.fix for p in problems)
    assert main(["protocol", "check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{regimen_file}: {path}: " in err
    assert message in err
    with pytest.raises(ProtocolError, match="Fix: "):
        regimen_of(str(folder))
    assert main(["dosing", "plan", "--first-dose", "2026-01-05", "--protocol", str(folder)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("protocol", ["nct01677910", "nct04065165"])
def test_a_protocol_without_a_regimen_refuses_dosing_with_exit_2(
    protocol: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dosing", "plan", "--first-dose", "2026-01-05", "--protocol", protocol]) == 2
    err = capsys.readouterr().err
    assert f"protocol {protocol.upper()}" in err or f"protocol {protocol}" in err
    assert "declares no dosing regimen" in err
    assert "Traceback" not in err
    check = tmp_path / "check.json"
    check.write_text(json.dumps(payload()))
    assert main(["dosing", "check", str(check), "--protocol", protocol]) == 2
    assert "declares no dosing regimen" in capsys.readouterr().err
    assert check_protocol(bundled_folder(protocol)) == []


def test_a_folder_protocol_without_regimen_yaml_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, None)
    args = ["dosing", "activity", "--calibration-gbq", "7.4"]
    args += ["--calibration-time", "2026-01-01T08:00", "--injection-time", "2026-01-02T08:00"]
    assert main([*args, "--protocol", str(folder)]) == 2
    assert "declares no dosing regimen" in capsys.readouterr().err
