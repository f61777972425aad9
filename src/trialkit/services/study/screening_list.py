"""The screening log as pages of light rows, read with one query.

The log shows every screening's status, blocking and unknown criteria, signer,
subject and creator. They come from one SELECT with outer joins (latest valid
signature, live subject, creating user) that never reads the verdict, CRF or
bundle columns: the stored ``blocking``/``unknown`` summary stands in for the
verdict, and the bundle is only tested for presence.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from trialkit.errors import InputError
from trialkit.services.study.common import iso
from trialkit.services.study.views import (
    MAX_PER_PAGE,
    ScreeningPageView,
    ScreeningSummaryView,
)
from trialkit.store.models import Screening, Signature, Subject, User


def check_page(page: int, per_page: int) -> None:
    if page < 1:
        raise InputError(f"page must be ≥ 1, got {page}", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InputError(f"per_page must be 1–{MAX_PER_PAGE}, got {per_page}", field="per_page")


def screening_page(session: Session, page: int, per_page: int) -> ScreeningPageView:
    """Page ``page`` (1-based) of the live screenings, newest first."""
    check_page(page, per_page)
    latest = (
        select(Signature.screening_id, func.max(Signature.id).label("signature_id"))
        .where(Signature.invalidated_at.is_(None), Signature.deleted_at.is_(None))
        .group_by(Signature.screening_id)
        .subquery()
    )
    live_subject = and_(Subject.screening_id == Screening.id, Subject.deleted_at.is_(None))
    rows = session.execute(
        select(
            Screening.id,
            Screening.version,
            Screening.screening_number,
            Screening.patient_id,
            Screening.patient_name,
            Screening.mrn,
            Screening.status,
            Screening.outcome,
            Screening.outcome_reason,
            Screening.as_of,
            Screening.first_dose,
            Screening.protocol_id,
            Screening.protocol_version,
            Screening.blocking,
            Screening.unknown,
            Screening.bundle.is_not(None).label("has_bundle"),
            Screening.created_at,
            Screening.updated_at,
            Signature.username.label("signed_by"),
            Signature.signer_name,
            Signature.signed_at,
            Subject.id.label("subject_record_id"),
            Subject.subject_number,
            User.username.label("creator"),
            func.count().over().label("total"),  # the whole log's size, in the same query
        )
        .select_from(Screening)
        .outerjoin(latest, latest.c.screening_id == Screening.id)
        .outerjoin(Signature, Signature.id == latest.c.signature_id)
        .outerjoin(Subject, live_subject)
        .outerjoin(User, User.id == Screening.created_by)
        .where(Screening.deleted_at.is_(None))
        .order_by(Screening.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if rows:
        total = int(rows[0].total)
    else:  # past the last page (or an empty log): the window count had no row to ride on
        total = int(
            session.scalar(
                select(func.count()).select_from(Screening).where(Screening.deleted_at.is_(None))
            )
            or 0
        )
    items = [
        ScreeningSummaryView(
            id=r.id,
            version=r.version,
            screening_id=r.screening_number,
            patient_id=r.patient_id,
            status=r.status,
            outcome=r.outcome,
            outcome_reason=r.outcome_reason,
            as_of=r.as_of.isoformat(),
            first_dose=iso(r.first_dose),
            protocol_id=r.protocol_id,
            protocol_version=r.protocol_version,
            blocking=list(r.blocking),
            unknown=list(r.unknown),
            has_bundle=bool(r.has_bundle),
            signed_by=r.signed_by,
            signed_at=iso(r.signed_at),
            subject_record_id=r.subject_record_id,
            subject_id=r.subject_number,
            created_at=r.created_at.isoformat(),
            created_by=r.creator or "(system)",
            updated_at=r.updated_at.isoformat(),
            signer_name=r.signer_name or None,
            patient_name=r.patient_name,
            mrn=r.mrn,
        )
        for r in rows
    ]
    return ScreeningPageView(items, page, per_page, total, -(-total // per_page))
