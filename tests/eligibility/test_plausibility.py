"""Issue 12 reproduction 5 and point 10: impossible values never decide (the FHIR path, CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.eligibility.builders import lab, record
from tests.eligibility.helpers import PROTOCOL, criterion, screen, status
from trialkit.cli.main import main
from trialkit.errors import ProtocolError
from trialkit.protocol.loader import load_protocol

EXAMPLES = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486/examples"


def _bundle_with_hb(tmp_path: Path, value: Any, unit: str = "g/dL") -> Path:
    data = json.loads((EXAMPLES / "eligible.json").read_text(encoding="utf-8"))
    for entry in data["entry"]:
        r = entry["resource"]
        codes = [c.get("code") for c in r.get("code", {}).get("coding", [])]
        if r["resourceType"] == "Observation" and "718-7" in codes:
            r["valueQuantity"].update({"value": value, "unit": unit, "code": unit})
    path = tmp_path / "hb.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _screen_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(["screen", str(path), "--as-of", "2026-11-24", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    result: dict[str, Any] = json.loads(out)["results"][0]
    return result


@pytest.mark.parametrize("value", [1e308, -5])
def test_impossible_fhir_haemoglobin_is_unknown_and_a_warning(
    value: float, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # reproduction 5: 1e308 g/dL read "Haemoglobin inf g/L … is not < 80" and ELIGIBLE;
    # -5 g/dL decided EX2
    result = _screen_json(_bundle_with_hb(tmp_path, value), capsys)
    assert result["status"] != "eligible"
    ex2 = next(c for c in result["criteria"] if c["id"] == "EX2")
    assert ex2["status"] == "unknown"
    assert "inf" not in json.dumps(ex2).lower()
    warnings = [w["message"] for w in result["data_quality_warnings"]]
    assert [w for w in warnings if "haemoglobin" in w and "decides nothing" in w]


def test_a_possible_value_still_decides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _screen_json(_bundle_with_hb(tmp_path, 12.1), capsys)
    assert result["status"] == "eligible"


@pytest.mark.parametrize(
    ("element", "loinc", "value", "unit"),
    [
        ("hemoglobin", "718-7", 251, "g/L"),
        ("hemoglobin", "718-7", 9.9, "g/L"),
        ("platelets", "777-3", 5001, "10*9/L"),
        ("platelets", "777-3", -0.1, "10*9/L"),
        ("wbc", "6690-2", 1e6, "10*9/L"),
    ],
)
def test_outside_the_protocols_range_is_unknown_never_met_or_not_met(
    element: str, loinc: str, value: float, unit: str
) -> None:
    rec = record(labs={element: lab(loinc, value, unit)})
    result = screen(rec)
    ex2 = criterion(result, "EX2")
    assert ex2.status.value == "unknown"
    assert any(
        "physiologically possible" in w.message or "negative" in w.message for w in result.warnings
    )


def test_the_range_edges_are_possible() -> None:
    assert status(record(labs={"hemoglobin": lab("718-7", 250, "g/L")}), "EX2") == "not_met"
    assert status(record(labs={"hemoglobin": lab("718-7", 10, "g/L")}), "EX2") == "met"


def test_every_laboratory_element_declares_a_range_with_a_source() -> None:
    for element in PROTOCOL.elements.values():
        if element.unit is not None:
            assert element.plausible is not None, element.name
            assert element.plausible.unit == element.unit
            assert element.plausible.low >= 0
            assert element.plausible.source
    hb = PROTOCOL.elements["hemoglobin"].plausible
    assert hb is not None
    assert (hb.low, hb.high) == (10, 250)  # the example, g/L


@pytest.mark.parametrize(
    "plausible",
    [
        None,
        {"low": -1, "high": 5, "source": "x"},
        {"low": 5, "high": 1, "source": "x"},
        {"low": 0, "high": 5},
        {"low": 0, "high": float("inf"), "source": "x"},
    ],
)
def test_a_protocol_without_a_sound_range_is_refused(plausible: Any, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    source = Path(__file__).resolve().parents[2] / "src/trialkit/protocols/nct05894486"
    folder.mkdir()
    for f in source.iterdir():
        if f.is_file():
            (folder / f.name).write_bytes(f.read_bytes())
    raw = yaml.safe_load((folder / "protocol.yaml").read_text(encoding="utf-8"))
    if plausible is None:
        del raw["elements"]["albumin"]["plausible"]
    else:
        raw["elements"]["albumin"]["plausible"] = plausible
    (folder / "protocol.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ProtocolError) as err:
        load_protocol(str(folder))
    assert "elements.albumin" in str(err.value.field)
