"""A subject's data as views: calendar, doses, labs with grades, scans with RECIST, AEs, queries.

The clinical computations are the engines': :func:`trialkit.dosing.make_plan`
for the calendar, :func:`trialkit.ctcae.grade` for lab grades,
:func:`trialkit.recist.evaluate` for every time-point response.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.cdisc.meddra import code as meddra_code
from trialkit.conduct import SubjectState, subject_state
from trialkit.conduct.state import ON_TREATMENT, Stage
from trialkit.ctcae import TERMS, grade
from trialkit.ctcae.analytes import TESTS
from trialkit.ctcae.lookup import find_term
from trialkit.dosing import DosingParameters, make_plan, regimen_of
from trialkit.errors import InputError
from trialkit.recist import RecistInput, RecistResult, evaluate
from trialkit.recist.model import Assessment as RecistAssessment
from trialkit.recist.model import BaselineLesion, LesionReading
from trialkit.services.study.common import iso
from trialkit.services.study.deviations import deviation_view, deviations_of
from trialkit.services.study.views import (
    AEView,
    AssessmentView,
    BaselineLesionView,
    DoseView,
    LabView,
    LesionView,
    QueryView,
    SubjectView,
)
from trialkit.store import models as m


def lab_term(key: str) -> str | None:
    """The CTCAE term a pre-dose lab of the regimen is graded with (``labs:`` of the
    protocol's ``regimen.yaml``); an unknown key → InputError naming the known ones."""
    labs = regimen_of().labs
    if key not in labs:
        raise InputError(f"unknown lab {key!r}; labs: {', '.join(labs)}", field="analyte")
    return labs[key].ctcae


def lab_grade(key: str, value: float, unit: str, uln: float | None, lln: float | None) -> Any:
    """CTCAE grading of a pre-dose lab; unknown key or unusable unit → InputError."""
    term = lab_term(key)
    if term is None:
        return None
    return grade(term, value, unit, uln=uln, lln=lln)


def analyte_name(key: str) -> str:
    """The analyte of a dosing lab key in words, as CDISC CT names the test (LBTEST)."""
    term = lab_term(key)
    return TESTS[term][1] if term in TESTS else key


def analyte_loinc(key: str) -> str | None:
    """The LOINC code of a dosing lab key: the first code its CTCAE term grades."""
    term = lab_term(key)
    return TERMS[term].loinc[0] if term in TERMS and TERMS[term].loinc else None


def _screening_number(session: Session, screening_id: int) -> str:
    screening = session.get(m.Screening, screening_id)
    return screening.screening_number if screening else ""


def dose_view(d: m.Dose) -> DoseView:
    return DoseView(
        id=d.id,
        version=d.version,
        subject_record_id=d.subject_id,
        cycle=d.cycle,
        dose_date=d.given_on.isoformat(),
        activity_gbq=d.activity_gbq,
        calibration_time=iso(d.calibration_time),
        reduced=d.reduced,
        delay_days=d.delay_days,
        note=d.note,
    )


def lab_view(lab: m.Lab) -> LabView:
    g = lab_grade(lab.key, lab.value, lab.unit, lab.uln, lab.lln)
    return LabView(
        id=lab.id,
        version=lab.version,
        subject_record_id=lab.subject_id,
        analyte=lab.key,
        analyte_name=analyte_name(lab.key),
        loinc=analyte_loinc(lab.key),
        value=lab.value,
        unit=lab.unit,
        lab_date=lab.on.isoformat(),
        uln=lab.uln,
        lln=lab.lln,
        ctcae_term=lab_term(lab.key),
        ctcae_grade=None if g is None else g.grade,
    )


def ae_term(text: str) -> str:
    """The term as stored and shown: a CTCAE v5.0 term's display name, however it was typed
    ("platelet count decreased", the old key ``platelet_count_decreased``); other text as typed."""
    lab_term = find_term(text)
    if lab_term is not None:
        return lab_term.label
    coded = meddra_code(text)
    return coded.term if coded else " ".join(text.split())


def ae_view(ae: m.AdverseEvent) -> AEView:
    return AEView(
        id=ae.id,
        version=ae.version,
        subject_record_id=ae.subject_id,
        term=ae_term(ae.term),
        onset_date=ae.onset.isoformat(),
        resolved_date=iso(ae.resolved),
        grade=ae.grade,
        grade_rule=ae.grade_rule,
        lab_value=ae.lab_value,
        lab_unit=ae.lab_unit,
        serious=ae.serious,
        causality=ae.causality,
        description=ae.description,
    )


def query_view(session: Session, q: m.Query) -> QueryView:
    raised = session.get(m.User, q.raised_by)
    answered = session.get(m.User, q.answered_by) if q.answered_by is not None else None
    return QueryView(
        id=q.id,
        version=q.version,
        kind=q.kind,
        record_id=q.record_id,
        text=q.text,
        status=q.status,
        raised_by=raised.username if raised else "?",
        raised_at=q.raised_at.isoformat(),
        answer=q.answer,
        answered_by=answered.username if answered else None,
    )


def _live(session: Session, model: Any, subject_id: int) -> list[Any]:
    return list(
        session.scalars(
            select(model)
            .where(model.subject_id == subject_id, model.deleted_at.is_(None))
            .order_by(model.id)
        )
    )


def lesions_of(session: Session, assessment_id: int) -> list[m.LesionMeasurement]:
    return list(
        session.scalars(
            select(m.LesionMeasurement)
            .where(
                m.LesionMeasurement.assessment_id == assessment_id,
                m.LesionMeasurement.deleted_at.is_(None),
            )
            .order_by(m.LesionMeasurement.id)
        )
    )


def recist_course(
    session: Session, subject: m.Subject
) -> tuple[m.Assessment | None, list[m.Assessment], RecistResult | None]:
    """Baseline scan, follow-ups (by date) and recist.evaluate over them."""
    scans = _live(session, m.Assessment, subject.id)
    baseline = next((a for a in scans if a.baseline), None)
    follow = sorted((a for a in scans if not a.baseline), key=lambda a: (a.on, a.id))
    if baseline is None:
        return None, follow, None
    lesions = [
        BaselineLesion(
            id=x.lesion_id,
            organ=x.organ or "",
            is_node=bool(x.is_node),
            target=bool(x.target),
            diameter_mm=x.diameter_mm,
            method=x.method,
            slice_mm=x.slice_mm,
        )
        for x in lesions_of(session, baseline.id)
    ]
    assessments = tuple(
        RecistAssessment(
            date=a.on,
            lesions=tuple(
                LesionReading(x.lesion_id, x.diameter_mm, x.status)
                for x in lesions_of(session, a.id)
            ),
            new_lesions=a.new_lesions,
        )
        for a in follow
    )
    result = evaluate(
        RecistInput(
            subject=subject.subject_number,
            baseline_date=baseline.on,
            baseline=tuple(lesions),
            assessments=assessments,
            first_dose=subject.first_dose,
        )
    )
    return baseline, follow, result


def assessment_view(
    session: Session, a: m.Assessment, result: RecistResult | None, index: int | None
) -> AssessmentView:
    timepoint = None
    if result is not None and index is not None and index < len(result.timepoints):
        timepoint = result.timepoints[index].to_json()
    return AssessmentView(
        id=a.id,
        version=a.version,
        subject_record_id=a.subject_id,
        assessment_date=a.on.isoformat(),
        new_lesions=a.new_lesions,
        lesions=[
            LesionView(x.lesion_id, x.diameter_mm, x.status) for x in lesions_of(session, a.id)
        ],
        timepoint=timepoint,
    )


def _next_due(
    plan: Any, doses: Sequence[m.Dose], today: date | None, stage: Stage
) -> dict[str, Any] | None:
    """The next cycle while on treatment, else the next scan; nothing once off study."""
    if stage is Stage.OFF_STUDY:
        return None
    given = {d.cycle for d in doses}
    for c in plan.cycles if stage in ON_TREATMENT else ():
        if c.cycle not in given:
            return {
                "what": f"cycle {c.cycle}",
                "due_date": c.nominal.isoformat(),
                "earliest_date": c.earliest.isoformat(),
                "latest_date": c.latest.isoformat(),
                "activity_gbq": c.activity_gbq,
                "pre_dose_labs_from_date": c.labs_from.isoformat(),
            }
    for v in plan.imaging:
        if v.week > 0 and (today is None or v.date >= today):
            return {"what": v.what, "due_date": v.date.isoformat(), "week": v.week}
    return None


def subject_view(
    session: Session,
    s: m.Subject,
    today: date | None = None,
    params: DosingParameters | None = None,
) -> SubjectView:
    """One subject; ``params`` the study regimen's (None: the protocol has none, no plan)."""
    doses = sorted(_live(session, m.Dose, s.id), key=lambda d: d.cycle)
    labs = sorted(_live(session, m.Lab, s.id), key=lambda x: (x.on, x.id))
    aes = _live(session, m.AdverseEvent, s.id)
    baseline, follow, result = recist_course(session, s)
    plan = make_plan(s.first_dose, params) if s.first_dose and params is not None else None
    state = conduct_state(s, doses)
    records = {("subject", s.id)}
    records |= {("dose", d.id) for d in doses} | {("lab", x.id) for x in labs}
    records |= {("assessment", a.id) for a in follow} | {("adverse_event", a.id) for a in aes}
    queries = [
        query_view(session, q)
        for q in session.scalars(
            select(m.Query).where(m.Query.deleted_at.is_(None)).order_by(m.Query.id)
        )
        if (q.kind, q.record_id) in records
    ]
    return SubjectView(
        id=s.id,
        version=s.version,
        subject_id=s.subject_number,
        screening_record_id=s.screening_id,
        screening_id=_screening_number(session, s.screening_id),
        patient_id=s.patient_id,
        sex=s.sex,
        age=s.age,
        weight_kg=s.weight_kg,
        enrolment_date=s.enrolled_on.isoformat(),
        first_dose=iso(s.first_dose),
        status=s.status,
        off_study_reason=s.off_study_reason,
        plan=plan.to_json() if plan else None,
        next_due=_next_due(plan, doses, today, state.stage) if plan else None,
        doses=[dose_view(d) for d in doses],
        labs=[lab_view(x) for x in labs],
        baseline_lesions=[
            BaselineLesionView(
                x.lesion_id,
                x.organ or "",
                bool(x.is_node),
                bool(x.target),
                x.diameter_mm,
                x.method,
                x.slice_mm,
            )
            for x in (lesions_of(session, baseline.id) if baseline else [])
        ],
        baseline_date=iso(baseline.on) if baseline else None,
        assessments=[assessment_view(session, a, result, i) for i, a in enumerate(follow)],
        recist=result.to_json() if result else None,
        adverse_events=[ae_view(a) for a in aes],
        queries=queries,
        state=state.describe(),
        signed_off=_signed_off(session, s),
        stage=str(state.stage),
        treatment_end_date=iso(s.treatment_end_date),
        treatment_end_reason=s.treatment_end_reason,
        follow_up_date=iso(s.follow_up_date),
        off_study_date=iso(s.off_study_date),
        deviations=[deviation_view(session, d) for d in subject_deviations(session, s)],
    )


def _signed_off(session: Session, s: m.Subject) -> str:
    from trialkit.services.study.screening import active_signature, signed_by

    sig = active_signature(session, s.screening_id)
    return signed_by(sig) if sig is not None else ""


def conduct_state(s: m.Subject, doses: Sequence[m.Dose]) -> SubjectState:
    return subject_state(
        status=s.status,
        given={d.cycle for d in doses},
        cycles=DosingParameters().cycles,
        treatment_end=s.treatment_end_date,
        treatment_end_reason=s.treatment_end_reason,
        follow_up=s.follow_up_date,
        off_study=s.off_study_date,
        off_study_reason=s.off_study_reason,
    )


def subject_deviations(session: Session, s: m.Subject) -> list[m.Deviation]:
    """The subject's deviations, including those of its screening (waived criteria)."""
    rows = {d.id: d for d in deviations_of(session, screening_id=s.screening_id)}
    rows |= {d.id: d for d in deviations_of(session, subject_id=s.id)}
    return [rows[k] for k in sorted(rows)]
