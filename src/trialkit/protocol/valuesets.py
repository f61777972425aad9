"""Value sets: which codes stand for a data element, matched without a terminology server.

Entries list exact codes, code prefixes (``L01`` for every ATC L01 code) or
code ranges (ICD-10 ``C00``–``C96``); an ``exclude`` list removes codes. ICD-10
codes compare without dots. ``text`` patterns match free text (allergies are
often recorded as text only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from trialkit.model.codes import SYSTEM_ALIASES, Code, normalise_code


@dataclass(frozen=True)
class CodeRule:
    systems: tuple[str, ...]
    codes: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()

    def matches(self, code: Code) -> bool:
        if code.system not in self.systems:
            return False
        key = code.key
        if key in self.codes or any(key.startswith(p) for p in self.prefixes):
            return True
        # ranges compare the category (first three characters of an ICD-10 code)
        return any(low <= key[: len(low)] <= high for low, high in self.ranges)


@dataclass(frozen=True)
class ValueSet:
    name: str
    include: tuple[CodeRule, ...]
    exclude: tuple[CodeRule, ...] = ()
    text: tuple[str, ...] = ()
    description: str = ""

    def matches(self, code: Code) -> bool:
        return any(r.matches(code) for r in self.include) and not any(
            r.matches(code) for r in self.exclude
        )

    def matches_any(self, codes: Iterable[Code]) -> Code | None:
        """The first of ``codes`` in this value set, or None."""
        return next((c for c in codes if self.matches(c)), None)

    def matches_text(self, text: str | None) -> str | None:
        """The first text pattern found in ``text`` (case-insensitive), or None."""
        if not text:
            return None
        lowered = text.lower()
        return next((t for t in self.text if t.lower() in lowered), None)


def resolve_systems(name: str) -> tuple[str, ...]:
    """A protocol-file system name (``loinc``) or a full URI → the URIs it stands for."""
    return SYSTEM_ALIASES.get(name, (name,))


def make_rule(
    system: str,
    codes: Iterable[str] = (),
    prefixes: Iterable[str] = (),
    ranges: Iterable[tuple[str, str]] = (),
) -> CodeRule:
    systems = resolve_systems(system)
    first = systems[0]
    return CodeRule(
        systems=systems,
        codes=frozenset(normalise_code(first, c) for c in codes),
        prefixes=tuple(normalise_code(first, p) for p in prefixes),
        ranges=tuple((normalise_code(first, lo), normalise_code(first, hi)) for lo, hi in ranges),
    )
