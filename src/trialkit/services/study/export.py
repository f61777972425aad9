"""The stored study as analysis data: the CSV folder of docs/analysis.md, a FHIR Bundle, the
dashboard. The analysis itself (RECIST per subject, PFS Kaplan–Meier) is
:func:`trialkit.analysis.efficacy.analyse_efficacy` over the same Study the CSVs hold, so the
dashboard and ``trialkit report`` on the export agree.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialkit.analysis.efficacy import analyse_efficacy
from trialkit.conduct import confirms_eligibility
from trialkit.ctcae.analytes import TESTS, analyte
from trialkit.dosing import DosingParameters
from trialkit.errors import TrialkitError
from trialkit.recist.display import response_label, unconfirmed
from trialkit.services.study.screening import blocking_and_unknown
from trialkit.services.study.subjects import lab_term, lesions_of
from trialkit.services.study.views import RELATED, DashboardView
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.store import models as m
from trialkit.study import model as sm
from trialkit.study.vitals import BodyMeasure, body_measures, screening_row
from trialkit.study.write import write_study


def _live(session: Session, model: Any) -> list[Any]:
    return list(session.scalars(select(model).where(model.deleted_at.is_(None)).order_by(model.id)))


def to_study(
    session: Session,
    protocol_id: str = DEFAULT_PROTOCOL,
    *,
    today: date | None = None,
    params: DosingParameters | None = None,
) -> sm.Study:
    """The stored study as the analysis reads it. With ``today`` the deviations include the
    missed or late assessments derived as of that day (services.study.assessments)."""
    subjects = {s.id: s for s in _live(session, m.Subject)}
    number = {sid: s.subject_number for sid, s in subjects.items()}
    lesions: list[sm.LesionMeasurement] = []
    scans: list[sm.AssessmentRow] = []
    for a in _live(session, m.Assessment):
        if a.subject_id not in subjects:
            continue
        base = {
            x.lesion_id: x
            for b in _live(session, m.Assessment)
            if b.subject_id == a.subject_id and b.baseline
            for x in lesions_of(session, b.id)
        }
        if not a.baseline:
            scans.append(sm.AssessmentRow(number[a.subject_id], a.on, a.new_lesions))
        for x in lesions_of(session, a.id):
            b = base.get(x.lesion_id, x)
            lesions.append(
                sm.LesionMeasurement(
                    subject_id=number[a.subject_id],
                    date=a.on,
                    lesion_id=x.lesion_id,
                    target=bool(b.target),
                    organ=b.organ or "",
                    is_node=bool(b.is_node),
                    diameter_mm=x.diameter_mm,
                    status=x.status,
                    method=b.method,
                    slice_mm=b.slice_mm,
                    baseline=a.baseline,
                )
            )
    screenings = _live(session, m.Screening)
    screening_number = {s.id: s.screening_number for s in screenings}
    return sm.Study(
        protocol_id=protocol_id,
        subjects=tuple(
            sm.Subject(
                subject_id=s.subject_number,
                sex=s.sex or "",
                age=s.age if s.age is not None else 0,
                enrolled=s.enrolled_on,
                first_dose=s.first_dose,
                off_study_reason=s.off_study_reason,
                screening_id=screening_number.get(s.screening_id, ""),
                treatment_end_date=s.treatment_end_date,
                treatment_end_reason=s.treatment_end_reason,
                follow_up_date=s.follow_up_date,
                off_study_date=s.off_study_date,
            )
            for s in subjects.values()
        ),
        doses=tuple(
            sm.Dose(
                number[d.subject_id], d.cycle, d.given_on, d.activity_gbq, d.reduced, d.delay_days
            )
            for d in _live(session, m.Dose)
            if d.subject_id in number
        ),
        lesions=tuple(lesions),
        assessments=tuple(scans),
        adverse_events=tuple(
            sm.AdverseEvent(
                number[a.subject_id],
                a.term,
                a.grade if a.grade is not None else 0,
                a.onset,
                a.resolved,
                a.serious,
                # causality never assessed stays unknown (an empty cell), never "not related"
                None if a.causality is None else a.causality in RELATED,
            )
            for a in _live(session, m.AdverseEvent)
            if a.subject_id in number
        ),
        labs=tuple(
            _lab_row(number[x.subject_id], x)
            for x in _live(session, m.Lab)
            if x.subject_id in number
        ),
        screening=tuple(
            screening_row(
                s.screening_number,
                s.patient_id,
                s.status,
                _reason(s),
                s.as_of,
                _measures(s),
            )
            for s in screenings
        ),
        deviations=tuple(_deviation_rows(session, subjects))
        + tuple(_derived(session, today, params)),
    )


def _derived(
    session: Session, today: date | None, params: DosingParameters | None
) -> list[sm.DeviationRow]:
    if today is None:
        return []
    from trialkit.services.study.assessments import derived_rows

    numbers = {s.id: s.screening_number for s in _live(session, m.Screening)}
    return derived_rows(session, today, params or DosingParameters(), numbers)


def _lab_row(subject: str, x: m.Lab) -> sm.LabRow:
    term = lab_term(x.key) or x.key
    loinc, name = analyte(term) if term in TESTS else ("", x.key)
    return sm.LabRow(subject, x.on, term, x.value, x.unit, x.uln, x.lln, loinc, name)


def _measures(s: m.Screening) -> dict[str, BodyMeasure]:
    """Weight and height as the screening's stored record holds them (none without one)."""
    if s.bundle is None:
        return {}
    from trialkit.fhir.loader import load_bundle
    from trialkit.services.study.screening import parse_bundle

    try:
        record = load_bundle(parse_bundle(s.bundle), source=f"screening {s.screening_number}")
    except TrialkitError:  # stored only after it was read once; nothing to add if not now
        return {}
    return body_measures(record, s.as_of)


