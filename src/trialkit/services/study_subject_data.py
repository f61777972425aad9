"""Subject and study data use cases: the subject record, dose check, doses, labs, scans, AEs.

Responses are :func:`trialkit.recist.evaluate`, grades :func:`trialkit.ctcae.grade`, the
dose check :func:`trialkit.dosing.check_dose` (through :mod:`study_subjects` and
:mod:`study_data`); edits and soft deletes are versioned and audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.dosing import CheckInput, DosingParameters, check_dose
from trialkit.dosing import Lab as DosingLab
from trialkit.errors import InputError
from trialkit.protocol import load_protocol
from trialkit.services.study_common import check_version, live, live_kind, need_date, need_reason
from trialkit.services.study_core import StudyCore
from trialkit.services.study_data import (
    add_assessment,
    add_dose,
    add_lab,
    ae_grade,
    apply_changes,
    check_causality,
)
from trialkit.services.study_subjects import (
    ae_view,
    assessment_view,
    dose_view,
    lab_view,
    recist_course,
    subject_view,
)
from trialkit.services.study_views import (
    AEView,
    AssessmentView,
    DoseCheckView,
    DoseView,
    LabView,
    SubjectView,
)
from trialkit.store import audit
from trialkit.store import models as m
from trialkit.store.permissions import Actor, require


class SubjectCases(StudyCore):
    """Enrolled subjects and everything recorded about them."""

    def list_subjects(self, actor: Actor) -> list[SubjectView]:
        require(actor, "read")
        with self.store.session() as session:
            rows = session.scalars(
                select(m.Subject).where(m.Subject.deleted_at.is_(None)).order_by(m.Subject.id)
            )
            return [subject_view(session, s, self._clock().date()) for s in rows]

    def get_subject(self, actor: Actor, subject_id: int) -> SubjectView:
        """Everything about one subject: dosing calendar with next due dates (dosing.make_plan),
        doses, labs with CTCAE grades, baseline lesions (from the screening CRF), assessments
        with the RECIST 1.1 course (recist.evaluate), AEs, open queries."""
        require(actor, "read")
        with self.store.session() as session:
            s = live(session, m.Subject, subject_id, "subject")
            return subject_view(session, s, self._clock().date())

    def dose_check(
        self, actor: Actor, subject_id: int, cycle: int, *, check_date: date | None = None
    ) -> DoseCheckView:
        """The pre-cycle dose check (dosing.check_dose) over the subject's stored labs, prior
        reductions and baseline creatinine. ``check_date`` defaults to today."""
        require(actor, "read")
        with self.store.session() as session:
            s = live(session, m.Subject, subject_id, "subject")
            view = subject_view(session, s)
        params = DosingParameters()
        if not 1 <= cycle <= params.cycles:
            raise InputError(f"cycle must be 1–{params.cycles}, got {cycle}", field="cycle")
        first = s.first_dose
        if first is None:
            raise InputError("the subject has no first-dose date yet", field="first_dose")
        when = check_date or self._clock().date()
        labs = tuple(
            DosingLab(
                x.key, x.value, x.unit, date.fromisoformat(x.date), x.uln, x.lln, f"lab {x.id}"
            )
            for x in view.labs
        )
        creatinine = [x for x in view.labs if x.key == "creatinine"]
        decision = check_dose(
            CheckInput(
                subject=s.subject_number,
                first_dose=first,
                cycle_due=cycle,
                check_date=when,
                labs=labs,
                sex=s.sex,
                age=s.age,
                weight_kg=s.weight_kg,
                baseline_creatinine_umol_l=_creatinine_umol(creatinine[0]) if creatinine else None,
                prior_reductions=(),
            ),
            params,
            load_protocol().plausible_ranges(),
        )
        return DoseCheckView(s.id, cycle, when.isoformat(), decision.to_json())

    def record_dose(
        self,
        actor: Actor,
        subject_id: int,
        *,
        cycle: int,
        given_on: date,
        activity_gbq: float,
        calibration_time: datetime | None = None,
        note: str = "",
    ) -> DoseView:
        """Record a dose given. Cycle 1..4, once each (Conflict if already recorded); the first
        dose sets the subject's first-dose date (and so the calendar)."""
        require(actor, "enter_data")
        with self._tx() as (session, now):
            s = self._on_study(session, subject_id)
            d = add_dose(
                session,
                actor,
                s,
                cycle=cycle,
                given_on=need_date(given_on, "given_on"),
                activity_gbq=activity_gbq,
                calibration_time=calibration_time,
                note=note,
                now=now,
            )
            return dose_view(d)

    def record_lab(
        self,
        actor: Actor,
        subject_id: int,
        *,
        key: str,
        value: float,
        unit: str,
        on: date,
        uln: float | None = None,
        lln: float | None = None,
    ) -> LabView:
        """Record a lab result (keys of dosing.modification.LABS); graded with CTCAE v5."""
        require(actor, "enter_data")
        with self._tx() as (session, now):
            s = self._on_study(session, subject_id)
            lab = add_lab(
                session,
                actor,
                s,
                key=key,
                value=value,
                unit=unit,
                on=need_date(on, "date"),
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
        on: date,
        lesions: Sequence[Mapping[str, Any]],
        new_lesions: str = "none",
    ) -> AssessmentView:
        """Record a follow-up scan: ``lesions`` = ``[{"id": "L1", "diameter_mm": 12.0,
        "status": None}, …]`` for the baseline lesions (ids from the screening CRF). The returned
        view carries the RECIST 1.1 time-point response."""
        require(actor, "enter_data")
        with self._tx() as (session, now):
            s = self._on_study(session, subject_id)
            a = add_assessment(
                session,
                actor,
                s,
                on=need_date(on, "date"),
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
        onset: date,
        grade: int | None = None,
        lab_value: float | None = None,
        lab_unit: str | None = None,
        uln: float | None = None,
        lln: float | None = None,
        causality: str | None = None,
        serious: bool = False,
        resolved: date | None = None,
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
            onset_date = need_date(onset, "onset")
            ae = m.AdverseEvent(
                subject_id=s.id,
                term=term.strip(),
                onset=onset_date,
                resolved=need_date(resolved, "resolved") if resolved else None,
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
            apply_changes(session, actor, kind, row, changes, now, reason)
            audit.changed(session, actor, row, before, "update", reason, now=now)
            return self._view(session, kind, row)

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

    def _view(self, session: Session, kind: str, row: Any) -> Any:
        if kind == "subject":
            return subject_view(session, row, self._clock().date())
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


def _creatinine_umol(lab: LabView) -> float | None:
    from trialkit.errors import UnitError
    from trialkit.units import convert

    try:
        return float(convert(lab.value, lab.unit, "umol/L", analyte="creatinine"))
    except UnitError:
        return None
