"""``trialkit design`` commands."""

from __future__ import annotations

import json

import pytest

from trialkit.cli.main import main


def test_simon_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["design", "simon", "--p0", "0.2", "--p1", "0.4", "--nmax", "50", "--format", "json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    optimal, minimax = out["designs"]
    assert (optimal["kind"], optimal["r1"], optimal["n1"], optimal["r"], optimal["n"]) == (
        "optimal",
        3,
        13,
        12,
        43,
    )
    assert (minimax["r1"], minimax["n1"], minimax["r"], minimax["n"]) == (4, 18, 10, 33)
    assert set(optimal) >= {"en0", "pet0", "alpha", "power"}


def test_bad_design_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["design", "simon", "--p0", "0.4", "--p1", "0.2"]) == 2
    assert "p1" in capsys.readouterr().err
    assert main(["design", "binomial", "--p0", "0.2", "--p1", "1.5"]) == 2
