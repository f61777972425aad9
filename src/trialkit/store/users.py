"""User accounts: argon2 password hashes, roles, and lockout after repeated failures.

21 CFR 11.300: passwords are stored only as argon2id hashes; after
``MAX_FAILED_LOGINS`` consecutive failures the account is locked for
``LOCKOUT_MINUTES`` (even the right password fails meanwhile), and every
attempt is an audit event.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialkit.errors import AuthError, Conflict, InputError
from trialkit.store import audit
from trialkit.store.models import User
from trialkit.store.permissions import Actor, check_role

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 8
# One message for unknown user and wrong password: a login form must not reveal which names exist.
BAD_CREDENTIALS = "wrong username or password"

_hasher = PasswordHasher()
# verified against when the user does not exist, so both paths take the same argon2 time
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def create_user(
    session: Session,
    actor: Actor | None,
    username: str,
    password: str,
    role: str,
    now: datetime,
) -> User:
    name = username.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise InputError("a username is 1–64 characters without spaces", field="username")
    checked_role = check_role(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(
        username=name,
        password_hash=hash_password(password),
        role=checked_role,
        active=True,
        failed_logins=0,
        locked_until=None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit.created(session, actor, user, now=now)
    return user


def login(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime,
    max_failed: int,
    lockout: timedelta,
) -> tuple[Actor | None, str]:
    """The actor on success, else ``(None, why)``. Failures are counted and audited in
    ``session``; the caller commits them and raises, so a failed login is never rolled back."""
    user = session.scalar(
        select(User).where(User.username == username.strip(), User.deleted_at.is_(None))
    )
    if user is None:
        password_matches(_DUMMY_HASH, password)
        audit.event(
            session, None, "login_failed", "user", None, {"username": [None, username]}, now=now
        )
        return None, BAD_CREDENTIALS
    actor = Actor(user.id, user.username, check_role(user.role))
    if not user.active:
        audit.event(session, actor, "login_failed", "user", user.id, {}, "disabled", now=now)
        return None, f"account {user.username!r} is disabled"
    if user.locked_until is not None and user.locked_until > now:
        audit.event(session, actor, "login_failed", "user", user.id, {}, "locked", now=now)
        return None, (
            f"account locked after {max_failed} failed logins until "
            f"{user.locked_until:%Y-%m-%d %H:%M} UTC"
        )
    before = audit.snapshot(user)
    if password_matches(user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        session.flush()
        audit.changed(session, actor, user, before, "login", "", now=now)
        return actor, ""
    user.failed_logins += 1
    why = BAD_CREDENTIALS
    if user.failed_logins >= max_failed:
        user.locked_until = now + lockout
        user.failed_logins = 0
        why = f"{BAD_CREDENTIALS}; account locked for {int(lockout.total_seconds() // 60)} minutes"
    session.flush()
    audit.changed(session, actor, user, before, "login_failed", "", now=now)
    return None, why


def check_password(session: Session, actor: Actor, password: str, *, now: datetime) -> None:
    """Re-authentication for an electronic signature (11.200): AuthError if wrong."""
    user = session.get(User, actor.user_id)
    if user is None or not user.active or user.deleted_at is not None:
        raise AuthError("the signing user no longer exists or is disabled")
    if user.locked_until is not None and user.locked_until > now:
        raise AuthError("account locked: cannot sign")
    if not password_matches(user.password_hash, password):
        raise AuthError("signature refused: wrong password")
