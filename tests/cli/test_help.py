"""Issue 14, item 4: ``--help`` loads no heavy library, ``--version``, help in words, choices.

Not timing tests (the machine is shared): the help path is checked by what it imports,
in a fresh interpreter, from ``sys.modules``. ``make bench`` reports the time itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version

import pytest

from trialkit.cli.main import main

# Libraries that take from a tenth of a second to seconds to import and that no help text
# needs. pydantic is not among them: typer itself coerces option values with it.
HEAVY = (
    "scipy",
    "numpy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "lifelines",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "ibis",
    "duckdb",
    "pyspark",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "fhir",
    "pint",
    "ucumvert",
    "argon2",
    "yaml",
)

# Runs in a fresh interpreter: every command's --help, one after another, then reports which
# heavy top-level packages got imported (modules only accumulate, so none after all of them
# means none for any one of them).
_PROBE = """
import contextlib, io, json, sys
from trialkit.cli import main as cli
cli._register()
import typer
root = typer.main.get_command(cli.app)

def paths(command, prefix):
    yield prefix
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from paths(sub, [*prefix, name])

commands = list(paths(root, []))
codes = {}
for path in commands:
    with contextlib.redirect_stdout(io.StringIO()):
        codes[" ".join(path)] = cli.main([*path, "--help"])
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print(json.dumps({"codes": codes, "heavy": heavy}))
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *HEAVY],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "100"},
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_every_help_loads_no_heavy_library(probe: dict[str, object]) -> None:
    codes = probe["codes"]
    assert isinstance(codes, dict)
    # the tree walked: the root, every command and every group's subcommands
    assert {"", "cohort", "screen", "report", "demo", "synth", "design simon", "user add"} <= set(
        codes
    )
    assert set(codes.values()) == {0}
    assert probe["heavy"] == []


def test_version_is_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"trialkit {version('trialkit')}"


def _all_help(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    import typer

    from trialkit.cli import main as cli

    cli._register()
    root = typer.main.get_command(cli.app)
    texts: dict[str, str] = {}

    def walk(command: object, prefix: list[str]) -> None:
        assert main([*prefix, "--help"]) == 0
        texts[" ".join(prefix)] = capsys.readouterr().out
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*prefix, name])

    walk(root, [])
    return texts


def test_help_names_types_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    texts = _all_help(capsys)
    assert len(texts) > 20
    python_labels = re.compile(r"<(list\[|bool|str|int|float|path|Path)[^>]*>|\{\w+\}")
    offenders = {cmd: python_labels.findall(text) for cmd, text in texts.items()}
    assert {cmd: found for cmd, found in offenders.items() if found} == {}
    cohort = texts["cohort"]
    assert "duckdb | spark" in cohort
    assert "table | json" in cohort
    assert "YYYY-MM-DD" in cohort
    assert "SOURCES..." in cohort


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (["cohort", "no-such-folder", "--format", "yaml"], "table"),
        (["cohort", "no-such-folder", "--engine", "oracle"], "duckdb"),
        (["synth", "--patients", "5", "--out", "x", "--format", "csv"], "omop"),
        (["report", "no-such-study", "--conf-type", "arcsine"], "log-log"),
        (["design", "binomial", "--p0", "0.1", "--p1", "0.3", "--format", "xml"], "json"),
    ],
)
def test_choices_are_refused_by_the_parser(
    args: list[str], choices: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # usage error (exit 2) naming the option and its choices, before any input is read
    assert main(args) == 2
    err = capsys.readouterr().err
    assert args[-2] in err
    assert choices in err
