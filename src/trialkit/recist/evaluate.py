"""Evaluate one subject's RECIST 1.1 course: time points, nadir, best overall response."""

from __future__ import annotations

from dataclasses import replace

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
    confirmed_equivocal = _confirmed_equivocal(timepoints)
    if confirmed_equivocal:
        equivocal = {t.date for t in confirmed_equivocal[:-1]}
        timepoints = [replace(t, overall=PD) if t.date in equivocal else t for t in timepoints]
        first, confirming = min(equivocal), confirmed_equivocal[-1].date
        relabelled = ", ".join(str(d) for d in sorted(equivocal))
        notes.append(
            f"equivocal new lesion of {first} confirmed on {confirming}: "
            f"{'time points' if len(equivocal) > 1 else 'time point'} {relabelled} "
            f"{'are' if len(equivocal) > 1 else 'is'} PD, progression dated {first} "
            "(RECIST 1.1 §4.3.3)"
        )
    reference = study.first_dose or study.baseline_date
    best = best_overall_response(
        timepoints,
        reference=reference,
        confirmation_min_days=study.confirmation_min_days,
        sd_min_days=study.sd_min_days,
        has_targets=bool(targets),
    )
    progression = best.progression_date
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


def _confirmed_equivocal(timepoints: list[TimePoint]) -> list[TimePoint]:
    """The equivocal time points that a later scan confirmed, then the confirming one.

    RECIST 1.1 §4.3.3: "If repeat scans confirm there is definitely a new lesion, then
    progression should be declared using the date of the initial scan"; so the time point
    of the equivocal lesion is PD, and by §4.4.3 nothing from it on counts toward a better
    response. The confirmed lesion is the unbroken run of equivocal scans immediately
    before the first unequivocal one: a scan with no new lesion in between means the
    equivocal finding went away, so a later new lesion is a different one (trialkit's
    reading; the input does not identify new lesions). Empty when nothing was confirmed.
    """
    for i, t in enumerate(timepoints):
        if t.new_lesions != "unequivocal":
            continue
        start = i
        while start > 0 and timepoints[start - 1].new_lesions == "equivocal":
            start -= 1
        return timepoints[start : i + 1] if start < i else []
    return []
