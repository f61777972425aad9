"""Missed and late tumour assessments: the imaging schedule against the scans recorded.

The schedule runs from the first dose (:func:`trialkit.dosing.plan.imaging_weeks`: NETTER-2's
weeks 16, 24, then every 12, clinical-facts §2), each assessment due in a window of
± ``imaging_window_days`` (a named parameter, UNVERIFIED: the record gives no tolerance).
These deviations are derived, never typed: what the schedule asked against what the data
hold, as of ``today`` (passed in — no clock here). Readings where the protocol is silent:

- a scan in a window is that assessment done on time (any further scan there is extra);
- a scan outside every window counts for the assessment whose due date is nearest (a tie:
  the earlier); if that assessment was done on time it is an unscheduled scan (a
  confirmation, a suspected progression), no deviation;
- an assessment is decided only once its window has closed (before ``today``): then the
  nearest out-of-window scan makes it *late* (after the window) or *early* (before it), and
  none makes it *missed* — unless the subject was off study by the day the window closed
  (:class:`~trialkit.conduct.state.SubjectState`: off study on or before that day);
- scans on or before the first dose are the baseline's, not the schedule's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from trialkit.conduct.deviations import Breach
from trialkit.conduct.state import Stage, SubjectState
from trialkit.dosing.parameters import DosingParameters
from trialkit.dosing.plan import imaging_weeks
from trialkit.wording import count, day

Kind = Literal["late", "early", "missed"]


@dataclass(frozen=True)
class AssessmentWindow:
    week: int
    due: date
    earliest: date
    latest: date

    @property
    def span(self) -> str:
        return f"{day(self.earliest)} to {day(self.latest)}"


@dataclass(frozen=True)
class Scan:
    date: date
    source: str  # the record it came from, in words, e.g. "assessment 12"
    record_id: int | None = None  # that record's key, where it has one


@dataclass(frozen=True)
class AssessmentDeviation:
    kind: Kind
    window: AssessmentWindow
    scan: Scan | None  # None: missed
    window_days: int

    @property
    def date(self) -> date:
        """The clinical date: the scan's, or the day the window of a missed one closed."""
        return self.scan.date if self.scan is not None else self.window.latest

    @property
    def days_after_due(self) -> int | None:
        return None if self.scan is None else (self.scan.date - self.window.due).days

    @property
    def message(self) -> str:
        w, what = self.window, f"Week-{self.window.week} tumour assessment"
        rule = f"window ± {count(self.window_days, 'day')}, parameter imaging_window_days"
        if self.scan is None:
            return (
                f"{what} due {day(w.due)} not done: its window ({w.span}) closed and no scan "
                f"is recorded ({rule})"
            )
        done = f"{what} done {day(self.scan.date)} ({self.scan.source})"
        if self.kind == "late":
            return (
                f"{done}, {count((self.scan.date - w.latest).days, 'day')} after its window "
                f"closed ({w.span}; due {day(w.due)}, "
                f"{count((self.scan.date - w.due).days, 'day')} late; {rule})"
            )
        return (
            f"{done}, {count((w.earliest - self.scan.date).days, 'day')} before its window "
            f"opened ({w.span}; due {day(w.due)}, "
            f"{count((w.due - self.scan.date).days, 'day')} early; {rule})"
        )

    @property
    def breach(self) -> Breach:
        return Breach("assessment", f"assessment_{self.kind}", self.message)


def assessment_windows(first_dose: date, params: DosingParameters) -> list[AssessmentWindow]:
    slack = timedelta(days=params.imaging_window_days)
    out = []
    for week in imaging_weeks(params):
        due = first_dose + timedelta(weeks=week)
        out.append(AssessmentWindow(week, due, due - slack, due + slack))
    return out


def _on_study_at(state: SubjectState, when: date) -> bool:
    """Whether the subject was still on study (treatment or follow-up) on ``when``."""
    if state.stage is not Stage.OFF_STUDY:
        return True
    return state.since is not None and state.since > when


def assessment_deviations(
    *,
    first_dose: date | None,
    scans: Sequence[Scan],
    state: SubjectState,
    today: date,
    params: DosingParameters,
) -> list[AssessmentDeviation]:
    """The late, early and missed assessments of one subject as of ``today``, in schedule
    order (none before the first dose)."""
    if first_dose is None:
        return []
    windows = assessment_windows(first_dose, params)
    on_study = [s for s in scans if s.date > first_dose]
    done = {w.week for w in windows if any(w.earliest <= s.date <= w.latest for s in on_study)}
    nearest: dict[int, list[Scan]] = {}
    for s in on_study:
        if any(w.earliest <= s.date <= w.latest for w in windows):
            continue
        w = min(windows, key=lambda w: (abs((s.date - w.due).days), w.due))
        if w.week not in done:
            nearest.setdefault(w.week, []).append(s)
    out: list[AssessmentDeviation] = []
    for w in windows:
        if w.week in done or w.latest >= today:
            continue  # done on time, or its window still open
        candidates = nearest.get(w.week, [])
        if candidates:
            scan = min(candidates, key=lambda s: (abs((s.date - w.due).days), s.date))
            kind: Kind = "late" if scan.date > w.latest else "early"
            out.append(AssessmentDeviation(kind, w, scan, params.imaging_window_days))
        elif _on_study_at(state, w.latest):
            out.append(AssessmentDeviation("missed", w, None, params.imaging_window_days))
    return out
