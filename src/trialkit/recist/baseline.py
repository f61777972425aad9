"""Baseline validation (RECIST 1.1, Eisenhauer 2009; clinical-facts §4): reported, never fixed."""

from __future__ import annotations

from collections import Counter

from trialkit.recist.model import RecistInput

MAX_TARGETS = 5
MAX_PER_ORGAN = 2
BASELINE_WINDOW_DAYS = 28  # "baseline scan ≤ 4 weeks before treatment"


def organ_key(organ: str, is_node: bool) -> str:
    """All lymph nodes count as one organ."""
    return "lymph node" if is_node else organ.strip().lower()


def measurable_minimum(method: str | None, slice_mm: float | None) -> float | None:
    """Smallest measurable longest diameter for a non-nodal lesion, or None if unknown."""
    if method in ("CT", "MRI"):
        if slice_mm is None:
            return None
        return max(10.0, 2 * slice_mm)  # ≥10 mm with slice ≤5 mm, else twice the slice
    if method == "caliper":
        return 10.0
    if method == "X-ray":
        return 20.0
    return None


def baseline_issues(study: RecistInput) -> list[str]:
    issues: list[str] = []
    targets = [lesion for lesion in study.baseline if lesion.target]
    if not targets:
        issues.append("no target lesion at baseline (non-target-only assessment)")
    if len(targets) > MAX_TARGETS:
        issues.append(f"{len(targets)} target lesions; RECIST 1.1 allows at most {MAX_TARGETS}")
    per_organ = Counter(organ_key(t.organ, t.is_node) for t in targets)
    for organ, count in sorted(per_organ.items()):
        if count > MAX_PER_ORGAN:
            issues.append(f"{count} target lesions in {organ}; at most {MAX_PER_ORGAN} per organ")
    for t in targets:
        if t.diameter_mm is None:
            issues.append(f"target {t.id}: no baseline diameter")
            continue
        if t.previously_irradiated:
            issues.append(f"target {t.id}: previously irradiated lesions are not measurable")
        if t.is_node:
            if t.diameter_mm < 15:
                issues.append(f"target {t.id}: node short axis {t.diameter_mm:g} mm < 15 mm")
            continue
        minimum = measurable_minimum(t.method, t.slice_mm)
        if minimum is None:
            issues.append(
                f"target {t.id}: method/slice thickness not recorded; measurability unknown"
            )
        elif t.diameter_mm < minimum:
            issues.append(
                f"target {t.id}: {t.diameter_mm:g} mm < {minimum:g} mm minimum for {t.method}"
                + (f" with {t.slice_mm:g} mm slices" if t.slice_mm else "")
            )
    if study.first_dose is not None:
        gap = (study.first_dose - study.baseline_date).days
        if gap < 0:
            issues.append(
                f"baseline {study.baseline_date} is after the first dose {study.first_dose}"
            )
        elif gap > BASELINE_WINDOW_DAYS:
            issues.append(
                f"baseline {study.baseline_date} is {gap} days before the first dose "
                f"(at most {BASELINE_WINDOW_DAYS})"
            )
    return issues
