"""The missed and late tumour assessments of every subject, derived from the stored data.

The rule is :mod:`trialkit.conduct.assessments`' (pure, ``today`` passed in); this is the
one place the deviation log, the dashboard's counts, the CSV export (deviations.csv, hence
the report built from it) and the CDISC export read those deviations from. They are never
stored: recomputed from the first dose, the scans and the subject's state each time, so a
late scan entered afterwards turns a "missed" into a "late" by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.conduct.assessments import AssessmentDeviation, Scan, assessment_deviations
from trialkit.conduct.deviations import CATEGORY_LABELS
from trialkit.dosing import DosingParameters
from trialkit.services.study.dosing import live_doses
from trialkit.services.study.subjects import conduct_state
from trialkit.services.study.views import DeviationView
from trialkit.store import models as m
from trialkit.study import model as sm

# who "recorded" a derived deviation, and why: nobody decided it
DERIVED_BY = "trialkit"
DERIVED_ROLE = "derived from the imaging schedule"
DERIVED_REASON = (
    "derived from the imaging schedule and the scans recorded (no investigator decision)"
)


def derived_assessment_deviations(
    session: Session, today: date, params: DosingParameters
) -> Iterator[tuple[m.Subject, AssessmentDeviation]]:
    """Each subject's late, early and missed assessments as of ``today``."""
    subjects = session.scalars(
        select(m.Subject).where(m.Subject.deleted_at.is_(None)).order_by(m.Subject.id)
    )
    for s in subjects:
        rows = session.scalars(
            select(m.Assessment)
            .where(
                m.Assessment.subject_id == s.id,
                m.Assessment.deleted_at.is_(None),
                m.Assessment.baseline.is_(False),
            )
            .order_by(m.Assessment.on, m.Assessment.id)
        )
        scans = [Scan(a.on, f"assessment {a.id}", a.id) for a in rows]
        doses = live_doses(session, s)
        # the schedule runs from the first dose given (Subject.first_dose may be the plan)
        given = next((d.given_on for d in doses if d.cycle == 1), None)
        found = assessment_deviations(
            first_dose=given,
            scans=scans,
            state=conduct_state(s, doses),
            today=today,
            params=params,
        )
        for d in found:
            yield s, d


def derived_views(
    session: Session, today: date, params: DosingParameters, now: datetime
) -> list[DeviationView]:
    """The derived deviations as the deviation log shows them (no id: nothing is stored)."""
    screenings = {x.id: x.screening_number for x in session.scalars(select(m.Screening))}
    return [
        DeviationView(
            id=None,
            category="assessment",
            category_label=CATEGORY_LABELS["assessment"],
            rule=d.breach.rule,
            criterion=None,
            description=d.message,
            reason=DERIVED_REASON,
            screening_record_id=s.screening_id,
            screening_id=screenings.get(s.screening_id),
            subject_record_id=s.id,
            subject_id=s.subject_number,
            record_kind="assessment" if d.scan is not None else "subject",
            record_id=d.scan.record_id if d.scan is not None else s.id,
            deviation_date=d.date.isoformat(),
            recorded_by=DERIVED_BY,
            role=DERIVED_ROLE,
            recorded_at=now.isoformat(),
            derived=True,
        )
        for s, d in derived_assessment_deviations(session, today, params)
    ]


def derived_rows(
    session: Session, today: date, params: DosingParameters, screening_numbers: dict[int, str]
) -> list[sm.DeviationRow]:
    """The derived deviations as rows of deviations.csv (the export and the report)."""
    return [
        sm.DeviationRow(
            s.subject_number,
            d.date,
            "assessment",
            d.breach.rule,
            "",
            d.message,
            DERIVED_REASON,
            DERIVED_BY,
            screening_id=screening_numbers.get(s.screening_id, ""),
        )
        for s, d in derived_assessment_deviations(session, today, params)
    ]
