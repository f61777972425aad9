"""Every file that ``--help`` or the README points a reader to exists (issue 14).

Also: the dose-check example in docs/dosing.md (the file ``dosing check --help`` names)
runs and gives the label's answer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer

from trialkit.cli import main as cli
from trialkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
# project-relative paths as the texts write them (docs/…, src/…, ../shared/…)
PATH = re.compile(r"(?<![\w/.])((?:\.\./shared|docs|src|bench|scripts|tests|\.ci)/[\w./-]*[\w/])")


def _help_texts(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    cli._register()
    texts: dict[str, str] = {}

    def walk(command: object, prefix: list[str]) -> None:
        assert main([*prefix, "--help"]) == 0
        texts[" ".join(prefix) or "trialkit"] = capsys.readouterr().out
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*prefix, name])

    walk(typer.main.get_command(cli.app), [])
    return texts


def _missing(text: str) -> list[str]:
    return [p for p in sorted(set(PATH.findall(text))) if not (ROOT / p).exists()]


def test_every_path_in_help_exists(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one help line per option: no path broken by wrapping
    texts = _help_texts(capsys)
    found = {cmd: PATH.findall(text) for cmd, text in texts.items()}
    assert "docs/dosing.md" in found["dosing check"]
    assert {cmd: _missing(text) for cmd, text in texts.items() if _missing(text)} == {}


def test_every_path_in_the_readme_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(PATH.findall(readme)) > 5
    assert _missing(readme) == []


def test_the_dose_check_example_in_docs_gives_the_label_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (ROOT / "docs/dosing.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", doc, re.S)
    assert example is not None
    path = tmp_path / "check.json"
    path.write_text(example.group(1), encoding="utf-8")
    assert main(["dosing", "check", str(path), "--format", "json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    # platelets 60 ×10⁹/L: CTCAE v5.0 grade 2 (< 75–50); label: thrombocytopenia grade 2–4 →
    # withhold until grade 0–1, then the reduced activity (clinical-facts §3)
    assert decision["decision"] == "withhold"
    assert decision["until"] == "platelets back to grade 0–1"
    assert [f["toxicity"] for f in decision["findings"]] == ["thrombocytopenia"]
