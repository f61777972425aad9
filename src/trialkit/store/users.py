"""User accounts: argon2 password hashes, roles, the password policy, and atomic lockout.

21 CFR 11.300: passwords are stored only as argon2id hashes; after
``MAX_FAILED_LOGINS`` consecutive wrong passwords — at login *or* when re-entered
for an electronic signature, one counter for both — the account is locked for
``LOCKOUT_MINUTES`` (even the right password fails meanwhile), and every attempt
is an audit event.

Counting is atomic: each failure is one ``UPDATE users SET failed_logins =
failed_logins + 1 … RETURNING`` (no read-modify-write, no version check that a
concurrent guess could turn into a 409), and a success re-checks the lock under
the same row lock before resetting the counter. The slow argon2 check runs
outside any transaction, so concurrent guesses queue only for the short write.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.orm import Session

from trialkit.errors import Conflict, InputError, NotFound, ProtocolRefusal
from trialkit.store import audit
from trialkit.store.models import AuditEvent, AuditHead, User
from trialkit.store.permissions import Actor, check_role

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 12
# One message for unknown user and wrong password: a login form must not reveal which names exist.
BAD_CREDENTIALS = "wrong username or password"
WRONG_SIGNATURE = "signature refused: wrong password"
WRONG_CURRENT = "password not changed: the current password is wrong"

Purpose = Literal["login", "signature", "password"]
# audit actions of a success that changed the counters, and of a failure, per purpose
_ACTIONS: dict[Purpose, tuple[str, str]] = {
    "login": ("login", "login_failed"),
    "signature": ("sign_auth", "sign_failed"),
    "password": ("password_auth", "password_failed"),  # the current one, to change it
}
_WRONG: dict[Purpose, str] = {
    "login": BAD_CREDENTIALS,
    "signature": WRONG_SIGNATURE,
    "password": WRONG_CURRENT,
}
_CANNOT: dict[Purpose, str] = {
    "login": "cannot log in",
    "signature": "cannot sign",
    "password": "cannot change the password",
}

_hasher = PasswordHasher()
# verified against when the user does not exist, so both paths take the same argon2 time
_DUMMY_HASH = _hasher.hash("not a password of anyone")
_USERS = cast(Table, User.__table__)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def credential_stamp(password_hash: str) -> str:
    """A short digest of a password hash: equal while the password is unchanged."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _common_passwords() -> frozenset[str]:
    text = files("trialkit.store").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


COMMON_PASSWORDS = _common_passwords()


def check_password_policy(username: str, password: str) -> None:
    """≥ 12 characters, not the user name (nor it plus digits), not a well-known password.

    NIST SP 800-63B §5.1.1.2: length over composition rules, and a check against a list
    of passwords known to be common or compromised (shipped as common_passwords.txt).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    folded = password.lower()
    name = username.strip().lower()
    if name and not any(c.isalpha() for c in folded.replace(name, "")):
        # the user name itself, or the user name padded with digits and punctuation
        raise InputError("a password must not be the user name", field="password")
    squeezed = "".join(c for c in folded if not c.isspace())
    if folded in COMMON_PASSWORDS or squeezed in COMMON_PASSWORDS:
        raise InputError("this password is on the list of common passwords", field="password")
    if len(set(folded)) <= 2:
        raise InputError("a password must not repeat one or two characters", field="password")


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def create_user(
    session: Session,
    actor: Actor | None,
    username: str,
    password: str,
    role: str,
    now: datetime,
    full_name: str = "",
) -> User:
    name = username.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise InputError("a username is 1–64 characters without spaces", field="username")
    checked_role = check_role(role)
    check_password_policy(name, password)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(
        username=name,
        full_name=check_full_name(full_name),
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


def check_full_name(full_name: str) -> str:
    """The printed name shown with the user's signatures, spaces normalised ("" = none yet)."""
    name = " ".join(full_name.split())
    if len(name) > 128 or "\x00" in name:
        raise InputError("a full name is at most 128 characters", field="full_name")
    if name and not any(c.isalpha() for c in name):
        raise InputError("a full name is a name in words", field="full_name")
    return name


# ---- account management ----------------------------------------------------------------------

