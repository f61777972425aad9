"""Every CLI command, listed from the CLI's own registry, fed hostile arguments and files.

A new command is fuzzed automatically: its arguments and options are read from the
registry and given values from the hostile pools (files of the kind its argument names,
numbers, dates and text otherwise). Each run goes through ``trialkit.cli.main.main``, the
console script's own entry point, in process, and must end in exit 0 or 2, no traceback,
strict JSON when JSON was asked for, and no decision on an implausible value.
"""

from __future__ import annotations

import tempfile
from contextlib import chdir
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile import inputs
from tests.hostile.checks import assert_clean_exit, run_cli, strict_json, unsafe_decisions
from trialkit.cli.main import _register, app

# Never run: a command that serves until stopped. Every other command is fuzzed.
NOT_RUN = {("serve",): "runs a web server until interrupted (tests/web fuzzes the API)"}
# Commands whose valid runs take seconds (DuckDB, matplotlib, a whole simulated study):
# fewer examples each. demo only ever gets a hostile --out (a valid one runs the tutorial).
EXAMPLES = 24
SLOW_EXAMPLES = 8
SLOW = {("cohort",), ("report",), ("synth",), ("export", "cdisc"), ("demo",)}


def commands() -> dict[tuple[str, ...], Any]:
    _register()
    found: dict[tuple[str, ...], Any] = {}

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        else:
            found[path] = cmd

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = commands()
FUZZED = sorted(p for p in COMMANDS if p not in NOT_RUN)

NUMBERS = ["0", "1", "-1", "3", "7.4", "nan", "inf", "-inf", "1e308", "1e40", "9" * 40, "x", ""]
DATES = ["2026-03-01", "2090-01-01", "1800-01-01", "2026-02-30", "2026-03-01T10:00", "nan", ""]
PARAMS = [
    "half_life_days=nan",
    "reduced_activity_gbq=-1",
    "nope=1",
    "x",
    "=",
    "lab_window_days=1e40",
]
FORMATS = ["json", "json", "table", "csv", ""]
TEXT = st.one_of(st.sampled_from(NUMBERS + DATES), st.text(max_size=12))
# Usable values of options we know, mixed with the hostile pools so that runs also get past
# the argument checks to a decision. An option not listed gets only the generic pools.
GOOD = {
    "--term": ["anemia", "platelet_count_decreased", "creatinine_increased", "anaemia"],
    "--unit": ["g/L", "g/dL", "10*9/L", "umol/L", "mg/dL"],
    "--value": ["9.5", "75", "40"],
    "--uln": ["1.2", "40", "bilirubin=21", "creatinine_increased=100"],
    "--lln": ["3.5", "anemia=120"],
    "--baseline": ["80"],
    "--p0": ["0.1", "0.2"],
    "--p1": ["0.3", "0.35"],
    "--alpha": ["0.05"],
    "--power": ["0.8"],
    "--nmax": ["40"],
    "--calibration-gbq": ["7.4", "8.1"],
    "--calibration-time": ["2026-03-01T08:00", "2026-03-01T08:00:00+01:00"],
    "--injection-time": ["2026-03-02T10:00", "2026-02-20T10:00"],
    "--role": ["investigator", "monitor", "admin", "coordinator"],
    "--protocol": ["nct05894486"],
    "--as-of": ["2026-11-24", "2026-11-24", "2026-03-01"],
    "--first-dose": ["2026-12-01", "2026-01-05"],
    "--memory-limit": ["1GB"],
    "--reference-date": ["2026-11-24"],
    "--seed": ["3", "2026"],
}
# Commands whose documented contract has another exit code (a checker's verdict).
ALSO_ALLOWED: dict[tuple[str, ...], set[int]] = {
    ("export", "check"): {1}
}  # "Exit code 1 when any error is found" (its help)


def _file_kind(command: tuple[str, ...], name: str) -> str:
    if name in ("study",):
        return "study"
    if command[:1] == ("recist",):
        return "recist"
    if command[:1] == ("dosing",):
        return "dosing"
    if command == ("cohort",):
        return "population"
    if name in ("path", "paths", "folder", "source", "sources", "file"):
        return "fhir"
    return "any"


@st.composite
def file_argument(draw: st.DrawFn, kind: str) -> tuple[str, Any]:
    if kind == "any":
        kind = draw(st.sampled_from(["fhir", "recist", "dosing", "study", "garbage"]))
    if kind == "population":
        kind = draw(st.sampled_from(["fhir", "omop", "ndjson"]))
    if draw(st.integers(0, 9)) == 0:
        return ("garbage", draw(st.sampled_from(["missing", "folder", "empty", "deep"])))
    if kind == "fhir":
        return ("fhir", draw(inputs.json_document(list(inputs.BUNDLES))))
    if kind in ("recist", "dosing"):
        return (kind, draw(inputs.json_document(lambda: None)))
    if kind == "study":
        return ("study", draw(st.lists(inputs.study_change, max_size=3)))
    if kind == "omop":
        return ("omop", draw(st.lists(inputs.omop_change, max_size=3)))
    if kind == "ndjson":
        return ("ndjson", draw(st.lists(inputs.ndjson_change, max_size=2)))
    return ("garbage", draw(st.sampled_from(["missing", "folder", "empty", "deep"])))


OUT_KINDS = ["fresh", "fresh", "fresh", "existing", "regular-file", "under-file"]


