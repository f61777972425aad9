"""The subject's conduct transitions after dosing: end of treatment, follow-up, off study.

Each asks the subject's state (:mod:`trialkit.conduct.state`) first, refuses what the
protocol does not allow (:class:`ProtocolRefusal` naming the rule), writes the subject's
dated, reasoned transition and audits it in the same transaction. Nothing else writes
these fields (they are not editable through ``update_record``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from trialkit.conduct.dates import not_future
from trialkit.conduct.reasons import OFF_STUDY_PREFIX
from trialkit.errors import InputError, ProtocolRefusal
from trialkit.services.study.common import check_version, live, need_date, need_reason
from trialkit.services.study.core import StudyCore
from trialkit.services.study.data import baseline_of
from trialkit.services.study.dosing import live_doses
from trialkit.services.study.screening import baseline_lesions, screen_stored
from trialkit.services.study.subjects import conduct_state, subject_view
from trialkit.services.study.views import SubjectView
from trialkit.store import audit
from trialkit.store import models as m
from trialkit.store.permissions import Actor, require


def _not_before(day: date, floor: date | None, what: str, field: str) -> None:
    if floor is not None and day < floor:
        raise ProtocolRefusal(
            f"the {field.replace('_', ' ')} {day} is before {what} ({floor})",
            rule="date_before_previous_stage",
            field=field,
        )


def baseline_scan_day(value: Any, today: date) -> date:
    day = need_date(value, "baseline_scan_date")
    return not_future(day, "baseline_scan_date", today, "baseline scan date")


def add_baseline_scan(
    session: Session,
    actor: Actor,
    subject: m.Subject,
    lesions: Sequence[Mapping[str, Any]],
    on: date,
    now: datetime,
) -> m.Assessment:
    """The baseline tumour assessment: the screening CRF's lesions, dated by the scan."""
    scan = m.Assessment(subject_id=subject.id, on=on, baseline=True, new_lesions="none")
    session.add(scan)
    audit.created(session, actor, scan, now=now, reason="baseline from screening CRF")
    for lesion in lesions:
        x = m.LesionMeasurement(assessment_id=scan.id, status=None, **lesion)
        session.add(x)
        audit.created(session, actor, x, now=now, reason="baseline from screening CRF")
    return scan


class SubjectConduct(StudyCore):
    """Treatment end, follow-up and off study: the stages after the cycles."""

    def end_treatment(
        self, actor: Actor, subject_id: int, *, treatment_end_date: date, reason: str, version: int
    ) -> SubjectView:
        """End the treatment early (before every cycle is given) on ``treatment_end_date`` with the
        reason (toxicity, progression, the patient's decision …). Refused unless the subject
        is on treatment; after the last cycle the treatment has ended by itself."""
        require(actor, "enter_data")
        reason = need_reason(reason)
        with self._tx() as (session, now):
            s = live(session, m.Subject, subject_id, "subject")
            check_version(s, version, "subject")
            doses = live_doses(session, s)
            conduct_state(s, doses).require_end_treatment()
            day = not_future(
                need_date(treatment_end_date, "treatment_end_date"),
                "treatment_end_date",
                self.site_today(now),
            )
            last = max((d.given_on for d in doses), default=None)
            _not_before(
                day,
                last or s.enrolled_on,
                "the last dose" if last else "enrolment",
                "treatment_end_date",
            )
            before = audit.snapshot(s)
            s.treatment_end_date, s.treatment_end_reason = day, reason
            audit.changed(
                session, actor, s, before, "update", f"treatment ended: {reason}", now=now
            )
            return subject_view(session, s, self.site_today(), self.regimen_params)

    def start_follow_up(
        self, actor: Actor, subject_id: int, *, follow_up_date: date, version: int
    ) -> SubjectView:
        """Start follow-up on ``follow_up_date``: only once the subject is off treatment."""
        require(actor, "enter_data")
        with self._tx() as (session, now):
            s = live(session, m.Subject, subject_id, "subject")
            check_version(s, version, "subject")
            doses = live_doses(session, s)
            state = conduct_state(s, doses)
            state.require_follow_up()
            day = not_future(
                need_date(follow_up_date, "follow_up_date"), "follow_up_date", self.site_today(now)
            )
            last = s.treatment_end_date or max((d.given_on for d in doses), default=None)
            _not_before(day, last, "the end of treatment", "follow_up_date")
            before = audit.snapshot(s)
            s.status, s.follow_up_date = "follow_up", day
            audit.changed(session, actor, s, before, "update", "follow-up started", now=now)
            return subject_view(session, s, self.site_today(), self.regimen_params)

    def take_off_study(
        self, actor: Actor, subject_id: int, *, off_study_date: date, reason: str, version: int
    ) -> SubjectView:
        """Take the subject off study on ``off_study_date`` with the reason (from any stage but off
        study; a subject still on treatment ends it the same day, for the same reason)."""
        require(actor, "enter_data")
        reason = need_reason(reason)
        with self._tx() as (session, now):
            s = live(session, m.Subject, subject_id, "subject")
            check_version(s, version, "subject")
            doses = live_doses(session, s)
            conduct_state(s, doses).require_off_study()
            day = not_future(
                need_date(off_study_date, "off_study_date"), "off_study_date", self.site_today(now)
            )
            floor = s.follow_up_date or s.treatment_end_date
            floor = floor or max((d.given_on for d in doses), default=s.enrolled_on)
            _not_before(day, floor, "the subject's last recorded stage", "off_study_date")
            before = audit.snapshot(s)
            if s.treatment_end_date is None and len(doses) < self.dosing.cycles:
                s.treatment_end_date, s.treatment_end_reason = day, f"{OFF_STUDY_PREFIX}{reason}"
            s.status, s.off_study_date, s.off_study_reason = "off_study", day, reason
            audit.changed(session, actor, s, before, "update", f"off study: {reason}", now=now)
            return subject_view(session, s, self.site_today(), self.regimen_params)

    def record_baseline_scan(
        self, actor: Actor, subject_id: int, *, baseline_scan_date: date, version: int
    ) -> SubjectView:
        """Record the date of the baseline scan whose lesions the screening CRF holds (when
        enrolment had none): the baseline tumour assessment is created with that date."""
        require(actor, "enter_data")
        with self._tx() as (session, now):
            s = live(session, m.Subject, subject_id, "subject")
            check_version(s, version, "subject")
            if baseline_of(session, s) is not None:
                raise InputError(
                    "the baseline scan is recorded; correct its date on the scan itself",
                    field="baseline_scan_date",
                )
            day = baseline_scan_day(baseline_scan_date, self.site_today(now))
            screening = session.get(m.Screening, s.screening_id)
            assert screening is not None
            screened = screen_stored(
                self.protocol,
                screening.bundle,
                screening.crf,
                as_of=screening.as_of,
                first_dose=None,
                overrides={str(k): str(v) for k, v in screening.overrides.items()},
                authored=now,
                label=f"screening {screening.screening_number}",
            )
            lesions = baseline_lesions(screened)
            if not lesions:
                raise InputError(
                    "the screening CRF has no baseline lesions", field="baseline_scan_date"
                )
            before = audit.snapshot(s)
            s.baseline_date = day
            audit.changed(session, actor, s, before, "update", "baseline scan date", now=now)
            add_baseline_scan(session, actor, s, lesions, day, now)
            return subject_view(session, s, self.site_today(), self.regimen_params)
