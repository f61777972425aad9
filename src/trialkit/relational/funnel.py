"""Attrition funnel and near misses from per-patient, per-criterion statuses.

In protocol order: how many patients remain before a criterion, how many it
removes (decided against them: an inclusion not met or an exclusion met), how
many of those still remaining it leaves unknown. A patient leaves the funnel at
the first criterion that blocks them; patients with unknowns stay in it (they
are not excluded, only incomplete). A near miss is a patient blocked by exactly
one criterion. Computed with numpy over the result columns: a million patients
take a second.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from trialkit.protocol.model import Protocol

NEAR_MISS_LISTED = 1000  # the JSON lists this many near misses; near_misses.parquet has all


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
    near_misses: tuple[tuple[str, str], ...]  # (patient id, the one criterion that blocks)
    blocked_by_one: dict[str, int]

    def to_json(self, integer_ids: bool = False) -> dict[str, Any]:
        """``integer_ids``: patient ids as JSON integers (OMOP person_id)."""
        typed: Any = int if integer_ids else str
        return {
            "screened": self.screened,
            "eligible": self.eligible,
            "incomplete": self.incomplete,
            "ineligible": self.ineligible,
            "steps": [asdict(s) for s in self.steps],
            "near_misses_total": len(self.near_misses),
            "near_misses": [
                {"patient_id": typed(p), "criterion": c}
                for p, c in self.near_misses[:NEAR_MISS_LISTED]
            ],
            "blocked_by_exactly_one": self.blocked_by_one,
        }


def blocking_matrix(table: pa.Table, protocol: Protocol) -> tuple[np.ndarray, np.ndarray]:
    """(blocks, unknown): patients × criteria booleans from the 1 / 0 / NULL columns."""
    n = table.num_rows
    blocks = np.zeros((n, len(protocol.criteria)), dtype=bool)
    unknown = np.zeros_like(blocks)
    for j, c in enumerate(protocol.criteria):
        codes = table.column(c.id).to_numpy(zero_copy_only=False).astype(float)
        unknown[:, j] = np.isnan(codes)
        blocks[:, j] = codes == (0.0 if c.kind == "inclusion" else 1.0)
    return blocks, unknown


def funnel_of(table: pa.Table, protocol: Protocol) -> Funnel:
    """``table``: pid, status and one 1 / 0 / NULL column per criterion (PopulationResult),
    in patient-id order (screen_population's): near misses keep that order."""
    blocks, unknown = blocking_matrix(table, protocol)
    count = len(protocol.criteria)
    first = np.where(blocks.any(axis=1), blocks.argmax(axis=1), count)
    steps = []
    for j, c in enumerate(protocol.criteria):
        before = int((first >= j).sum())
        removed = int((first == j).sum())
        undecided = int(((first > j) & unknown[:, j]).sum())
        steps.append(FunnelStep(c.id, c.kind, before, removed, undecided, before - removed))
    single = blocks.sum(axis=1) == 1
    pids = table.column("pid").to_numpy(zero_copy_only=False)[single]
    which = np.asarray([c.id for c in protocol.criteria], dtype=object)[
        blocks[single].argmax(axis=1)
    ]
    near = tuple(zip(pids.tolist(), which.tolist(), strict=True))
    overall = Counter(table.column("status").to_pylist())
    return Funnel(
        table.num_rows,
        tuple(steps),
        overall["eligible"],
        overall["incomplete"],
        overall["ineligible"],
        near,
        dict(Counter(which.tolist()).most_common()),
    )


def funnel(statuses: dict[str, dict[str, str]], protocol: Protocol) -> Funnel:
    """The funnel of ``pid → {criterion id or "status": met / not_met / unknown …}``."""
    code = {"met": 1, "not_met": 0, "unknown": None}
    pids = sorted(statuses)
    columns: dict[str, Any] = {"pid": pids, "status": [statuses[p]["status"] for p in pids]}
    for c in protocol.criteria:
        columns[c.id] = pa.array([code[statuses[p][c.id]] for p in pids], pa.int8())
    return funnel_of(pa.table(columns), protocol)


def funnel_figure(f: Funnel, ax: Any = None) -> Any:
    """CONSORT-style attrition (re-exported from ``relational.funnel_figure``)."""
    from trialkit.relational.funnel_figure import attrition_figure

    return attrition_figure(f, ax)