@st.composite
def invocation(draw: st.DrawFn, command: tuple[str, ...]) -> list[Any]:
    """argv for ``command`` with ("file", spec) / ("out", kind) / ("db", kind) placeholders."""
    argv: list[Any] = list(command)
    for p in COMMANDS[command].params:
        name, opt = p.name or "", p.opts[0]
        if p.param_type_name == "argument":
            if name in ("kind", "record_id", "username"):
                argv.append(draw(TEXT))
                continue
            count = draw(st.integers(1, 2)) if p.multiple else 1
            for _ in range(count):
                argv.append(("file", draw(file_argument(_file_kind(command, name)))))
            continue
        if getattr(p, "is_flag", False):
            if opt not in ("--pdf", "--password-stdin") and draw(st.booleans()):
                argv.append(opt)
            continue
        if opt == "--out" and (p.required or command in SLOW or draw(st.booleans())):
            kinds = ["regular-file", "under-file"] if command == ("demo",) else OUT_KINDS
            argv += [opt, ("out", draw(st.sampled_from(kinds)))]
            continue
        if opt == "--db":
            argv += [
                opt,
                ("db", draw(st.sampled_from(["sqlite", "sqlite", "bad-url", "no-folder"]))),
            ]
            continue
        if opt == "--patients":
            argv += [opt, draw(st.sampled_from(["1", "5", "5", "0", "-3", "1e40", "9" * 40, "x"]))]
            continue
        if opt == "--engine":  # Spark would start a JVM per example
            if draw(st.booleans()):
                argv += [opt, draw(st.sampled_from(["duckdb", "sqlite", ""]))]
            continue
        if not p.required and draw(st.integers(0, 2)) != 0:
            continue  # the default, two times in three
        if opt in GOOD and draw(st.integers(0, 3)) != 0:
            value: str = draw(st.sampled_from(GOOD[opt]))
        elif opt == "--format":
            value = draw(st.sampled_from(FORMATS))
        elif opt == "--param" or "NAME=VALUE" in str(getattr(p, "metavar", "")):
            value = draw(st.sampled_from(PARAMS))
        elif "date" in name or "time" in name or name in ("as_of", "first_dose"):
            value = draw(st.sampled_from(DATES))
        else:
            value = draw(st.one_of(st.sampled_from(NUMBERS), TEXT))
        argv += [opt, value]
    return argv


def materialise(argv: list[Any], folder: Path, fixtures: dict[str, Path]) -> list[str]:
    out: list[str] = []
    for i, item in enumerate(argv):
        if not isinstance(item, tuple):
            out.append(str(item))
            continue
        what, spec = item
        place = folder / f"arg{i}"
        if what == "out":
            blocker = folder / "plain-file"
            blocker.write_text("x")
            target = {
                "fresh": place / "out",
                "existing": folder,
                "regular-file": blocker,
                "under-file": blocker / "out",
            }[spec]
            out.append(str(target / "report.html" if argv[0] == "report" else target))
        elif what == "db":
            out.append(
                {
                    "sqlite": f"sqlite:///{folder / 't.db'}",
                    "bad-url": "nonsense://",
                    "no-folder": f"sqlite:///{folder / 'no' / 'such' / 't.db'}",
                }[spec]
            )
        else:
            out.append(str(_write_file(spec, place, fixtures)))
    return out


def _write_file(spec: tuple[str, Any], place: Path, fixtures: dict[str, Path]) -> Path:
    kind, detail = spec
    place.mkdir(parents=True)
    if kind == "fhir":
        return inputs.write_json_doc(place, "bundle.json", inputs.bundle(detail[0]), detail)
    if kind == "recist":
        return inputs.write_json_doc(place, "subject.json", inputs.RECIST, detail)
    if kind == "dosing":
        return inputs.write_json_doc(place, "check.json", inputs.DOSING, detail)
    if kind == "study":
        return inputs.write_study_copy(fixtures["study"], place / "study", detail)
    if kind == "omop":
        return inputs.write_omop_copy(fixtures["omop"], place / "omop", detail)
    if kind == "ndjson":
        return inputs.write_ndjson_copy(fixtures["ndjson"], place / "ndjson", detail)
    if detail == "missing":
        return place / "missing.json"
    if detail == "folder":
        return place
    if detail == "empty":
        (place / "empty.json").write_bytes(b"")
        return place / "empty.json"
    (place / "deep.json").write_text("[" * 5000 + "]" * 5000)
    return place / "deep.json"


def test_every_command_is_fuzzed_or_excluded_with_a_reason() -> None:
    assert set(NOT_RUN) <= set(COMMANDS), "an excluded command no longer exists"
    assert len(FUZZED) >= 20  # audit, cohort, ctcae, demo, design, dosing, export, …


@pytest.fixture(scope="module")
def fixtures(study_folder: Path, omop_folder: Path, ndjson_folder: Path) -> dict[str, Path]:
    return {"study": study_folder, "omop": omop_folder, "ndjson": ndjson_folder}


@pytest.mark.parametrize("command", FUZZED, ids=" ".join)
def test_command_survives_hostile_input(
    command: tuple[str, ...], fixtures: dict[str, Path]
) -> None:
    examples = SLOW_EXAMPLES if command in SLOW else EXAMPLES

    @settings(settings.get_profile("hostile"), max_examples=examples)
    @given(invocation(command))
    def check(argv: list[Any]) -> None:
        with tempfile.TemporaryDirectory(prefix="hostile-") as tmp, chdir(tmp):
            # in the temporary folder: a relative --out (any text) lands there, not in the repo
            args = materialise(argv, Path(tmp), fixtures)
            code, out, err = run_cli(args, command=" ".join(command))
        assert_clean_exit(args, code, out, err, also=ALSO_ALLOWED.get(command, set()))
        wants_json = any(
            a == "--json" or (a == "json" and args[i - 1] == "--format") for i, a in enumerate(args)
        )
        if code == 0 and wants_json:
            document = strict_json(out)
            assert not unsafe_decisions(document), (args, unsafe_decisions(document))

    check()