def _deviation_rows(session: Session, subjects: dict[int, m.Subject]) -> list[sm.DeviationRow]:
    """Every deviation under its subject number (empty before enrolment) and its screening
    number (the subject's screening, or the screening the deviation was taken on)."""
    by_screening = {s.screening_id: s.subject_number for s in subjects.values()}
    numbers = {s.id: s.screening_number for s in _live(session, m.Screening)}
    rows = []
    for d in _live(session, m.Deviation):
        subject = subjects.get(d.subject_id) if d.subject_id is not None else None
        screening = d.screening_id if d.screening_id is not None else None
        if screening is None and subject is not None:
            screening = subject.screening_id
        number = subject.subject_number if subject else ""
        if not number and screening is not None:
            number = by_screening.get(screening, "")
        rows.append(
            sm.DeviationRow(
                number,
                d.occurred_on,
                d.category,
                d.rule,
                d.criterion or "",
                d.description,
                d.reason,
                d.username,
                screening_id=numbers.get(screening, "") if screening is not None else "",
            )
        )
    return rows


def _reason(s: m.Screening) -> str:
    blocking, unknown = blocking_and_unknown(s.verdict)
    if blocking:
        return "blocked by " + ", ".join(blocking)
    if unknown:
        return "unknown: " + ", ".join(unknown)
    return s.outcome_reason or "all criteria decided"


SIGNATURE_COLUMNS = (
    "screening_id",  # the screening number, as in screening.csv
    "subject_id",  # the subject number once enrolled, as in subjects.csv
    "signed_at_utc",
    "signer_name",
    "username",
    "role",
    "meaning",
    "status_signed",
    "current",
    "signature",
)


def _write_signatures(session: Session, path: Path) -> None:
    """signatures.csv: every eligibility signature with the signer's printed name as it was
    when signing (21 CFR 11.50) and the statement shown on the pages; ``current`` is false
    once the data it covered changed or it was invalidated. Not part of the study folder
    that ``trialkit report`` reads (it ignores the file)."""
    from trialkit.services.study.screening import signed_by, signed_sha256

    screenings = {s.id: s for s in _live(session, m.Screening)}
    subjects = {s.screening_id: s.subject_number for s in _live(session, m.Subject)}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SIGNATURE_COLUMNS)
        for sig in _live(session, m.Signature):
            s = screenings.get(sig.screening_id)
            if s is None:
                continue
            current = sig.invalidated_at is None and sig.verdict_sha256 == signed_sha256(s)
            writer.writerow(
                (
                    s.screening_number,
                    subjects.get(s.id, ""),
                    sig.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    sig.signer_name,
                    sig.username,
                    sig.role,
                    sig.meaning,
                    sig.status_signed,
                    "true" if current else "false",
                    signed_by(sig),
                )
            )


