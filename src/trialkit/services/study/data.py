"""Entering and correcting study data: doses, labs, scans, adverse events (each audited).

Each function runs inside the caller's transaction and writes the record and its
audit event together. Validation happens here, at the edge, with InputError
naming the field; grades come from :mod:`trialkit.ctcae`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.conduct.dates import not_future, resolved_after_onset
from trialkit.conduct.dosing import is_reduced
from trialkit.ctcae import TERMS, grade
from trialkit.ctcae.lookup import find_term
from trialkit.dosing import DosingParameters
from trialkit.dosing.parameters import activity_problem
from trialkit.errors import Conflict, InputError
from trialkit.recist.model import NEW_LESION_VALUES, NON_TARGET_STATUSES, TARGET_STATUSES
from trialkit.services.study.common import need_date, need_number
from trialkit.services.study.subjects import ae_term, lab_grade, lesions_of
from trialkit.services.study.views import CAUSALITY
from trialkit.store import audit
from trialkit.store import models as m
from trialkit.store.permissions import Actor

# Fields a user may correct with update_record, per kind (everything else is derived or fixed),
# by the names the views and the API give them (docs/fields.md).
EDITABLE: dict[str, frozenset[str]] = {
    # status, treatment end, follow-up, off study: only through the conduct transitions
    # (services.study.subjects_conduct), which ask the subject's state first
    "subject": frozenset({"weight_kg", "first_dose"}),
    "dose": frozenset({"dose_date", "activity_gbq", "calibration_time", "note"}),
    "lab": frozenset({"value", "unit", "lab_date", "uln", "lln"}),
    "assessment": frozenset({"assessment_date", "new_lesions", "lesions"}),
    "adverse_event": frozenset(
        {"term", "onset_date", "resolved_date", "grade", "serious", "causality", "description"}
    ),
}
# Stored column → the name the views, the API and the audit view give it, per record kind
# (the database keeps its own names; docs/fields.md).
FIELD_NAMES: dict[str, dict[str, str]] = {
    "dose": {"given_on": "dose_date", "subject_id": "subject_record_id"},
    "lab": {"on": "lab_date", "key": "analyte", "subject_id": "subject_record_id"},
    "assessment": {"on": "assessment_date", "subject_id": "subject_record_id"},
    "adverse_event": {
        "onset": "onset_date",
        "resolved": "resolved_date",
        "subject_id": "subject_record_id",
    },
    "subject": {
        "subject_number": "subject_id",
        "screening_id": "screening_record_id",
        "enrolled_on": "enrolment_date",
    },
    "screening": {"screening_number": "screening_id"},
    "deviation": {
        "occurred_on": "deviation_date",
        "subject_id": "subject_record_id",
        "screening_id": "screening_record_id",
    },
}
DATES = ("dose_date", "lab_date", "assessment_date", "onset_date", "first_dose")


def add_dose(
    session: Session,
    actor: Actor,
    subject: m.Subject,
    *,
    cycle: int,
    given_on: date,
    activity_gbq: float,
    calibration_time: datetime | None,
    note: str,
    now: datetime,
    params: DosingParameters,
) -> m.Dose:
    """Store a dose given; ``params`` the study regimen's (cycles, activity, interval)."""
    if not 1 <= cycle <= params.cycles:
        raise InputError(f"cycle must be 1–{params.cycles}, got {cycle}", field="cycle")
    activity = need_number(activity_gbq, "activity_gbq", minimum=0.0)
    problem = activity_problem(activity, params)
    if problem:
        raise InputError(problem, field="activity_gbq")
    taken = session.scalar(
        select(m.Dose.id).where(
            m.Dose.subject_id == subject.id, m.Dose.cycle == cycle, m.Dose.deleted_at.is_(None)
        )
    )
    if taken is not None:
        raise Conflict(f"cycle {cycle} of subject {subject.subject_number} is already recorded")
    if cycle == 1 and subject.first_dose != given_on:
        before = audit.snapshot(subject)
        subject.first_dose = given_on  # the calendar runs from the dose actually given
        audit.changed(session, actor, subject, before, "update", "first dose given", now=now)
    first = subject.first_dose or given_on
    nominal = first + timedelta(days=params.interval_days * (cycle - 1))
    dose = m.Dose(
        subject_id=subject.id,
        cycle=cycle,
        given_on=given_on,
        activity_gbq=activity,
        calibration_time=calibration_time.replace(tzinfo=None) if calibration_time else None,
        reduced=is_reduced(activity, params),
        delay_days=max(0, (given_on - nominal).days),
        note=note,
    )
    session.add(dose)
    audit.created(session, actor, dose, now=now)
    return dose


