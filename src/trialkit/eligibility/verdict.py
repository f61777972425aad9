"""Three-valued verdicts (Kleene logic) and the evidence that backs them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Whether a criterion's statement is true of the patient."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    @property
    def decided(self) -> bool:
        return self is not Status.UNKNOWN

    def negate(self) -> Status:
        return {Status.MET: Status.NOT_MET, Status.NOT_MET: Status.MET}.get(self, Status.UNKNOWN)


@dataclass(frozen=True)
class Evidence:
    """One datum a verdict used or looked at.

    ``role`` says how: ``decided`` (it decided), ``context`` (looked at, did not
    decide: older, other source), ``conflict`` (one side of a CRF/EHR
    disagreement), ``excluded`` (not usable: status, unit, date; ``note`` says why).
    """

    source: str
    element: str
    value: float | int | str | bool | None = None
    unit: str | None = None
    time: str | None = None
    original: str | None = None
    role: str = "decided"
    reference_range: str | None = None
    uln: float | None = None
    uln_source: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "element": self.element,
            "value": self.value,
            "unit": self.unit,
            "time": self.time,
            "original": self.original,
            "role": self.role,
        }
        for key in ("reference_range", "uln", "uln_source", "note"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()

    @staticmethod
    def met(reason: str, *evidence: Evidence) -> Verdict:
        return Verdict(Status.MET, reason, evidence)

    @staticmethod
    def not_met(reason: str, *evidence: Evidence) -> Verdict:
        return Verdict(Status.NOT_MET, reason, evidence)

    @staticmethod
    def unknown(
        reason: str, missing: tuple[str, ...] | list[str] = (), *evidence: Evidence
    ) -> Verdict:
        return Verdict(Status.UNKNOWN, reason, evidence, tuple(missing))


def unique(items: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _said(verdicts: list[Verdict]) -> str:
    """The reasons of several verdicts, each sentence once (two rules may read one answer)."""
    return " ".join(dict.fromkeys(v.reason for v in verdicts))


def merged(*groups: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """The evidence of several verdicts, each datum once (the first role it was given wins)."""
    seen: dict[tuple[str, str, str | None], Evidence] = {}
    for group in groups:
        for e in group:
            seen.setdefault((e.source, e.element, e.time), e)
    return tuple(seen.values())


def all_of(verdicts: list[Verdict]) -> Verdict:
    """Kleene AND: any not met → not met; all met → met; otherwise unknown."""
    failing = [v for v in verdicts if v.status is Status.NOT_MET]
    if failing:
        return Verdict(
            Status.NOT_MET,
            _said(failing),
            merged(*(v.evidence for v in failing)),
        )
    return _combine(verdicts, Status.MET if all(v.status is Status.MET for v in verdicts) else None)


def any_of(verdicts: list[Verdict]) -> Verdict:
    """Kleene OR: any met → met; all not met → not met; otherwise unknown."""
    passing = [v for v in verdicts if v.status is Status.MET]
    if passing:
        return Verdict(
            Status.MET,
            _said(passing),
            merged(*(v.evidence for v in passing)),
        )
    return _combine(
        verdicts, Status.NOT_MET if all(v.status is Status.NOT_MET for v in verdicts) else None
    )


def _combine(verdicts: list[Verdict], status: Status | None) -> Verdict:
    if status is not None:
        return Verdict(
            status,
            _said(verdicts),
            merged(*(v.evidence for v in verdicts)),
        )
    undecided = [v for v in verdicts if v.status is Status.UNKNOWN]
    return Verdict(
        Status.UNKNOWN,
        _said(undecided),
        merged(*(v.evidence for v in verdicts)),
        unique([m for v in undecided for m in v.missing]),
    )


def negate(verdict: Verdict) -> Verdict:
    return Verdict(verdict.status.negate(), verdict.reason, verdict.evidence, verdict.missing)
