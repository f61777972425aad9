"""Progress (issue 14): on standard error, shown on a terminal, off with --quiet or in a pipe.

The terminal is a real pseudo-terminal (``pty``) for the child's standard error.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

TRIALKIT = Path(sys.executable).with_name("trialkit")


def _run(args: list[str], *, terminal: bool) -> tuple[str, str]:
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    if not terminal:
        done = subprocess.run(
            [str(TRIALKIT), *args], capture_output=True, text=True, env=env, check=True
        )
        return done.stdout, done.stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [str(TRIALKIT), *args], stdout=subprocess.PIPE, stderr=slave, env=env, text=True
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    out = proc.stdout.read() if proc.stdout else ""
    assert proc.wait() == 0
    os.close(master)
    return out, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("quiet", "terminal", "shown"),
    [([], True, True), (["--quiet"], True, False), ([], False, False)],
)
def test_synth_progress_only_on_a_terminal_and_never_on_stdout(
    tmp_path: Path, quiet: list[str], terminal: bool, shown: bool
) -> None:
    args = ["synth", "--patients", "300", "--out", str(tmp_path / "pop"), *quiet]
    out, err = _run(args, terminal=terminal)
    assert ("Generating and writing 300 patients" in err) is shown
    assert "Generating" not in out  # the result alone on standard output
    assert "300 patients" in out


def test_the_root_quiet_switch_silences_progress_too(tmp_path: Path) -> None:
    out, err = _run(
        ["--quiet", "synth", "--patients", "300", "--out", str(tmp_path / "p")], terminal=True
    )
    assert "Generating" not in err
    assert "300 patients" in out