def add_lab(
    session: Session,
    actor: Actor | None,
    subject: m.Subject,
    *,
    key: str,
    value: float,
    unit: str,
    on: date,
    uln: float | None,
    lln: float | None,
    now: datetime,
    reason: str = "",
) -> m.Lab:
    value = need_number(value, "value", minimum=0.0)
    uln = None if uln is None else need_number(uln, "uln", minimum=0.0)
    lln = None if lln is None else need_number(lln, "lln", minimum=0.0)
    lab_grade(key, value, unit, uln, lln)  # unknown key, unusable unit → InputError now
    lab = m.Lab(subject_id=subject.id, key=key, value=value, unit=unit, on=on, uln=uln, lln=lln)
    session.add(lab)
    audit.created(session, actor, lab, now=now, reason=reason)
    return lab


def _readings(
    baseline: Sequence[m.LesionMeasurement], lesions: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    known = {x.lesion_id: x for x in baseline}
    out: list[dict[str, Any]] = []
    for n, raw in enumerate(lesions, start=1):
        if not isinstance(raw, Mapping):
            raise InputError("each lesion is an object", field=f"lesions[{n}]")
        lid = str(raw.get("id") or raw.get("lesion_id") or "")
        if lid not in known:
            raise InputError(
                f"{lid!r} is not a baseline lesion ({', '.join(known) or 'none recorded'})",
                field=f"lesions[{n}].id",
            )
        diameter = raw.get("diameter_mm")
        status = raw.get("status") or None
        allowed = TARGET_STATUSES if known[lid].target else NON_TARGET_STATUSES
        if status is not None and status not in allowed:
            raise InputError(
                f"status {status!r}: expected one of {', '.join(sorted(allowed))}",
                field=f"lesions[{n}].status",
            )
        d = None if diameter in (None, "") else need_number(diameter, f"lesions[{n}].diameter_mm")
        if d is not None and d < 0:
            raise InputError("a diameter is ≥ 0 mm", field=f"lesions[{n}].diameter_mm")
        out.append({"lesion_id": lid, "diameter_mm": d, "status": status})
    return out


def baseline_of(session: Session, subject: m.Subject) -> m.Assessment | None:
    return session.scalar(
        select(m.Assessment).where(
            m.Assessment.subject_id == subject.id,
            m.Assessment.baseline.is_(True),
            m.Assessment.deleted_at.is_(None),
        )
    )


def add_assessment(
    session: Session,
    actor: Actor,
    subject: m.Subject,
    *,
    on: date,
    lesions: Sequence[Mapping[str, Any]],
    new_lesions: str,
    now: datetime,
) -> m.Assessment:
    baseline = baseline_of(session, subject)
    if baseline is None:
        raise InputError(
            "no baseline scan recorded: record the baseline scan date first (or the screening "
            "CRF has no lesions)"
        )
    if on <= baseline.on:
        raise InputError(f"a follow-up scan is after the baseline of {baseline.on}", field="date")
    if new_lesions not in NEW_LESION_VALUES:
        raise InputError(
            f"expected one of {', '.join(sorted(NEW_LESION_VALUES))}", field="new_lesions"
        )
    readings = _readings(lesions_of(session, baseline.id), lesions)
    a = m.Assessment(subject_id=subject.id, on=on, baseline=False, new_lesions=new_lesions)
    session.add(a)
    audit.created(session, actor, a, now=now)
    _write_lesions(session, actor, a, readings, now)
    return a


def _write_lesions(
    session: Session, actor: Actor, a: m.Assessment, readings: list[dict[str, Any]], now: datetime
) -> None:
    for r in readings:
        x = m.LesionMeasurement(assessment_id=a.id, **r)
        session.add(x)
        audit.created(session, actor, x, now=now)


def ae_grade(
    term: str,
    entered: int | None,
    lab_value: float | None,
    lab_unit: str | None,
    uln: float | None,
    lln: float | None,
) -> tuple[int | None, str]:
    """The grade from CTCAE when a lab value is given (ctcae.grade), else the entered one."""
    if lab_value is not None:
        lab_term = find_term(term)
        if lab_term is None:
            names = ", ".join(sorted(t.label for t in TERMS.values()))
            raise InputError(
                f"a lab value can only be graded for a CTCAE lab term ({names})", field="term"
            )
        g = grade(lab_term.name, lab_value, lab_unit, uln=uln, lln=lln)
        if entered is not None and g.grade is not None and entered != g.grade:
            raise InputError(
                f"grade {entered} disagrees with CTCAE v5.0 grade {g.grade} ({g.rule})",
                field="grade",
            )
        return (g.grade if g.grade is not None else entered), g.rule
    if entered is None:
        raise InputError("a grade (1–5) or a lab value to grade is required", field="grade")
    if isinstance(entered, bool) or not isinstance(entered, int) or not 1 <= entered <= 5:
        raise InputError(f"grade must be 1–5, got {entered!r}", field="grade")
    return entered, "entered by the investigator/coordinator"


def check_causality(actor: Actor, causality: str | None) -> None:
    from trialkit.store.permissions import require

    if causality is None:
        return
    require(actor, "assess_causality")
    if causality not in CAUSALITY:
        raise InputError(f"causality: expected one of {', '.join(CAUSALITY)}", field="causality")


def apply_changes(
    session: Session,
    actor: Actor,
    kind: str,
    row: Any,
    changes: Mapping[str, Any],
    now: datetime,
    reason: str,
    today: date | None = None,
    params: DosingParameters | None = None,
) -> None:
    """Validate and apply ``changes`` to a record; the caller audits the row afterwards.
    ``today`` (the site's day) bounds every clinical date (:mod:`trialkit.conduct.dates`);
    ``params`` the study regimen's (a dose's activity is judged by it)."""
    allowed = EDITABLE.get(kind)
    if allowed is None:
        raise InputError(f"{kind} records cannot be edited this way", field="kind")
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InputError(
            f"cannot change {', '.join(unknown)} (editable: {', '.join(sorted(allowed))})",
            field=unknown[0],
        )
    values = dict(changes)
    for name in DATES:
        if name in values and values[name] is not None:
            values[name] = need_date(values[name], name)
    if "resolved_date" in values and values["resolved_date"] not in (None, ""):
        values["resolved_date"] = need_date(values["resolved_date"], "resolved_date")
    elif "resolved_date" in values:
        values["resolved_date"] = None
    if today is not None:
        for name in (*DATES[:-1], "resolved_date"):
            if values.get(name) is not None:
                not_future(values[name], name, today)
    if kind == "adverse_event":
        resolved_after_onset(
            values.get("onset_date", row.onset),
            values.get("resolved_date", row.resolved),
            field="resolved_date",
        )
    if kind == "adverse_event":
        check_causality(actor, values.get("causality"))
        if "causality" in values and values["causality"] is None and row.causality is not None:
            check_causality(actor, row.causality)
        if isinstance(values.get("term"), str):
            values["term"] = ae_term(values["term"])
        if "grade" in values:
            g, rule = ae_grade(
                row.term, values["grade"], row.lab_value, row.lab_unit, row.uln, row.lln
            )
            values["grade"], values["grade_rule"] = g, rule
    if kind == "lab":
        lab_grade(
            row.key,
            need_number(values.get("value", row.value), "value", minimum=0.0),
            str(values.get("unit", row.unit)),
            values.get("uln", row.uln),
            values.get("lln", row.lln),
        )
    if kind == "dose" and "activity_gbq" in values:
        values["activity_gbq"] = need_number(values["activity_gbq"], "activity_gbq", minimum=0.0)
        values["reduced"] = is_reduced(values["activity_gbq"], params or DosingParameters())
    if kind == "assessment":
        lesions = values.pop("lesions", None)
        if "new_lesions" in values and values["new_lesions"] not in NEW_LESION_VALUES:
            raise InputError("expected none, equivocal or unequivocal", field="new_lesions")
        if lesions is not None:
            subject = session.get(m.Subject, row.subject_id)
            assert subject is not None
            baseline = baseline_of(session, subject)
            assert baseline is not None
            readings = _readings(lesions_of(session, baseline.id), lesions)
            for old in lesions_of(session, row.id):
                before = audit.snapshot(old)
                old.deleted_at = now
                audit.changed(session, actor, old, before, "delete", reason, now=now)
            _write_lesions(session, actor, row, readings, now)
    for name, value in values.items():
        setattr(row, _column(kind, name), value)


def _column(kind: str, name: str) -> str:
    """The stored column of a field named as the views name it."""
    return next((c for c, n in FIELD_NAMES.get(kind, {}).items() if n == name), name)


def view_changes(kind: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """An audit event's ``changes`` with the field names of the record's view."""
    names = FIELD_NAMES.get(kind, {})
    return {names.get(k, k): v for k, v in changes.items()}