AccountStatus = Literal["enabled", "disabled", "locked"]


def status_of(user: User, now: datetime) -> AccountStatus:
    if not user.active:
        return "disabled"
    if user.locked_until is not None and user.locked_until > now:
        return "locked"
    return "enabled"


def serialise_account_changes(session: Session) -> None:
    """Take the audit head's lock first (a no-op write), so that concurrent account changes
    run one after the other and each sees the last one's result: two admins disabling each
    other at once cannot both pass the "another enabled admin remains" check. (On SQLite the
    first write takes the database's write lock; reads before it would see an older state.)"""
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))


def by_name(session: Session, username: str) -> User:
    user = session.scalar(
        select(User).where(User.username == username.strip(), User.deleted_at.is_(None))
    )
    if user is None:
        raise NotFound(f"no user {username.strip()!r}")
    return user


def keep_an_admin(session: Session, user: User, *, stays_admin: bool) -> None:
    """Refuse to disable or demote the last enabled admin: nobody could manage accounts."""
    if stays_admin or user.role != "admin" or not user.active:
        return
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.role == "admin",
            User.active.is_(True),
            User.deleted_at.is_(None),
            User.id != user.id,
        )
    )
    if not others:
        raise ProtocolRefusal(
            f"{user.username!r} is the last enabled admin: enable or add another admin first "
            "(nobody could manage accounts otherwise)",
            rule="last_enabled_admin",
            field="username",
        )


def full_name_of(session: Session, user_id: int) -> str:
    return session.scalar(select(User.full_name).where(User.id == user_id)) or ""


def last_logins(session: Session) -> dict[int, datetime]:
    """Each user's last successful sign-in (login form, JSON login or HTTP Basic), from the
    audit trail: user id → time (UTC)."""
    rows = session.execute(
        select(AuditEvent.record_id, func.max(AuditEvent.at))
        .where(AuditEvent.action == "login", AuditEvent.kind == "user")
        .group_by(AuditEvent.record_id)
    )
    return {int(uid): at for uid, at in rows if uid is not None}


@dataclass(frozen=True)
class Candidate:
    """What a password check needs of a user, read before the (slow) argon2 check."""

    user_id: int
    username: str
    role: str
    password_hash: str
    active: bool
    locked_until: datetime | None

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, check_role(self.role))


def find(session: Session, username: str) -> Candidate | None:
    user = session.scalar(
        select(User).where(User.username == username.strip(), User.deleted_at.is_(None))
    )
    return None if user is None else _candidate(user)


def find_id(session: Session, user_id: int) -> Candidate | None:
    user = session.get(User, user_id)
    return None if user is None or user.deleted_at is not None else _candidate(user)


def _candidate(u: User) -> Candidate:
    return Candidate(u.id, u.username, u.role, u.password_hash, u.active, u.locked_until)


def hash_to_check(candidate: Candidate | None) -> str:
    """The hash to verify against (a dummy for an unknown user: the same argon2 time)."""
    return _DUMMY_HASH if candidate is None else candidate.password_hash


def settle(
    session: Session,
    candidate: Candidate | None,
    username: str,
    matched: bool,
    *,
    purpose: Purpose,
    now: datetime,
    max_failed: int,
    lockout: timedelta,
) -> tuple[Actor | None, str]:
    """Record the outcome of a password check: the actor on success, else ``(None, why)``.

    Every failure is counted (one atomic UPDATE) and audited in ``session``; the caller
    commits and then raises, so a failure is never rolled back with the refused action.
    """
    ok_action, failed_action = _ACTIONS[purpose]
    bad = _WRONG[purpose]
    if candidate is None:
        changes = {"username": [None, username]}
        audit.event(session, None, failed_action, "user", None, changes, "unknown user", now=now)
        return None, bad
    actor = candidate.actor
    if not candidate.active:
        audit.event(session, actor, failed_action, "user", actor.user_id, {}, "disabled", now=now)
        return None, f"account {actor.username!r} is disabled"
    if matched:
        if _succeed(session, candidate, ok_action, now=now, always_audit=purpose == "login"):
            return actor, ""
        user = session.get(User, actor.user_id)
        if user is None or not user.active or user.password_hash != candidate.password_hash:
            # disabled or given a new password while this one was being checked
            gone = user is None or not user.active
            why = "disabled" if gone else "password changed"
            audit.event(session, actor, failed_action, "user", actor.user_id, {}, why, now=now)
            return None, f"account {actor.username!r} is disabled" if gone else bad
        # locked meanwhile by concurrent failures: the right password fails too
        return refuse_locked(session, actor, purpose, now=now, max_failed=max_failed)
    if _fail(session, actor, failed_action, now=now, max_failed=max_failed, lockout=lockout):
        return None, f"{bad}; account locked for {int(lockout.total_seconds() // 60)} minutes"
    return None, bad


