"""Attrition funnel and near misses from per-patient, per-criterion statuses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from trialkit.protocol.model import Protocol


@dataclass(frozen=True)
class FunnelStep:
    criterion: str
    kind: str
    remaining_before: int
    removed: int  # decided against the patient here, among those still remaining
    unknown: int  # undecided here, among those still remaining
    remaining_after: int


@dataclass(frozen=True)
class Funnel:
    screened: int
    steps: tuple[FunnelStep, ...]
    eligible: int
    incomplete: int
    ineligible: int
    near_misses: tuple[tuple[str, str], ...]  # (pid, the one criterion that blocks)
    blocked_by_one: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "screened": self.screened,
            "eligible": self.eligible,
            "incomplete": self.incomplete,
            "ineligible": self.ineligible,
            "steps": [s.__dict__ for s in self.steps],
            "near_misses": [{"pid": p, "criterion": c} for p, c in self.near_misses],
            "blocked_by_exactly_one": self.blocked_by_one,
        }


def _blocks(kind: str, status: str) -> bool:
    return (kind == "inclusion" and status == "not_met") or (
        kind == "exclusion" and status == "met"
    )


def funnel(statuses: dict[str, dict[str, str]], protocol: Protocol) -> Funnel:
    """In protocol order: how many remain, how many each criterion removes, how many are unknown.
    A patient leaves the funnel at the first criterion that blocks them; unknown ones stay."""
    remaining = set(statuses)
    steps = []
    for c in protocol.criteria:
        removed = {p for p in remaining if _blocks(c.kind, statuses[p][c.id])}
        unknown = sum(1 for p in remaining - removed if statuses[p][c.id] == "unknown")
        steps.append(
            FunnelStep(
                c.id, c.kind, len(remaining), len(removed), unknown, len(remaining) - len(removed)
            )
        )
        remaining -= removed
    near: list[tuple[str, str]] = []
    for pid, row in sorted(statuses.items()):
        blocking = [c.id for c in protocol.criteria if _blocks(c.kind, row[c.id])]
        if len(blocking) == 1:
            near.append((pid, blocking[0]))
    overall = Counter(row["status"] for row in statuses.values())
    return Funnel(
        len(statuses),
        tuple(steps),
        overall["eligible"],
        overall["incomplete"],
        overall["ineligible"],
        tuple(near),
        dict(Counter(c for _, c in near).most_common()),
    )


def funnel_figure(f: Funnel, ax: Any = None) -> Any:
    """CONSORT-style attrition: remaining patients after each criterion (colour-blind-safe)."""
    from trialkit.analysis.figures.style import OKABE_ITO, new_axes

    steps = [s for s in f.steps if s.removed] or list(f.steps[:1])
    ax = new_axes(ax, (7.5, max(3.0, 0.32 * len(steps) + 1.5)))
    labels = ["screened"] + [s.criterion for s in steps]
    counts = [f.screened] + [s.remaining_after for s in steps]
    y = list(range(len(labels)))[::-1]
    ax.barh(y, counts, color=OKABE_ITO["sky"], edgecolor=OKABE_ITO["blue"])
    for yy, s in zip(y[1:], steps, strict=True):
        ax.text(
            s.remaining_after, yy, f"  −{s.removed}  ({s.unknown} unknown)", va="center", fontsize=8
        )
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel("Patients remaining")
    summary = f"{f.screened} screened → {f.eligible} eligible, {f.incomplete} incomplete"
    ax.set_title(f"Attrition funnel: {summary}", loc="left", fontsize=10)
    return ax
