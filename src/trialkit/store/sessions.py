"""Server-side login sessions: opened at login, checked on every request, revoked for good.

The browser's cookie carries only a random token; the ``sessions`` row (keyed by
the token's sha256) decides whether it still authenticates. A session ends at
logout, after ``idle`` without a request, at its absolute lifetime, and for every
session of a user whose password changes or who is disabled — so a cookie
captured before any of these opens nothing afterwards (21 CFR 11.10(d), limiting
system access to authorised individuals).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from trialkit.store.models import LoginSession

# last_seen is written at most this often per session: idle expiry needs minute precision,
# not a database write on every request.
TOUCH_EVERY = timedelta(seconds=30)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int, *, now: datetime, lifetime: timedelta) -> str:
    """A new session for ``user_id``; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_sha256=token_digest(token),
            user_id=user_id,
            created_at=now,
            last_seen=now,
            expires_at=now + lifetime,
            revoked_at=None,
            revoked_reason="",
        )
    )
    session.flush()
    return token


@dataclass(frozen=True)
class Resumed:
    """The outcome of presenting a token: the user id if it stands, else why not."""

    user_id: int | None  # the session's user (also when refused, for the audit trail)
    ok: bool
    why: str


def resume(session: Session, token: str, *, now: datetime, idle: timedelta) -> Resumed:
    """Check a presented token; an expired one is revoked on the spot (so it stays dead)."""
    row = _row(session, token)
    if row is None:
        return Resumed(None, False, "unknown session")
    if row.revoked_at is not None:
        return Resumed(row.user_id, False, f"session ended ({row.revoked_reason or 'revoked'})")
    if now >= row.expires_at:
        _revoke(session, row, now, "lifetime reached")
        return Resumed(row.user_id, False, "session expired (lifetime reached)")
    if now - row.last_seen >= idle:
        _revoke(session, row, now, "idle timeout")
        return Resumed(row.user_id, False, "session expired (idle timeout)")
    if now - row.last_seen >= TOUCH_EVERY:
        row.last_seen = now
    return Resumed(row.user_id, True, "")


def _row(session: Session, token: str) -> LoginSession | None:
    query = select(LoginSession).where(LoginSession.token_sha256 == token_digest(token))
    return session.scalar(query)


def _revoke(session: Session, row: LoginSession, now: datetime, reason: str) -> None:
    row.revoked_at = now
    row.revoked_reason = reason
    session.flush()


def revoke(session: Session, token: str, *, now: datetime, reason: str) -> int | None:
    """End the token's session; the user id it belonged to (None if unknown or already ended)."""
    row = _row(session, token)
    if row is None or row.revoked_at is not None:
        return None
    _revoke(session, row, now, reason)
    return row.user_id


def revoke_all(session: Session, user_id: int, *, now: datetime, reason: str) -> int:
    """End every live session of ``user_id`` (password change, disable); how many ended."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)
