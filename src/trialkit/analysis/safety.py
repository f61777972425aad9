"""Safety: adverse events by term and worst grade per patient, lab toxicities graded by
CTCAE v5.0, and exposure (cycles, cumulative activity, reductions, delays)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from trialkit.ctcae import TERMS
from trialkit.study.lab_checks import lab_grade
from trialkit.study.model import Study


@dataclass(frozen=True)
class TermCount:
    term: str
    any_grade: int
    grade3plus: int


@dataclass(frozen=True)
class Exposure:
    subject_id: str
    cycles: int
    cumulative_gbq: float
    reductions: int
    delays: int


@dataclass(frozen=True)
class Safety:
    treated: int
    adverse_events: tuple[TermCount, ...]
    lab_toxicities: tuple[TermCount, ...]
    exposure: tuple[Exposure, ...]
    serious: int


def _counts(worst: dict[str, dict[str, int]]) -> tuple[TermCount, ...]:
    rows = [
        TermCount(term, len(per), sum(1 for g in per.values() if g >= 3))
        for term, per in worst.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.grade3plus, -r.any_grade, r.term)))


def analyse_safety(study: Study) -> Safety:
    treated = {s.subject_id for s in study.subjects if s.first_dose is not None}
    ae_worst: dict[str, dict[str, int]] = defaultdict(dict)
    for ae in study.adverse_events:
        if ae.subject_id in treated:
            ae_worst[ae.term][ae.subject_id] = max(
                ae.grade, ae_worst[ae.term].get(ae.subject_id, 0)
            )
    lab_worst: dict[str, dict[str, int]] = defaultdict(dict)
    for lab in study.labs:
        if lab.subject_id not in treated:
            continue
        g = lab_grade(lab)
        if g is not None and g > 0:
            label = TERMS[lab.ctcae_term].label
            lab_worst[label][lab.subject_id] = max(g, lab_worst[label].get(lab.subject_id, 0))
    exposure = []
    for sid in sorted(treated):
        doses = [d for d in study.doses if d.subject_id == sid]
        exposure.append(
            Exposure(
                sid,
                len(doses),
                round(sum(d.activity_gbq for d in doses), 3),
                sum(1 for d in doses if d.reduced),
                sum(1 for d in doses if d.delay_days > 7),
            )
        )
    serious = len(
        {ae.subject_id for ae in study.adverse_events if ae.serious and ae.subject_id in treated}
    )
    return Safety(len(treated), _counts(ae_worst), _counts(lab_worst), tuple(exposure), serious)