def export_csv(session: Session, today: date, params: DosingParameters) -> bytes:
    """A zip of the study CSV folder (readable by ``trialkit report``), with signatures.csv;
    deviations.csv holds the missed or late assessments as of ``today`` too."""
    study = to_study(session, today=today, params=params)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_study(study, Path(tmp) / "study")
        _write_signatures(session, folder / "signatures.csv")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                zf.write(path, f"study/{path.name}")
    return buffer.getvalue()


def export_fhir(session: Session, now: datetime, today: date, params: DosingParameters) -> bytes:
    """A FHIR R4 collection Bundle to standard (:func:`trialkit.fhir.export.study_bundle`):
    ResearchStudy/ResearchSubject, Patients, administrations, LOINC/UCUM laboratory
    Observations, RECIST tumour-response Observations, AdverseEvents; validated R4."""
    from trialkit.fhir.export import study_bundle
    from trialkit.protocol import load_protocol

    study = to_study(session, today=today, params=params)
    bundle = study_bundle(study, load_protocol(study.protocol_id), timestamp=now)
    return json.dumps(bundle, indent=1).encode("utf-8")


def export_cdisc(session: Session, now: datetime, today: date, params: DosingParameters) -> bytes:
    """A zip of the CDISC package (docs/cdisc.md) of the stored study."""
    from trialkit.cdisc.package import write_package
    from trialkit.protocol import load_protocol

    study = to_study(session, today=today, params=params)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        package = write_package(
            study,
            load_protocol(study.protocol_id),
            Path(tmp) / "cdisc",
            created=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in package.files:
                zf.write(package.folder / name, f"cdisc/{name.as_posix()}")
    return buffer.getvalue()


def dashboard(session: Session, today: date, params: DosingParameters) -> DashboardView:
    screenings = _live(session, m.Screening)
    status = Counter(s.status for s in screenings)
    subjects = _live(session, m.Subject)
    # signed off = a valid signature confirming eligibility (a review signature is not one)
    signed = {
        sig.screening_id
        for sig in _live(session, m.Signature)
        if sig.invalidated_at is None and confirms_eligibility(sig.meaning)
    }
    study = to_study(session, today=today, params=params)
    funnel = {
        "screened": len(screenings),
        "eligible": status["eligible"],
        "ineligible": status["ineligible"],
        "incomplete": status["incomplete"],
        "signed": len(signed),
        "enrolled": len(subjects),
        "dosed": sum(1 for s in subjects if s.first_dose is not None),
    }
    by_day = Counter(s.enrolled_on for s in subjects)
    enrolment, total = [], 0
    for day in sorted(by_day):
        total += by_day[day]
        enrolment.append({"enrolment_date": day.isoformat(), "enrolled": total})
    waterfall: list[dict[str, Any]] = []
    km: list[dict[str, Any]] = []
    notes: list[str] = []
    if study.subjects and any(s.first_dose for s in study.subjects):
        eff = analyse_efficacy(study)
        waterfall = sorted(
            (
                {
                    "subject": r.subject_id,
                    "best_change_pct": r.best_change_pct,
                    "response": r.recist.best_overall_response,
                    "confirmed": r.recist.confirmed,
                    # a CR/PR seen but not confirmed: shown and coloured as such
                    "unconfirmed": unconfirmed(r.recist),
                    "label": response_label(r.recist),
                }
                for r in eff.responses
                if r.best_change_pct is not None
            ),
            key=lambda w: -float(w["best_change_pct"]),
        )
        if eff.pfs_km is not None:
            km = [{"months": 0.0, "survival": 1.0}] + [
                {"months": row.time, "survival": row.survival, "at_risk": row.n_at_risk}
                for row in eff.pfs_km.table
            ]
    else:
        notes.append("no subject dosed yet: no waterfall or Kaplan–Meier")
    # recorded and derived alike (study.deviations: the same rows as deviations.csv)
    deviations = Counter(d.category for d in study.deviations)
    return DashboardView(funnel, enrolment, waterfall, km, notes, dict(sorted(deviations.items())))
