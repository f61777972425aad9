"""The I/O guard (issue 12, reproduction 6): hostile files and destinations give exit 2 and
one message naming the file and the field — never a traceback, never a half-written folder.

Read-only and full destinations are real: small tmpfs mounts (one read-only, one of 16 KiB)
in a private mount namespace (``unshare``), where every output command runs in one child
process. A missing ``unshare`` fails these tests; it never skips them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from trialkit.cli.main import main

EXAMPLES = Path(__file__).parents[1] / "src/trialkit/protocols/nct05894486/examples"
ELIGIBLE = EXAMPLES / "eligible.json"
MAX_JSON_DEPTH = 100  # trialkit.safe_io.MAX_JSON_DEPTH (imported late: 9b0eb8d lacks it)
RECIST = {
    "subject": "S1",
    "baseline": {
        "date": "2026-01-02",
        "lesions": [{"id": "L1", "organ": "liver", "diameter_mm": 30, "target": True}],
    },
    "assessments": [
        {"date": "2026-03-01", "lesions": [{"id": "L1", "diameter_mm": 20}], "new_lesions": "none"}
    ],
}
DOSING = {
    "subject": "S1",
    "first_dose": "2026-01-05",
    "cycle_due": 2,
    "check_date": "2026-03-02",
    "labs": [{"lab": "platelets", "value": 200, "unit": "10*9/L", "date": "2026-02-28"}],
}
JSON_COMMANDS: dict[str, tuple[list[str], dict[str, Any] | Path]] = {
    "screen": (["screen"], ELIGIBLE),
    "recist": (["recist", "evaluate"], RECIST),
    "dosing": (["dosing", "check"], DOSING),
    "grade-record": (["ctcae", "grade-record"], ELIGIBLE),
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err


def document(base: dict[str, Any] | Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(base.read_text()) if isinstance(base, Path) else base
    copy: dict[str, Any] = json.loads(json.dumps(data))
    return copy


@pytest.mark.parametrize("command", sorted(JSON_COMMANDS))
def test_json_nested_5000_levels_is_an_input_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, base = JSON_COMMANDS[command]
    text = json.dumps(document(base))
    deep = text[:-1] + ', "extension": ' + "[" * 5000 + "]" * 5000 + "}"
    path = tmp_path / "deep.json"
    path.write_text(deep)
    code, err = run([*argv, str(path)], capsys)
    assert code == 2
    assert f"{path}: extension[0][0]" in err
    assert f"nested more than {MAX_JSON_DEPTH} levels deep" in err


def _with_big_integer(command: str) -> dict[str, Any]:
    data = document(JSON_COMMANDS[command][1])
    big = int("9" * 5000)
    if command == "recist":
        data["assessments"][0]["lesions"][0]["diameter_mm"] = big
    elif command == "dosing":
        data["labs"][0]["value"] = big
    else:
        entry = next(
            e for e in data["entry"] if e["resource"].get("valueQuantity", {}).get("value")
        )
        entry["resource"]["valueQuantity"]["value"] = big
    return data


@pytest.mark.parametrize("command", sorted(JSON_COMMANDS))
def test_5000_digit_integer_is_an_input_error_naming_the_field(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, _ = JSON_COMMANDS[command]
    path = tmp_path / "big.json"
    sys.set_int_max_str_digits(0)  # only to write the file; the CLI reads it with its own limit
    try:
        path.write_text(json.dumps(_with_big_integer(command)))
    finally:
        sys.set_int_max_str_digits(4300)
    code, err = run([*argv, str(path)], capsys)
    assert code == 2
    field = {
        "recist": "assessments[0].lesions[0].diameter_mm",
        "dosing": "labs[0].value",
    }.get(command, ".resource.valueQuantity.value")
    assert f"{path}: " in err
    assert field in err
    assert "more than 30 digits" in err


@pytest.mark.parametrize("command", sorted(JSON_COMMANDS))
def test_non_utf8_json_is_an_input_error_naming_the_line(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, base = JSON_COMMANDS[command]
    path = tmp_path / "latin1.json"
    text = json.dumps(document(base), indent=1)
    path.write_bytes(text.replace('"S1"', '"Fran\u00e7ois"').encode("latin-1")[:-1] + b"\xff}")
    code, err = run([*argv, str(path)], capsys)
    assert code == 2
    assert f"{path}: line " in err
    assert "not UTF-8 text" in err


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from trialkit.protocol import load_protocol
    from trialkit.study.simulate import simulate_study
    from trialkit.study.write import write_study

    simulated = simulate_study(load_protocol(), seed=7, screened=40).study
    return write_study(simulated, tmp_path_factory.mktemp("study"))


def test_non_utf8_study_csv_is_an_input_error_naming_the_file(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "study"
    copy.mkdir()
    for f in study.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    csv = sorted(copy.glob("*.csv"))[0]
    lines = csv.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b",", b",\xe9", 1)
    csv.write_bytes(b"".join(lines))
    code, err = run(["report", str(copy), "--out", str(tmp_path / "r.html")], capsys)
    assert code == 2
    assert f"{csv}: line 2: not UTF-8 text (byte 0xe9)" in err
    assert not (tmp_path / "r.html").exists()


def output_commands(study: Path, out: Path) -> dict[str, list[str]]:
    return {
        "report": ["report", str(study), "--out", str(out / "report.html")],
        "synth": ["synth", "--patients", "200", "--out", str(out)],
        "cohort": ["cohort", str(ELIGIBLE), "--as-of", "2026-03-01", "--out", str(out)],
    }


@pytest.mark.parametrize("command", ["report", "synth", "cohort"])
def test_output_under_a_regular_file_is_an_input_error(
    command: str, study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")
    code, err = run(output_commands(study, blocker / "out")[command], capsys)
    assert code == 2
    assert f"--out: lies under {blocker}, which is a regular file" in err
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("command", ["synth", "cohort"])
def test_output_that_is_a_regular_file_is_an_input_error(
    command: str, study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")
    code, err = run(output_commands(study, blocker)[command], capsys)
    assert code == 2
    assert f"{blocker}: --out: is a regular file, not a folder" in err


# One child process in a private mount namespace runs every output command against a
# read-only and a full tmpfs, and reports (exit code, stderr, what was left in the folder).
_CHILD = textwrap.dedent(
    """
    import contextlib, io, json, os, sys
    from trialkit.cli.main import main
    results = {}
    for name, folder, argv in json.loads(sys.argv[1]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(argv)
            except BaseException as exc:
                import traceback
                code, _ = 99, traceback.print_exc(file=err)
        left = sorted(os.listdir(folder)) if os.path.isdir(folder) else None
        results[name] = [code, err.getvalue(), left]
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def mounted(study: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("mounts")
    readonly, full = root / "readonly", root / "full"
    readonly.mkdir()
    full.mkdir()
    jobs = []
    for kind, mount in (("readonly", readonly), ("full", full)):
        for command, argv in output_commands(study, mount / "out").items():
            jobs.append((f"{kind}/{command}", str(mount), argv))
    script = (
        f"mount -t tmpfs -o ro,size=1m none {readonly} && "
        f"mount -t tmpfs -o size=16k none {full} && "
        'exec "$@"'
    )
    child = [sys.executable, "-c", _CHILD, json.dumps(jobs)]
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", *child],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return results


@pytest.mark.parametrize("command", ["report", "synth", "cohort"])
def test_output_folder_not_writable_is_an_input_error(
    command: str, mounted: dict[str, Any]
) -> None:
    code, err, left = mounted[f"readonly/{command}"]
    assert "Traceback" not in err
    assert code == 2
    assert "--out: is not writable" in err
    assert left == []


@pytest.mark.parametrize("command", ["report", "synth", "cohort"])
def test_full_disk_is_an_input_error_and_leaves_nothing_half_written(
    command: str, mounted: dict[str, Any]
) -> None:
    code, err, left = mounted[f"full/{command}"]
    assert "Traceback" not in err
    assert code == 2
    assert "--out: cannot write (No space left on device); nothing was written" in err
    assert left == []  # neither the output folder nor a temporary one is left behind


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("1e40", "'--seed'"),
        ("-1", "--seed: the seed must be a whole number from 0 to"),
        (str(10**40), "--seed: the seed must be a whole number from 0 to"),
    ],
)
def test_synth_seed_out_of_range_is_an_input_error(
    seed: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(["synth", "--patients", "3", "--seed", seed, "--out", str(tmp_path)], capsys)
    assert code == 2
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_synth_of_one_patient_writes_every_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # one patient draws no allergy (nor other rare rows): the tables are empty, not missing
    code, _ = run(["synth", "--patients", "1", "--out", str(tmp_path / "one")], capsys)
    assert code == 0
    assert (tmp_path / "one" / "person.parquet").exists()
    assert not [p for p in (tmp_path / "one").iterdir() if p.name.startswith(".")]


def test_depth_and_digit_limits_accept_real_documents() -> None:
    from trialkit import safe_io
    from trialkit.safe_io import parse_json

    assert safe_io.MAX_JSON_DEPTH == MAX_JSON_DEPTH
    assert parse_json(ELIGIBLE.read_text(), source="x")["resourceType"] == "Bundle"
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(nested, source="x") == parse_json(nested, source="x")
    assert parse_json('{"a": ' + "9" * 30 + "}", source="x") == {"a": int("9" * 30)}
