"""A screening problems first: what blocks it, what is unknown and what to collect, the tallies.

Works on a verdict's JSON form (the contract, data dictionary §3: ``criteria`` with ``id``,
``kind``, ``status``, ``reason``, ``evidence``, ``missing``), so that the CLI (a fresh run)
and the study application (a stored verdict) say the same thing in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trialkit.wording.evidence import Labels


@dataclass(frozen=True)
class Problem:
    """One criterion that blocks (``blocking``) or is open (``unknown``)."""

    criterion: str
    kind: str
    summary: str  # the protocol's few words ("age outside 18–75 years")
    reason: str  # the engine's sentence
    to_collect: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        head = f"{self.criterion} {self.summary}" if self.summary else self.criterion
        return f"{head} — {self.reason}"


@dataclass(frozen=True)
class ToCollect:
    """One thing to collect and the criteria it would resolve."""

    what: str
    criteria: tuple[str, ...]

    @property
    def line(self) -> str:
        return f"{self.what} ({', '.join(self.criteria)})"


@dataclass(frozen=True)
class Problems:
    blocking: tuple[Problem, ...]
    unknown: tuple[Problem, ...]
    to_collect: tuple[ToCollect, ...]

    @property
    def next_item(self) -> str:
        if self.to_collect:
            return self.to_collect[0].what
        if self.unknown:
            return f"resolve {self.unknown[0].criterion}"
        return ""


def _blocks(c: Mapping[str, Any]) -> bool:
    return bool(
        (c["kind"] == "inclusion" and c["status"] == "not_met")
        or (c["kind"] == "exclusion" and c["status"] == "met")
    )


def problems(criteria: Sequence[Mapping[str, Any]], labels: Labels) -> Problems:
    blocking = tuple(
        Problem(c["id"], c["kind"], _summary(c, labels, blocked=True), c["reason"])
        for c in criteria
        if _blocks(c)
    )
    unknown = tuple(
        Problem(
            c["id"],
            c["kind"],
            _summary(c, labels, blocked=False),
            c["reason"],
            tuple(c.get("missing") or ()),
        )
        for c in criteria
        if c["status"] == "unknown"
    )
    wanted: dict[str, list[str]] = {}
    for p in unknown:
        for what in p.to_collect:
            wanted.setdefault(what, []).append(p.criterion)
    return Problems(blocking, unknown, tuple(ToCollect(w, tuple(ids)) for w, ids in wanted.items()))


def _summary(c: Mapping[str, Any], labels: Labels, *, blocked: bool) -> str:
    """The protocol's few words for the criterion (what failing it means); for an open
    criterion asked as a question ("renal function too low?")."""
    summary = labels.summaries.get(c["id"], "")
    return summary if blocked or not summary else summary + "?"


def _tally_pair(inc: list[Mapping[str, Any]], exc: list[Mapping[str, Any]]) -> str:
    def part(items: list[Mapping[str, Any]], good: str, good_word: str, bad_word: str) -> str:
        if not items:
            return "none in this protocol"
        n_good = sum(1 for c in items if c["status"] == good)
        n_unknown = sum(1 for c in items if c["status"] == "unknown")
        n_bad = len(items) - n_good - n_unknown
        text = f"{n_good} of {len(items)} {good_word}"
        if n_bad:
            text += f", {n_bad} {bad_word}"
        if n_unknown:
            text += f", {n_unknown} unknown"
        return text

    return (
        f"Inclusion: {part(inc, 'met', 'met', 'not met')} · "
        f"Exclusion: {part(exc, 'not_met', 'not present', 'present')}"
    )


def tallies(criteria: Sequence[Mapping[str, Any]]) -> str:
    """``Inclusion: 8 of 8 met · Exclusion: 23 of 26 not present, 3 unknown``."""
    inc = [c for c in criteria if c["kind"] == "inclusion"]
    exc = [c for c in criteria if c["kind"] == "exclusion"]
    return _tally_pair(inc, exc)


def verdict_word(c: Mapping[str, Any]) -> str:
    """``met`` / ``not met`` for an inclusion, ``present`` / ``not present`` for an exclusion."""
    if c["status"] == "unknown":
        return "unknown"
    if c["kind"] == "exclusion":
        return "present" if c["status"] == "met" else "not present"
    return "met" if c["status"] == "met" else "not met"


@dataclass(frozen=True)
class Row:
    """One criterion of the checklist, in words."""

    id: str
    kind: str
    status: str  # met / not_met / unknown (the contract's)
    word: str  # what the reader sees (verdict_word)
    good: bool | None  # passes (True), blocks (False), unknown (None)
    reason: str
    evidence: tuple[str, ...]
    to_collect: tuple[str, ...]


def checklist(criteria: Sequence[Mapping[str, Any]], labels: Labels) -> list[Row]:
    from trialkit.wording.evidence import evidence_json_text

    return [
        Row(
            id=c["id"],
            kind=c["kind"],
            status=c["status"],
            word=verdict_word(c),
            good=None if c["status"] == "unknown" else not _blocks(c),
            reason=c["reason"],
            evidence=tuple(evidence_json_text(e, labels) for e in c.get("evidence") or ()),
            to_collect=tuple(c.get("missing") or ()),
        )
        for c in criteria
    ]
