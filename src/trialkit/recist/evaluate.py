"""Evaluate one subject's RECIST 1.1 course: time points, nadir, best overall response."""

from __future__ import annotations

from trialkit.recist.baseline import baseline_issues
from trialkit.recist.best_response import best_overall_response
from trialkit.recist.model import NE, PD, RecistInput, RecistResult, TimePoint
from trialkit.recist.timepoint import (
    non_target_response,
    overall_response,
    percent_change,
    target_response,
)


def evaluate(study: RecistInput) -> RecistResult:
    targets = [lesion for lesion in study.baseline if lesion.target]
    non_targets = [lesion for lesion in study.baseline if not lesion.target]
    issues = baseline_issues(study)
    baseline_sum = sum(t.diameter_mm or 0.0 for t in targets) if targets else None
    nadir = baseline_sum  # the smallest sum so far, baseline included
    timepoints: list[TimePoint] = []
    notes: list[str] = []
    first_equivocal = None
    for a in study.assessments:
        target = non_target = None
        sum_mm = change_baseline = change_nadir = None
        if targets and baseline_sum is not None and nadir is not None:
            reading = target_response(targets, a, baseline_sum, nadir)
            target, sum_mm = reading.response, reading.sum_mm
            change_baseline = percent_change(sum_mm, baseline_sum)
            change_nadir = percent_change(sum_mm, nadir)
        non_target = non_target_response(non_targets, a)
        overall = overall_response(target, non_target, a.new_lesions)
        if a.new_lesions == "equivocal" and first_equivocal is None:
            first_equivocal = a.date
        timepoints.append(
            TimePoint(
                a.date,
                sum_mm,
                change_baseline,
                change_nadir,
                target,
                non_target,
                a.new_lesions,
                overall,
            )
        )
        if sum_mm is not None and nadir is not None:
            nadir = min(nadir, sum_mm)
    reference = study.first_dose or study.baseline_date
    best = best_overall_response(
        timepoints,
        reference=reference,
        confirmation_min_days=study.confirmation_min_days,
        sd_min_days=study.sd_min_days,
        has_targets=bool(targets),
    )
    progression = best.progression_date
    first_pd = next((t for t in timepoints if t.overall == PD), None)
    if (
        first_pd is not None
        and first_pd.new_lesions == "unequivocal"
        and first_equivocal is not None
        and first_equivocal < first_pd.date
    ):
        # RECIST 1.1: an equivocal new lesion confirmed later dates PD from its first appearance.
        progression = first_equivocal
        notes.append(
            f"equivocal new lesion of {first_equivocal} confirmed on {first_pd.date}: "
            f"progression dated {first_equivocal}"
        )
    if any(t.overall == NE for t in timepoints):
        notes.append("some time points are NE (lesions not evaluated)")
    return RecistResult(
        subject=study.subject,
        baseline_sum_mm=baseline_sum,
        baseline_valid=not [i for i in issues if not i.startswith("no target lesion")]
        and bool(targets),
        baseline_issues=tuple(issues),
        timepoints=tuple(timepoints),
        best_overall_response=best.response,
        confirmed=best.confirmed,
        progression_date=progression,
        response_date=best.response_date,
        notes=tuple(notes),
    )
