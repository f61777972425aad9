"""Efficacy: best overall response per subject (RECIST 1.1), ORR and DCR with exact
intervals, PFS / OS / duration of response by Kaplan–Meier.

PFS censoring rules (written in docs/analysis.md; FDA 2018 endpoints guidance):
1. no progression and alive: censored at the last adequate assessment (a time
   point that is not NE), or at the first dose when there is none;
2. new anticancer therapy before progression: censored at the last adequate
   assessment before that therapy;
3. progression or death after two or more missed scheduled assessments:
   censored at the last adequate assessment before the gap;
4. death without documented progression is an event.
Times run from the first dose, in months (days / 30.4375).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from trialkit.analysis.binomial import Proportion
from trialkit.analysis.rates import BestResponse, summarise_responses
from trialkit.analysis.survival import KMResult, km
from trialkit.dosing import DosingParameters
from trialkit.dosing.plan import imaging_weeks
from trialkit.recist import RecistResult, evaluate, parse_recist
from trialkit.recist.model import NE
from trialkit.study.model import Study, Subject

DAYS_PER_MONTH = 30.4375
LANDMARK_MONTHS = (6.0, 12.0, 24.0)


@dataclass(frozen=True)
class SubjectResponse:
    subject_id: str
    recist: RecistResult
    best_change_pct: float | None  # best (lowest) % change of the target sum


@dataclass(frozen=True)
class TimeToEvent:
    subject_id: str
    months: float
    event: bool
    rule: str  # which censoring rule or event applied


@dataclass(frozen=True)
class Efficacy:
    responses: tuple[SubjectResponse, ...]
    evaluable: int
    orr: Proportion | None  # None: no evaluable subject
    dcr: Proportion | None
    pfs: tuple[TimeToEvent, ...]
    os: tuple[TimeToEvent, ...]
    dor: tuple[TimeToEvent, ...]
    pfs_km: KMResult | None
    os_km: KMResult | None
    dor_km: KMResult | None


def months(start: date, end: date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def subject_recist(study: Study, subject: Subject) -> RecistResult | None:
    rows = [m for m in study.lesions if m.subject_id == subject.subject_id]
    base = [m for m in rows if m.baseline]
    if not base or subject.first_dose is None:
        return None
    news = {a.date: a.new_lesions for a in study.assessments if a.subject_id == subject.subject_id}
    follow_dates = sorted({m.date for m in rows if not m.baseline} | set(news))
    data = {
        "subject": subject.subject_id,
        "first_dose": subject.first_dose.isoformat(),
        "baseline": {
            "date": base[0].date.isoformat(),
            "lesions": [
                {
                    "id": m.lesion_id,
                    "organ": m.organ,
                    "is_node": m.is_node,
                    "target": m.target,
                    "diameter_mm": m.diameter_mm,
                    "method": m.method,
                    "slice_mm": m.slice_mm,
                }
                for m in base
            ],
        },
        "assessments": [
            {
                "date": when.isoformat(),
                "new_lesions": news.get(when, "none"),
                "lesions": [
                    {
                        "id": m.lesion_id,
                        **(
                            {"diameter_mm": m.diameter_mm}
                            if m.diameter_mm is not None
                            else {"status": m.status}
                        ),
                    }
                    for m in rows
                    if m.date == when and not m.baseline
                ],
            }
            for when in follow_dates
        ],
    }
    return evaluate(parse_recist(data, source=f"{study.source} subject {subject.subject_id}"))


def _scheduled(first_dose: date, params: DosingParameters) -> list[date]:
    return [first_dose + timedelta(weeks=w) for w in imaging_weeks(params, horizon_weeks=520)]


def pfs_for(
    subject: Subject, r: RecistResult, study: Study, params: DosingParameters
) -> TimeToEvent:
    assert subject.first_dose is not None
    start = subject.first_dose
    adequate = [t.date for t in r.timepoints if t.overall != NE]
    therapy = min(
        (t.date for t in study.therapies if t.subject_id == subject.subject_id), default=None
    )
    progression = r.progression_date
    death = subject.death_date
    event_date = min((d for d in (progression, death) if d is not None), default=None)
    if therapy is not None and (event_date is None or therapy < event_date):
        before = [d for d in adequate if d <= therapy]
        last = before[-1] if before else start
        return TimeToEvent(
            subject.subject_id,
            months(start, last),
            False,
            "censored: new anticancer therapy before progression",
        )
    if event_date is None:
        last = adequate[-1] if adequate else start
        return TimeToEvent(
            subject.subject_id,
            months(start, last),
            False,
            "censored: no progression, last adequate assessment",
        )
    before = [d for d in adequate if d < event_date]
    last = before[-1] if before else start
    missed = [
        d
        for d in _scheduled(start, params)
        if last + timedelta(days=7) < d < event_date - timedelta(days=7)
    ]
    if len(missed) >= 2:
        return TimeToEvent(
            subject.subject_id,
            months(start, last),
            False,
            f"censored: event after {len(missed)} missed assessments",
        )
    what = "progression" if event_date == progression else "death without progression"
    return TimeToEvent(subject.subject_id, months(start, event_date), True, f"event: {what}")


def os_for(subject: Subject) -> TimeToEvent:
    assert subject.first_dose is not None
    if subject.death_date is not None:
        return TimeToEvent(
            subject.subject_id, months(subject.first_dose, subject.death_date), True, "event: death"
        )
    last = subject.last_contact or subject.first_dose
    return TimeToEvent(
        subject.subject_id, months(subject.first_dose, last), False, "censored: last contact"
    )


def analyse_efficacy(
    study: Study, params: DosingParameters | None = None, conf_type: str = "log-log"
) -> Efficacy:
    params = params or DosingParameters()
    treated = [s for s in study.subjects if s.first_dose is not None]
    responses: list[SubjectResponse] = []
    pfs: list[TimeToEvent] = []
    dor: list[TimeToEvent] = []
    for s in treated:
        r = subject_recist(study, s)
        if r is None or r.baseline_sum_mm is None:
            continue
        changes = [
            t.change_from_baseline_pct
            for t in r.timepoints
            if t.change_from_baseline_pct is not None
        ]
        responses.append(SubjectResponse(s.subject_id, r, min(changes) if changes else None))
        p = pfs_for(s, r, study, params)
        pfs.append(p)
        if r.confirmed and r.response_date is not None:
            assert s.first_dose is not None
            offset = months(s.first_dose, r.response_date)
            dor.append(TimeToEvent(s.subject_id, max(p.months - offset, 0.0), p.event, p.rule))
    rates = (
        summarise_responses(
            [BestResponse(x.recist.best_overall_response, x.recist.confirmed) for x in responses]
        )
        if responses
        else None
    )
    os_times = [os_for(s) for s in treated]
    return Efficacy(
        responses=tuple(responses),
        evaluable=len(responses),
        orr=rates.orr if rates else None,
        dcr=rates.dcr if rates else None,
        pfs=tuple(pfs),
        os=tuple(os_times),
        dor=tuple(dor),
        pfs_km=_km(pfs, conf_type),
        os_km=_km(os_times, conf_type),
        dor_km=_km(dor, conf_type),
    )


def _km(times: Sequence[TimeToEvent], conf_type: str) -> KMResult | None:
    if not times:
        return None
    return km(
        [t.months for t in times],
        [t.event for t in times],
        conf_type=conf_type,
        landmarks=LANDMARK_MONTHS,
    )
