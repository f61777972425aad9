"""Small helpers every study use case needs: live-record lookup, version check, ISO values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from trialkit.errors import Conflict, InputError, NotFound
from trialkit.store.models import KINDS, Base

T = TypeVar("T", bound=Base)


def utcnow() -> datetime:
    """Naive UTC (what the store keeps), to the microsecond."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def live(session: Session, model: type[T], record_id: int, kind: str) -> T:
    """The record, unless absent or soft-deleted (both: NotFound)."""
    row = session.get(model, record_id)
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise NotFound(f"no {kind.replace('_', ' ')} {record_id}")
    return row


def live_kind(session: Session, kind: str, record_id: int) -> Base:
    model = KINDS.get(kind)
    if model is None or kind in ("user", "signature", "lesion"):
        raise InputError(f"unknown record kind {kind!r}", field="kind")
    return live(session, model, record_id, kind)


def check_version(row: Any, version: int, kind: str) -> None:
    """Optimistic concurrency: the caller must have read the current version."""
    if row.version != version:
        raise Conflict(
            f"{kind.replace('_', ' ')} {row.id} was changed by someone else "
            f"(version {row.version}, you had {version}); reload and try again"
        )


def need_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise InputError("a reason for the change is required", field="reason")
    return reason.strip()


def need_date(value: Any, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"expected a date YYYY-MM-DD, got {value!r}", field=what) from None


def need_number(value: Any, what: str, *, minimum: float | None = None) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"expected a number, got {value!r}", field=what) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError(f"expected a finite number, got {value!r}", field=what)
    if minimum is not None and number < minimum:
        raise InputError(f"must be ≥ {minimum:g}, got {number:g}", field=what)
    return number
