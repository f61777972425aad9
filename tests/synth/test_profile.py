"""The warehouse profile (``warehouse/ehr.yaml``): the synthetic warehouse is drawn from the
protocol's data, the loader refuses a broken profile naming file and key path, and a protocol
without one gets a clear exit 2 (issue 15, point 1: no engine module names a trial)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest
import yaml

from trialkit.cli.main import main
from trialkit.errors import ProtocolError
from trialkit.protocol import available_protocols, load_protocol
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.synth.population import generate
from trialkit.synth.profile import PROFILE_FILE, load_profile, warehouse_profile

BUNDLED = Path(load_protocol(DEFAULT_PROTOCOL).folder)


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((BUNDLED / PROFILE_FILE).read_text("utf-8"))
    return data


def test_the_bundled_profile_loads_with_every_section() -> None:
    profile = warehouse_profile()
    assert len(profile.labs) >= 10
    assert len(profile.qualitative) >= 3
    assert profile.conditions.primary
    assert profile.drugs.standing_therapy
    assert abs(sum(profile.performance.weights) - 1) < 1e-9


# Conversion factors from the literature (value in the unit = canonical value × factor),
# not from the profile: creatinine 1 mg/dL = 88.4 µmol/L, bilirubin 1 mg/dL = 17.1 µmol/L
# (SI conversion tables, e.g. AMA Manual of Style), glucose 1 mmol/L = 18.016 mg/dL (molar
# mass 180.16 g/mol), haemoglobin 1 g/L = 0.06206 mmol/L (monomer 16,114 g/mol), 1 kg =
# 2.20462 lb (avoirdupois), 10*3/uL = 1000 /mm3.
KNOWN = {
    ("creatinine", "mg/dL"): 1 / 88.4,
    ("bilirubin", "mg/dL"): 1 / 17.1,
    ("fasting_glucose", "mg/dL"): 18.016,
    ("hemoglobin", "mmol/L"): 0.06206,
    ("hemoglobin", "g/dL"): 0.1,
    ("weight", "[lb_av]"): 2.20462,
    ("platelets", "/mm3"): 1000,
    ("wbc", "/mm3"): 1000,
}


def test_the_bundled_unit_factors_are_the_published_ones() -> None:
    factors = {(lab.key, u.code): u.factor for lab in warehouse_profile().labs for u in lab.units}
    for key, factor in KNOWN.items():
        assert factors[key] == pytest.approx(factor, rel=1e-4), key


def test_the_generator_draws_what_the_profile_says(tmp_path: Path) -> None:
    """A copy of the protocol whose profile renames a lab test and moves the marker's edge
    values: the population follows the file, so no code holds them."""
    folder = tmp_path / "trial"
    shutil.copytree(BUNDLED, folder)
    raw = _raw()
    first = next(iter(raw["labs"]))
    raw["labs"][first]["loinc"] = "99999-9"
    raw["cohort"]["marker"]["edge"] = {"share": 1.0, "values": [42.0]}
    (folder / PROFILE_FILE).write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    changed = generate(400, 5, protocol=str(folder))
    lab = changed.tables["lab"]
    assert pc.sum(pc.equal(lab["loinc"], "99999-9")).as_py() > 100
    marker = raw["cohort"]["marker"]["loinc"]
    values = set(lab.filter(pc.equal(lab["loinc"], marker))["value"].to_pylist())
    assert 42.0 in values
    assert values <= {42.0, 37.8, 46.2}  # and the same-day repeats drawn 10 % beside it
    # the bundled protocol, by id, is untouched
    assert "99999-9" not in set(generate(400, 5).tables["lab"]["loinc"].to_pylist())


def test_a_protocol_folder_draws_the_same_population_as_its_id(tmp_path: Path) -> None:
    folder = tmp_path / "same"
    shutil.copytree(BUNDLED, folder)
    by_id, by_folder = generate(300, 8), generate(300, 8, protocol=str(folder))
    for name, table in by_id.tables.items():
        assert by_folder.tables[name].equals(table), name


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node: Any = raw
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()
LAB = "labs.hemoglobin"
# (what is broken, the key path it is set at, the value, the key path the error names, words)
BROKEN = [
    ("missing section", "labs", _DELETE, "labs", "missing"),
    ("unknown key", f"{LAB}.precent", 0.5, f"{LAB}.precent", "unknown key"),
    ("share above 1", "cohort.share", 1.5, "cohort.share", "not a share"),
    ("text for a number", f"{LAB}.normal.mean", "high", f"{LAB}.normal.mean", "expected a number"),
    ("no distribution", f"{LAB}.normal", _DELETE, LAB, "needs one distribution"),
    ("range upside down", f"{LAB}.range", [190, 40], f"{LAB}.range", "is not below"),
    ("no factor-1 unit", f"{LAB}.unit", "mg/dL", f"{LAB}.units", "with factor 1"),
    ("edge on a missing ref_high", f"{LAB}.edge", {"ref_high_times": 2}, f"{LAB}.edge", "ref_high"),
    ("decimals not whole", f"{LAB}.units.0.decimals", 1.5, f"{LAB}.units[0].decimals", "whole"),
    ("unknown route", "drugs.common.0.route", "nasal", "drugs.common[0].route", "unknown route"),
    ("weights not adding up", "performance_status.weights", [0.5, 0.2], "weights", "add up to"),
    ("test only for an absent sex", "qualitative.hcv_ab.only", {"sex": "x"}, "only.sex", "no 'x'"),
    ("empty code list", "conditions.primary", [], "conditions.primary", "non-empty list"),
    ("allergy without a share", "allergies.0.share", _DELETE, "allergies[0].share", "missing"),
]


@pytest.mark.parametrize(
    ("path", "value", "where", "words"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_profile_is_refused_naming_file_and_key(
    path: str, value: Any, where: str, words: str, tmp_path: Path
) -> None:
    raw = _raw()
    _set(raw, path, value)
    file = tmp_path / "ehr.yaml"
    file.write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    with pytest.raises(ProtocolError) as caught:
        load_profile(file)
    message = str(caught.value)
    assert message.startswith(f"{file}: "), message
    assert where in message, message
    assert words in message, message
    assert "Fix:" in message, message


@pytest.mark.parametrize("text", ["labs: [unclosed", "- a list, not a mapping"])
def test_a_profile_that_is_not_a_yaml_mapping_is_refused(text: str, tmp_path: Path) -> None:
    file = tmp_path / "ehr.yaml"
    file.write_text(text, "utf-8")
    with pytest.raises(ProtocolError, match=str(file)):
        load_profile(file)


def test_a_protocol_without_a_profile_has_no_warehouse_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = {p: Path(load_protocol(p).folder) for p in available_protocols()}
    without = next(p for p, folder in folders.items() if not (folder / PROFILE_FILE).is_file())
    out = tmp_path / "w"
    args = ["synth", "--protocol", without, "--warehouse", "--patients", "3", "--out", str(out)]
    assert main(args) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert f"protocol {without} declares no warehouse profile" in said
    assert "Traceback" not in said
    assert not out.exists()


def test_a_broken_profile_in_a_folder_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "trial"
    shutil.copytree(BUNDLED, folder)
    raw = _raw()
    raw["cohort"]["share"] = "a quarter"
    (folder / PROFILE_FILE).write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    args = ["synth", "--protocol", str(folder), "--warehouse", "--patients", "3"]
    assert main([*args, "--out", str(tmp_path / "w")]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "ehr.yaml: cohort.share: expected a number" in said, said


def test_the_warehouse_of_a_protocol_folder_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["synth", "--protocol", str(BUNDLED), "--warehouse", "--patients", "50"]
    assert main([*args, "--out", str(tmp_path / "w"), "-q"]) == 0
    assert "50 patients" in capsys.readouterr().out
    assert (tmp_path / "w" / "measurement.parquet").is_file()


def test_protocol_check_reports_a_broken_warehouse_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "trial"
    shutil.copytree(BUNDLED, folder)
    assert main(["protocol", "check", str(folder)]) == 0
    capsys.readouterr()
    raw = _raw()
    raw["drugs"]["common"][0]["route"] = "nasal"
    (folder / PROFILE_FILE).write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    assert main(["protocol", "check", str(folder)]) == 2
    captured = capsys.readouterr()
    said = " ".join((captured.out + captured.err).split())
    assert f"{folder / PROFILE_FILE}: drugs.common[0].route: unknown route 'nasal'" in said, said
