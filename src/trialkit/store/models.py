"""The study database: one typed SQLAlchemy 2 model per table.

Every mutable table has ``version`` (optimistic concurrency: SQLAlchemy adds
``WHERE version = :read`` to each UPDATE, a stale one updates nothing and the
service answers 409) and ``deleted_at`` (records are never physically deleted).
Timestamps are naive UTC. ``audit_events`` is append-only (database triggers,
see the initial migration) and ``audit_head`` holds the chain's last hash: every
append updates that one row first, which serialises appenders on SQLite and
PostgreSQL alike.

The schema itself is created by the Alembic migrations in ``migrations/``, never
by ``create_all``; a test holds the two to the same tables and columns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


class Base(DeclarativeBase):
    pass


class Versioned:
    """Optimistic concurrency and soft delete, shared by every mutable table."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - a class-level directive
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class User(Versioned, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # the name in words shown with the user's signatures (21 CFR 11.50: printed name of the signer)
    full_name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class Screening(Versioned, Base):
    __tablename__ = "screenings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    patient_id: Mapped[str] = mapped_column(String(128), nullable=False)
    # Patient.name and the MRN the screening read from the bundle (None: not recorded), beside
    # the verdict so the screening log names the patient without decoding it (migration 0007)
    patient_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    mrn: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    outcome_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    first_dose: Mapped[date | None] = mapped_column(Date, nullable=True)
    protocol_id: Mapped[str] = mapped_column(String(64), nullable=False)
    protocol_version: Mapped[str] = mapped_column(String(64), nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    verdict: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # Ids of the criteria that make the patient ineligible / are still unknown: derived from
    # ``verdict`` whenever it is written, so the screening log never reads the ~16 kB verdict.
    blocking: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    unknown: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    crf: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    bundle: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class Signature(Versioned, Base):
    """An electronic signature (21 CFR 11.50): who, when, meaning, and what exactly was signed."""

    __tablename__ = "signatures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    # the signer's full name as it was when signing (a later rename does not rewrite history)
    signer_name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    meaning: Mapped[str] = mapped_column(Text, nullable=False)
    signed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    status_signed: Mapped[str] = mapped_column(String(16), nullable=False)
    # sha256 of the canonical verdict JSON signed: links the signature to its record (11.70)
    verdict_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    judgments: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    invalidated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Subject(Versioned, Base):
    __tablename__ = "subjects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screenings.id"), unique=True, nullable=False
    )
    patient_id: Mapped[str] = mapped_column(String(128), nullable=False)
    sex: Mapped[str | None] = mapped_column(String(16), nullable=True)
    age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weight_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    enrolled_on: Mapped[date] = mapped_column(Date, nullable=False)
    first_dose: Mapped[date | None] = mapped_column(Date, nullable=True)
    baseline_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # on_study (enrolled, treatment or follow-up) / follow_up / off_study; the conduct stage
    # is derived from these with the doses (trialkit.conduct.state), never stored twice
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="on_study")
    off_study_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    off_study_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    treatment_end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    treatment_end_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    follow_up_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class Dose(Versioned, Base):
    __tablename__ = "doses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    cycle: Mapped[int] = mapped_column(Integer, nullable=False)
    given_on: Mapped[date] = mapped_column(Date, nullable=False)
    activity_gbq: Mapped[float] = mapped_column(Float, nullable=False)
    calibration_time: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reduced: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    delay_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Lab(Versioned, Base):
    __tablename__ = "labs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(32), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str] = mapped_column(String(32), nullable=False)
    on: Mapped[date] = mapped_column("date", Date, nullable=False)
    uln: Mapped[float | None] = mapped_column(Float, nullable=True)
    lln: Mapped[float | None] = mapped_column(Float, nullable=True)


class Assessment(Versioned, Base):
    """A tumour assessment; ``baseline`` marks the screening scan copied at enrolment."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    on: Mapped[date] = mapped_column("date", Date, nullable=False)
    baseline: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    new_lesions: Mapped[str] = mapped_column(String(16), nullable=False, default="none")


class LesionMeasurement(Versioned, Base):
    __tablename__ = "lesion_measurements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), nullable=False)
    lesion_id: Mapped[str] = mapped_column(String(32), nullable=False)
    target: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    organ: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_node: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    diameter_mm: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    slice_mm: Mapped[float | None] = mapped_column(Float, nullable=True)


class AdverseEvent(Versioned, Base):
    __tablename__ = "adverse_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), nullable=False)
    term: Mapped[str] = mapped_column(String(128), nullable=False)
    onset: Mapped[date] = mapped_column(Date, nullable=False)
    resolved: Mapped[date | None] = mapped_column(Date, nullable=True)
    grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    grade_rule: Mapped[str] = mapped_column(Text, nullable=False, default="")
    lab_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    lab_unit: Mapped[str | None] = mapped_column(String(32), nullable=True)
    uln: Mapped[float | None] = mapped_column(Float, nullable=True)
    lln: Mapped[float | None] = mapped_column(Float, nullable=True)
    serious: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    causality: Mapped[str | None] = mapped_column(String(16), nullable=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Query(Versioned, Base):
    """A monitor's data query on one record."""

    __tablename__ = "queries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    raised_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Deviation(Versioned, Base):
    """A protocol deviation taken on purpose: the rule overridden, what it said, who, when, why.

    Written only by the service, in the transaction of the action that deviates (a waived
    criterion at sign-off, a dose the dose check or the window did not allow).
    """

    __tablename__ = "deviations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    rule: Mapped[str] = mapped_column(String(64), nullable=False)
    criterion: Mapped[str | None] = mapped_column(String(32), nullable=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id"), nullable=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), nullable=True)
    record_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class LoginSession(Base):
    """A browser's server-side session: the cookie holds only a random token, this row says
    whether it still stands (revoked at logout, password change or disable; idle and absolute
    expiry). Only the token's sha256 is stored, so a copy of the database opens no session."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    last_seen: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class AuditEvent(Base):
    """One append-only, hash-chained event (no version, no soft delete: never changed)."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON, hashed as is
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHead(Base):
    """The single row holding the chain's last seq and hash (locked by every append)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


# record kind (audit, API) → model
KINDS: dict[str, type[Base]] = {
    "user": User,
    "screening": Screening,
    "signature": Signature,
    "subject": Subject,
    "dose": Dose,
    "lab": Lab,
    "assessment": Assessment,
    "lesion": LesionMeasurement,
    "adverse_event": AdverseEvent,
    "query": Query,
    "deviation": Deviation,
}