def is_locked(candidate: Candidate, now: datetime) -> bool:
    return candidate.locked_until is not None and candidate.locked_until > now


def refuse_locked(
    session: Session, actor: Actor, purpose: Purpose, *, now: datetime, max_failed: int
) -> tuple[None, str]:
    """Audit an attempt on a locked account (the password is not even checked)."""
    until = session.scalar(select(User.locked_until).where(User.id == actor.user_id))
    audit.event(session, actor, _ACTIONS[purpose][1], "user", actor.user_id, {}, "locked", now=now)
    what = _CANNOT[purpose]
    shown = f" until {until:%Y-%m-%d %H:%M} UTC" if until is not None else ""
    return None, f"account locked after {max_failed} failed attempts{shown}: {what}"


def _fail(
    session: Session,
    actor: Actor,
    action: str,
    *,
    now: datetime,
    max_failed: int,
    lockout: timedelta,
) -> bool:
    """Count one wrong password atomically; lock at ``max_failed``. True if this one locked."""
    session.flush()
    count, version, locked_until = session.execute(
        update(_USERS)
        .where(_USERS.c.id == actor.user_id)
        .values(failed_logins=_USERS.c.failed_logins + 1, version=_USERS.c.version + 1)
        .returning(_USERS.c.failed_logins, _USERS.c.version, _USERS.c.locked_until)
    ).one()
    changes: dict[str, list[object]] = {
        "failed_logins": [count - 1, count],
        "version": [version - 1, version],
    }
    locks = count >= max_failed
    if locks:
        # the row is ours until commit (the UPDATE above locked it): no race on the reset
        until = now + lockout
        session.execute(
            update(_USERS)
            .where(_USERS.c.id == actor.user_id)
            .values(failed_logins=0, locked_until=until)
        )
        changes["failed_logins"] = [count - 1, 0]
        changes["locked_until"] = [audit.plain_value(locked_until), audit.plain_value(until)]
    session.expire_all()
    reason = "wrong password" + (f"; locked after {count} consecutive failures" if locks else "")
    audit.event(session, actor, action, "user", actor.user_id, changes, reason, now=now)
    return bool(locks)


def _succeed(
    session: Session, candidate: Candidate, action: str, *, now: datetime, always_audit: bool
) -> bool:
    """Reset the counter unless the account is locked, disabled or has another password
    than the one just checked (all three under the row lock)."""
    actor = candidate.actor
    session.flush()
    row = session.execute(
        update(_USERS)  # a no-op write: takes the row lock and re-reads under it
        .where(
            _USERS.c.id == actor.user_id,
            _USERS.c.active.is_(True),
            _USERS.c.password_hash == candidate.password_hash,
            or_(_USERS.c.locked_until.is_(None), _USERS.c.locked_until <= now),
        )
        .values(failed_logins=_USERS.c.failed_logins)
        .returning(_USERS.c.failed_logins, _USERS.c.locked_until, _USERS.c.version)
    ).first()
    if row is None:
        return False
    count, locked_until, version = row
    changes: dict[str, list[object]] = {}
    if count or locked_until is not None:
        session.execute(
            update(_USERS)
            .where(_USERS.c.id == actor.user_id)
            .values(failed_logins=0, locked_until=None, version=_USERS.c.version + 1)
        )
        changes = {
            "failed_logins": [count, 0],
            "locked_until": [audit.plain_value(locked_until), None],
            "version": [version, version + 1],
        }
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    session.expire_all()
    if changes or always_audit:
        audit.event(session, actor, action, "user", actor.user_id, changes, "", now=now)
    return True
