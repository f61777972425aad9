"""What every hostile run must satisfy: exit 0 or 2, no traceback, strict JSON, and no
decision resting on a value the plausibility rules reject (trialkit.quality)."""

from __future__ import annotations

import json
import sys
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from typing import Any

from trialkit.quality import implausible


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """Python's parser without its NaN/Infinity extension (what browsers and jq accept)."""
    return json.loads(text, parse_constant=_reject)


# inputs tried per command and their exit codes, printed at the end of the run (conftest)
TRIED: dict[str, Counter[int]] = defaultdict(Counter)


def run_cli(argv: list[str], *, command: str) -> tuple[int, str, str]:
    """The CLI's own entry point, in process, with an empty stdin (a closed terminal);
    an escaping exception is reported, not raised."""
    from trialkit.cli.main import main

    out, err = StringIO(), StringIO()
    stdin, sys.stdin = sys.stdin, StringIO("")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv)
            except BaseException:
                code = -1
                err.write(traceback.format_exc())
    finally:
        sys.stdin = stdin
    TRIED[command][code] += 1
    return code, out.getvalue(), err.getvalue()


def assert_clean_exit(
    argv: list[str], code: int, out: str, err: str, *, also: set[int] | None = None
) -> None:
    assert "Traceback (most recent call last)" not in err + out, f"{argv}\n{err[-3000:]}"
    assert code in {0, 2, *(also or ())}, f"{argv}: exit {code}\n{err[-2000:]}"
    if code == 2:
        assert err.strip(), f"{argv}: exit 2 without a message"


def _numbers(items: Any, *keys: str) -> Iterator[tuple[str, Any]]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            for key in keys:
                value = item.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    yield f"{item.get('element') or item.get('key') or item.get('term')}", value


def unsafe_decisions(document: Any) -> list[str]:
    """Decisions in a command's JSON output that rest on a value that cannot be real."""
    found: list[str] = []
    if not isinstance(document, dict):
        return found
    for result in document.get("results", []) or []:  # screen
        for criterion in result.get("criteria", []) if isinstance(result, dict) else []:
            if criterion.get("status") == "unknown":
                continue
            decided = [e for e in criterion.get("evidence", []) if e.get("role") == "decided"]
            for name, value in _numbers(decided, "value"):
                if (why := implausible(value)) is not None:
                    found.append(f"{criterion.get('id')} {criterion['status']} on {name}: {why}")
    if document.get("decision") in ("proceed", "resume_reduced"):  # dosing check
        for name, value in _numbers(document.get("labs_used", document.get("labs")), "canonical"):
            if (why := implausible(value)) is not None:
                found.append(f"{document['decision']} on {name}: {why}")
    for patient in document.get("patients", []) or []:  # ctcae grade-record
        for r in patient.get("results", []) if isinstance(patient, dict) else []:
            if isinstance(r, dict) and r.get("grade") is not None:
                for name, value in _numbers([r], "value_canonical", "value"):
                    if (why := implausible(value)) is not None:
                        found.append(f"grade {r['grade']} on {name}: {why}")
    return found
