"""Protocol deviations: written with the action that deviates, read by the monitor.

:func:`record_deviation` runs inside the caller's transaction (the waiver is part of
the sign-off, the override part of the dose) and audits the new row with it; the
rules that decide *that* something deviates are :mod:`trialkit.conduct`'s.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.conduct import Breach
from trialkit.conduct.deviations import CATEGORIES, CATEGORY_LABELS
from trialkit.errors import InputError
from trialkit.services.study.core import StudyCore
from trialkit.services.study.views import DeviationView
from trialkit.store import audit
from trialkit.store import models as m
from trialkit.store.permissions import Actor, require


def record_deviation(
    session: Session,
    actor: Actor,
    breach: Breach,
    reason: str,
    *,
    record_kind: str,
    record_id: int,
    occurred_on: date,
    now: datetime,
    screening_id: int | None = None,
    subject_id: int | None = None,
) -> m.Deviation:
    d = m.Deviation(
        category=breach.category,
        rule=breach.rule,
        criterion=breach.criterion,
        description=breach.message,
        reason=reason.strip(),
        screening_id=screening_id,
        subject_id=subject_id,
        record_kind=record_kind,
        record_id=record_id,
        occurred_on=occurred_on,
        recorded_by=actor.user_id,
        username=actor.username,
        role=actor.role,
        recorded_at=now,
    )
    session.add(d)
    audit.created(session, actor, d, now=now, reason=reason.strip())
    return d


def deviation_view(session: Session, d: m.Deviation) -> DeviationView:
    screening = session.get(m.Screening, d.screening_id) if d.screening_id else None
    subject = session.get(m.Subject, d.subject_id) if d.subject_id else None
    return DeviationView(
        id=d.id,
        category=d.category,
        category_label=CATEGORY_LABELS.get(d.category, d.category),
        rule=d.rule,
        criterion=d.criterion,
        description=d.description,
        reason=d.reason,
        screening_record_id=d.screening_id,
        screening_id=screening.screening_number if screening else None,
        subject_record_id=d.subject_id,
        subject_id=subject.subject_number if subject else None,
        record_kind=d.record_kind,
        record_id=d.record_id,
        deviation_date=d.occurred_on.isoformat(),
        recorded_by=d.username,
        role=d.role,
        recorded_at=d.recorded_at.isoformat(),
    )


def deviations_of(
    session: Session,
    *,
    screening_id: int | None = None,
    subject_id: int | None = None,
    record: tuple[str, int] | None = None,
) -> list[m.Deviation]:
    q = select(m.Deviation).where(m.Deviation.deleted_at.is_(None)).order_by(m.Deviation.id)
    if screening_id is not None:
        q = q.where(m.Deviation.screening_id == screening_id)
    if subject_id is not None:
        q = q.where(m.Deviation.subject_id == subject_id)
    if record is not None:
        q = q.where(m.Deviation.record_kind == record[0], m.Deviation.record_id == record[1])
    return list(session.scalars(q))


class DeviationCases(StudyCore):
    """The deviation log: every waiver and override, for the monitor and the report."""

    def list_deviations(
        self,
        actor: Actor,
        *,
        category: str | None = None,
        subject_id: int | None = None,
        screening_id: int | None = None,
    ) -> list[DeviationView]:
        """Deviations: the recorded ones oldest first, then the derived missed or late
        assessments as of today (:mod:`trialkit.services.study.assessments`); filter by
        category, subject or screening."""
        require(actor, "read")
        if category is not None and category not in CATEGORIES:
            raise InputError(f"category: expected one of {', '.join(CATEGORIES)}", field="category")
        from trialkit.services.study.assessments import derived_views

        now = self._clock()
        with self.store.session() as session:
            rows = deviations_of(session, screening_id=screening_id, subject_id=subject_id)
            views = [deviation_view(session, d) for d in rows]
            views += [
                v
                for v in derived_views(session, self.site_today(now), self.dosing, now)
                if (subject_id is None or v.subject_record_id == subject_id)
                and (screening_id is None or v.screening_record_id == screening_id)
            ]
            return [v for v in views if category is None or v.category == category]
