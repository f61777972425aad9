"""``trialkit screen`` end to end: real files in, the contract's JSON out, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialkit.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486/examples"
SYNTHEA = Path(__file__).resolve().parents[3] / "shared/data/synthea-r4"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(["screen", *args, "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_example_bundles_give_the_three_outcomes(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        capsys,
        str(EXAMPLES / "eligible.json"),
        str(EXAMPLES / "low-haemoglobin.json"),
        str(EXAMPLES / "incomplete.json"),
        "--as-of",
        "2026-11-24",
    )
    assert data["protocol"] == {"id": "nct05894486", "version": "2026-11-24.1"}
    results = data["results"]
    assert isinstance(results, list)
    statuses = [r["status"] for r in results]
    assert statuses == ["eligible", "ineligible", "incomplete"]
    eligible = results[0]
    assert eligible["first_dose"] == "2026-12-01"  # CRF planned-first-dose-date
    assert [c["id"] for c in eligible["criteria"]][:3] == ["IN1", "IN2", "IN3"]
    for criterion in eligible["criteria"]:
        assert set(criterion) >= {"id", "kind", "status", "reason", "evidence", "missing"}
    ex2 = next(c for c in results[1]["criteria"] if c["id"] == "EX2")
    assert ex2["status"] == "met"
    hb = next(e for e in ex2["evidence"] if e["element"] == "hemoglobin")
    assert (hb["source"], hb["value"], hb["unit"], hb["original"]) == (
        "Observation/o-hb",
        76,
        "g/L",
        "7.6 g/dL",
    )
    ex1 = next(c for c in results[2]["criteria"] if c["id"] == "EX1")
    assert ex1["status"] == "unknown"  # creatinine in a unit UCUM does not know


def test_param_override_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        capsys,
        str(EXAMPLES / "eligible.json"),
        "--as-of",
        "2026-11-24",
        "--param",
        "sstr_min_krenning=4",
    )
    params = data["parameters"]
    assert isinstance(params, dict)
    assert params["overridden"] == {"sstr_min_krenning": {"default": 3, "value": 4}}
    results = data["results"]
    assert isinstance(results, list)
    in6 = next(c for c in results[0]["criteria"] if c["id"] == "IN6")
    assert in6["status"] == "not_met"  # L2 and N1 have Krenning 3


def test_the_checklist_names_the_overridden_krenning_minimum(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # eligible.json's L2 and N1 score Krenning 3: below a minimum of 4, so IN6 is not met and
    # its summary leads the problems
    code = main(
        [
            "screen",
            str(EXAMPLES / "eligible.json"),
            "--as-of",
            "2026-11-24",
            "--param",
            "sstr_min_krenning=4",
        ]
    )
    out = " ".join(capsys.readouterr().out.split())
    assert code == 0
    assert "IN6 target lesion without somatostatin-receptor uptake (Krenning < 4)" in out
    assert "Krenning < 3" not in out


def test_first_dose_option_overrides_the_crf(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        capsys,
        str(EXAMPLES / "eligible.json"),
        "--as-of",
        "2026-11-24",
        "--first-dose",
        "2026-12-05",
    )
    results = data["results"]
    assert isinstance(results, list)
    assert results[0]["first_dose"] == "2026-12-05"
    assert results[0]["first_dose_source"] == "command line"


def test_table_format_is_a_readable_checklist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one evidence item a line
    code = main(["screen", str(EXAMPLES / "low-haemoglobin.json"), "--as-of", "2026-11-24"])
    out = capsys.readouterr().out
    assert code == 0
    assert "INELIGIBLE" in out
    assert "Inclusion criteria" in out
    assert "Exclusion criteria" in out
    assert "Haemoglobin 76 g/L (entered 7.6 g/dL), 19 Nov 2026 — lab result o-hb" in out


def test_real_synthea_records_screen_without_error(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(SYNTHEA.glob("*.json"))
    assert len(files) == 10
    data = run_json(capsys, *map(str, files), "--as-of", "2021-06-01")
    results = data["results"]
    assert isinstance(results, list)
    assert len(results) == 10
    assert all(r["status"] in ("ineligible", "incomplete") for r in results)


def test_synthea_haemoglobin_in_the_window_is_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    """Screen each Synthea patient the day after their last haemoglobin: EX2 must cite it."""
    checked = 0
    for path in sorted(SYNTHEA.glob("*.json")):
        resources = [e["resource"] for e in json.loads(path.read_text())["entry"]]
        hbs = [
            r
            for r in resources
            if r["resourceType"] == "Observation"
            and any(c["code"] == "718-7" for c in r["code"]["coding"])
        ]
        if not hbs:
            continue
        last = max(hbs, key=lambda r: r["effectiveDateTime"])
        as_of = last["effectiveDateTime"][:10]
        data = run_json(capsys, str(path), "--as-of", as_of)
        results = data["results"]
        assert isinstance(results, list)
        ex2 = next(c for c in results[0]["criteria"] if c["id"] == "EX2")
        cited = [
            e for e in ex2["evidence"] if e["element"] == "hemoglobin" and e["role"] == "decided"
        ]
        assert cited, path.name
        same_day = [r for r in hbs if r["effectiveDateTime"][:10] == as_of]
        assert {e["source"] for e in cited} == {f"Observation/{r['id']}" for r in same_day}
        quantity = same_day[0]["valueQuantity"]
        assert quantity["unit"] == "g/dL"  # Synthea records Hb in g/dL: converted ×10 to g/L
        assert cited[0]["unit"] == "g/L"
        assert cited[0]["value"] == pytest.approx(quantity["value"] * 10)
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not valid JSON"),
        ('{"hello": "world"}', "resourceType"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": []}', "Patient"),
    ],
)
def test_unusable_input_exits_2_with_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    code = main(["screen", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.json" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_two_patients_in_one_bundle_is_unusable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads((EXAMPLES / "eligible.json").read_text())
    second = json.loads(json.dumps(bundle["entry"][0]))
    second["resource"]["id"] = "p-other"
    second["fullUrl"] = "urn:uuid:p-other"
    bundle["entry"].append(second)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(bundle))
    assert main(["screen", str(path)]) == 2
    assert "two.json" in capsys.readouterr().err


def test_first_dose_before_as_of_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "screen",
            str(EXAMPLES / "eligible.json"),
            "--as-of",
            "2026-11-24",
            "--first-dose",
            "2026-11-01",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "first dose" in err
    assert "Traceback" not in err


def test_missing_file_and_bad_date_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "/nonexistent/patient.json"]) == 2
    assert "patient.json" in capsys.readouterr().err
    assert main(["screen", str(EXAMPLES / "eligible.json"), "--as-of", "24/11/2026"]) == 2
    assert "--as-of" in capsys.readouterr().err


def test_protocol_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocol", "questionnaire"]) == 0
    q = json.loads(capsys.readouterr().out)
    assert q["resourceType"] == "Questionnaire"
    assert q["url"] == "urn:trialkit:questionnaire:nct05894486-screening"
    assert main(["protocol", "show", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["criteria"]) == 34
    assert shown["parameters"]["lab_lookback_days"]["default"] == 28
