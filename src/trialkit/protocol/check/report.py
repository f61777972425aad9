"""The protocol check's report: one :class:`Problem` per finding, and the small helpers
every section of the check shares (the names stay private to ``protocol.check``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trialkit.errors import TrialkitError

_NUMERIC_PARAM = frozenset({"int", "float"})


_NUMERIC_ITEM = frozenset({"integer", "decimal", "quantity"})


_ITEM_TYPES = frozenset(
    {
        "group",
        "display",
        "boolean",
        "decimal",
        "integer",
        "date",
        "dateTime",
        "time",
        "string",
        "text",
        "url",
        "choice",
        "open-choice",
        "attachment",
        "reference",
        "quantity",
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a protocol: where (file and key path), what, and the fix."""

    file: str
    path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}. Fix: {self.fix}"


class _Report:
    def __init__(self, yaml_file: str, questionnaire_file: str) -> None:
        self.yaml_file, self.questionnaire_file = yaml_file, questionnaire_file
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, fix: str, *, questionnaire: bool = False) -> None:
        file = self.questionnaire_file if questionnaire else self.yaml_file
        problem = Problem(file, path, message, fix)
        if problem not in self.problems:
            self.problems.append(problem)


def _message(exc: TrialkitError) -> str:
    """The message of a loader error without its ``source: field:`` prefix."""
    where = ": ".join(
        str(part) for part in (getattr(exc, "source", None), getattr(exc, "field", None)) if part
    )
    text = str(exc)
    return text[len(where) + 2 :] if where and text.startswith(f"{where}: ") else text


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def _mapping_at(raw: Mapping[str, Any], key: str, report: _Report) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        report.add(key, "expected a mapping of names", f"write {key}: as name: {{...}} entries")
        return {}
    return value
