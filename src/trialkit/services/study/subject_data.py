"""Subject and study data use cases: the subject record, dose check, doses, labs, scans, AEs.

Responses are :func:`trialkit.recist.evaluate`, grades :func:`trialkit.ctcae.grade`, the
dose check :func:`trialkit.dosing.check_dose` (through :mod:`subjects` and
:mod:`data`); edits and soft deletes are versioned and audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.conduct.dates import not_future, resolved_after_onset
from trialkit.conduct.deviations import refusal
from trialkit.conduct.dosing import dose_breaches
from trialkit.errors import InputError, ProtocolRefusal
from trialkit.services.study.common import (
    check_version,
    live,
    live_kind,
    need_date,
    need_number,
    need_reason,
)
from trialkit.services.study.core import StudyCore
from trialkit.services.study.data import (
    add_assessment,
    add_dose,
    add_lab,
    ae_grade,
    apply_changes,
    check_causality,
)
from trialkit.services.study.deviations import record_deviation
from trialkit.services.study.dosing import default_check_date, dose_check_at, live_doses
from trialkit.services.study.subjects import (
    ae_term,
    ae_view,
    assessment_view,
    conduct_state,
    dose_view,
    lab_view,
    recist_course,
    subject_view,
)
from trialkit.services.study.views import (
    AEView,
    AssessmentView,
    DoseCheckView,
    DoseView,
    LabView,
    SubjectView,
)
from trialkit.store import audit
from trialkit.store import models as m
from trialkit.store.permissions import PERMISSIONS, Actor, require


class SubjectCases(StudyCore):
    """Enrolled subjects and everything recorded about them."""

    def list_subjects(self, actor: Actor) -> list[SubjectView]:
        require(actor, "read")
        with self.store.session() as session:
            rows = session.scalars(
                select(m.Subject).where(m.Subject.deleted_at.is_(None)).order_by(m.Subject.id)
            )
            return [subject_view(session, s, self.site_today(), self.regimen_params) for s in rows]

    def get_subject(self, actor: Actor, subject_id: int) -> SubjectView:
        """Everything about one subject: dosing calendar with next due dates (dosing.make_plan),
        doses, labs with CTCAE grades, baseline lesions (from the screening CRF), assessments
        with the RECIST 1.1 course (recist.evaluate), AEs, open queries."""
        require(actor, "read")
        with self.store.session() as session:
            s = live(session, m.Subject, subject_id, "subject")
            return subject_view(session, s, self.site_today(), self.regimen_params)

    def dose_check(
        self, actor: Actor, subject_id: int, cycle: int, *, check_date: date | None = None
    ) -> DoseCheckView:
        """The pre-cycle dose check (dosing.check_dose) as of ``check_date`` — default the
        cycle's planned date, or today once that has passed — over the subject's labs dated
        after the previous cycle's dose (:func:`.dosing.dose_check_at`)."""
        require(actor, "read")
        params = self.dosing
        with self.store.session() as session:
            s = live(session, m.Subject, subject_id, "subject")
            if not 1 <= cycle <= params.cycles:
                raise InputError(f"cycle must be 1–{params.cycles}, got {cycle}", field="cycle")
            when = check_date or default_check_date(s, cycle, self.site_today(), params)
            return dose_check_at(session, s, cycle, when, params)

    def record_dose(
        self,
        actor: Actor,
        subject_id: int,
        *,
        cycle: int,
        dose_date: date,
        activity_gbq: float,
        calibration_time: datetime | None = None,
        note: str = "",
        deviation_reason: str = "",
    ) -> DoseView:
        """Record a dose given: the cycle due (cycles in order, once each), on a date not after
        today, checked against the dose check as of ``dose_date`` and the cycle's window
        (:func:`trialkit.conduct.dosing.dose_breaches`). A dose the protocol does not allow is
        refused (:class:`ProtocolRefusal` naming the rule), unless an investigator records it
        with a ``deviation_reason``: each breach is then stored as a deviation. The first dose
        sets the subject's first-dose date (and so the calendar)."""
        require(actor, "enter_data")
        params = self.dosing
        with self._tx() as (session, now):
            s = self._on_study(session, subject_id)
            day = not_future(need_date(dose_date, "dose_date"), "dose_date", self.site_today(now))
            doses = live_doses(session, s)
            conduct_state(s, doses).require_dose(cycle)
            activity = need_number(activity_gbq, "activity_gbq", minimum=0.0)
            check = dose_check_at(session, s, cycle, day, params, doses=doses)
            breaches = dose_breaches(
                cycle=cycle,
                given_on=day,
                activity_gbq=activity,
                first_dose=s.first_dose if cycle > 1 else day,
                decision=check.decision,
                params=params,
            )
            if breaches and not deviation_reason.strip():
                raise refusal(
                    breaches,
                    can_deviate=actor.role in PERMISSIONS["deviate"],
                    field="activity_gbq"
                    if breaches[0].rule == "dose_activity_exceeds"
                    else "dose_date",
                )
            if breaches:
                require(actor, "deviate")
            d = add_dose(
                session,
                actor,
                s,
                cycle=cycle,
                given_on=day,
                activity_gbq=activity,
                calibration_time=calibration_time,
                note=note,
                now=now,
                params=params,
            )
            for breach in breaches:
                record_deviation(
                    session,
                    actor,
                    breach,
                    deviation_reason,
                    record_kind="dose",
                    record_id=d.id,
                    occurred_on=day,
                    now=now,
                    screening_id=s.screening_id,
                    subject_id=s.id,
                )
            return dose_view(d)

    def record_lab(
        self,
        actor: Actor,
        subject_id: int,
        *,
        analyte: str,
        value: float,
        unit: str,
        lab_date: date,
        uln: float | None = None,
        lln: float | None = None,
    ) -> LabView:
        """Record a lab result (a pre-dose lab of the regimen, its labs:); graded with CTCAE v5.
        A protocol without a regimen has no pre-dose labs: NoRegimen (422)."""
        require(actor, "enter_data")
        self.require_regimen()
        with self._tx() as (session, now):
            s = self._on_study(session, subject_id)
            self._open(session, s, lab_date, "the lab", "lab_date")
            lab = add_lab(
                session,
                actor,
                s,
                key=analyte,
                value=value,
                unit=unit,
                on=not_future(
                    need_date(lab_date, "lab_date"), "lab_date", self.site_today(now), "lab date"
                ),
                uln=uln,
                lln=lln,
                now=now,
            )
            return lab_view(lab)

    def record_assessment(
        self,
        actor: Actor,
        subject_id: int,
        *,
        assessment_date: date,
        lesions: Sequence[Mapping[str, Any]],
        new_lesions: str = "none",
    ) -> AssessmentView:
        """Record a follow-up scan: ``lesions`` = ``[{"id": "L1", "diameter_mm": 12.0,
        "status": None}, …]`` for the baseline lesions (ids from the screening CRF). The returned
        view carries the RECIST 1.1 time-point response."""
        require(actor, "enter_data")
        with self._tx() as (session, now):
            s = self._on_study(session, subject_id)
            self._open(session, s, assessment_date, "the scan", "assessment_date")
            a = add_assessment(
                session,
                actor,
                s,
                on=not_future(
                    need_date(assessment_date, "assessment_date"),
                    "assessment_date",
                    self.site_today(now),
                    "scan date",
                ),
                lesions=lesions,
                new_lesions=new_lesions,
                now=now,
            )
            _, follow, result = recist_course(session, s)
            index = next(i for i, x in enumerate(follow) if x.id == a.id)
            return assessment_view(session, a, result, index)

    def record_ae(
        self,
        actor: Actor,
        subject_id: int,
        *,
        term: str,
        onset_date: date,
        grade: int | None = None,
        lab_value: float | None = None,
        lab_unit: str | None = None,
        uln: float | None = None,
        lln: float | None = None,
        causality: str | None = None,
        serious: bool = False,
        resolved_date: date | None = None,
        description: str = "",
    ) -> AEView:
        """Record an adverse event. With ``lab_value`` and a CTCAE lab term the grade is computed
        (ctcae.grade; an entered ``grade`` that disagrees → InputError); otherwise ``grade``
        (1–5) is required. ``causality`` may only be set by an investigator."""
        require(actor, "enter_data")
        check_causality(actor, causality)
        if not term or not term.strip():
            raise InputError("the AE term is required", field="term")
        g, rule = ae_grade(term, grade, lab_value, lab_unit, uln, lln)
        with self._tx() as (session, now):
            s = self._on_study(session, subject_id)
            today = self.site_today(now)
            onset = not_future(need_date(onset_date, "onset_date"), "onset_date", today, "AE onset")
            end = need_date(resolved_date, "resolved_date") if resolved_date else None
            if end is not None:
                not_future(end, "resolved_date", today, "AE resolution")
            resolved_after_onset(onset, end, field="resolved_date")
            self._open(session, s, onset, "the AE onset", "onset_date")
            ae = m.AdverseEvent(
                subject_id=s.id,
                term=ae_term(term),
                onset=onset,
                resolved=end,
                grade=g,
                grade_rule=rule,
                lab_value=lab_value,
                lab_unit=lab_unit,
                uln=uln,
                lln=lln,
                serious=bool(serious),
                causality=causality,
                description=description,
            )
            session.add(ae)
            audit.created(session, actor, ae, now=now)
            return ae_view(ae)

    def update_record(
        self,
        actor: Actor,
        kind: str,
        record_id: int,
        changes: Mapping[str, Any],
        *,
        version: int,
        reason: str,
    ) -> Any:
        """Edit fields of a dose, lab, assessment, adverse_event or subject (``reason`` required;
        old → new audited). Returns the record's fresh view. Stale version → Conflict."""
        require(actor, "enter_data")
        reason = need_reason(reason)
        if kind in ("screening", "query"):
            raise InputError(f"use update_crf / answer_query for a {kind}", field="kind")
        with self._tx() as (session, now):
            row = live_kind(session, kind, record_id)
            check_version(row, version, kind)
            before = audit.snapshot(row)
            today, params = self.site_today(now), self.regimen_params
            apply_changes(session, actor, kind, row, changes, now, reason, today, params)
            if isinstance(row, m.Dose) and {"dose_date", "activity_gbq"} & set(changes):
                self._recheck_dose(session, row)
            audit.changed(session, actor, row, before, "update", reason, now=now)
            return self._view(session, kind, row)

    def _recheck_dose(self, session: Session, dose: m.Dose) -> None:
        """A corrected dose date or activity meets the same rules as a new dose: a correction
        that breaks one is refused (delete the dose and record it again, as a deviation)."""
        params = self.dosing
        s = session.get(m.Subject, dose.subject_id)
        assert s is not None
        check = dose_check_at(session, s, dose.cycle, dose.given_on, params)
        breaches = dose_breaches(
            cycle=dose.cycle,
            given_on=dose.given_on,
            activity_gbq=dose.activity_gbq,
            first_dose=s.first_dose if dose.cycle > 1 else dose.given_on,
            decision=check.decision,
            params=params,
        )
        if breaches:
            raise ProtocolRefusal(
                "correction refused: "
                + "; ".join(b.message for b in breaches)
                + ". Delete the dose and record it again (an investigator may record it as "
                "a protocol deviation with a reason)",
                rule=breaches[0].rule,
            )

    def delete_record(
        self, actor: Actor, kind: str, record_id: int, *, version: int, reason: str
    ) -> None:
        """Soft delete (``deleted_at`` set, never a physical DELETE); reason required."""
        reason = need_reason(reason)
        require(actor, "screen" if kind == "screening" else "enter_data")
        with self._tx() as (session, now):
            row = live_kind(session, kind, record_id)
            check_version(row, version, kind)
            if kind == "subject" or (
                kind == "screening" and getattr(row, "outcome", "") == "enrolled"
            ):
                raise InputError(f"an enrolled {kind} is never deleted; record an off-study reason")
            before = audit.snapshot(row)
            row.deleted_at = now  # type: ignore[attr-defined]
            audit.changed(session, actor, row, before, "delete", reason, now=now)

    @staticmethod
    def _on_study(session: Session, subject_id: int) -> m.Subject:
        return live(session, m.Subject, subject_id, "subject")

    @staticmethod
    def _open(session: Session, s: m.Subject, on: Any, what: str, field: str) -> None:
        """An event dated after the subject went off study is refused (conduct state)."""
        day = need_date(on, field)
        conduct_state(s, live_doses(session, s)).require_on_study(day, what, field)

    def _view(self, session: Session, kind: str, row: Any) -> Any:
        if kind == "subject":
            return subject_view(session, row, self.site_today(), self.regimen_params)
        if kind == "dose":
            return dose_view(row)
        if kind == "lab":
            return lab_view(row)
        if kind == "adverse_event":
            return ae_view(row)
        subject = session.get(m.Subject, row.subject_id)
        _, follow, result = recist_course(session, subject)  # type: ignore[arg-type]
        index = next((i for i, x in enumerate(follow) if x.id == row.id), None)
        return assessment_view(session, row, result, index)
