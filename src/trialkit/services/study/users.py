"""Users and sign-in: accounts (admin), password check with lockout, a session's actor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from trialkit.errors import AuthError
from trialkit.services.study.core import StudyCore
from trialkit.services.study.views import UserView
from trialkit.store import audit, sessions, users
from trialkit.store import models as m
from trialkit.store.permissions import Actor, check_role, require


class UserCases(StudyCore):
    """Accounts and authentication (argon2, lockout after repeated failures)."""

    def add_user(
        self, actor: Actor | None, username: str, password: str, role: str, full_name: str = ""
    ) -> UserView:
        """Create a user (admin only). ``actor=None`` is the CLI bootstrap: allowed only while
        the store has no user at all, or from ``trialkit user add`` (trusted local shell).
        ``full_name`` is the printed name shown with the user's signatures (an investigator
        without one cannot sign). Duplicate username → Conflict; unknown role or a password
        the policy refuses (:func:`trialkit.store.users.check_password_policy`) → InputError."""
        with self._tx() as (session, now):
            if actor is not None:
                require(actor, "manage_users")
            user = users.create_user(session, actor, username, password, role, now, full_name)
            return user_view(user, now)

    def list_users(self, actor: Actor | None) -> list[UserView]:
        """Every user with status and last sign-in (admin only; ``None`` = the local CLI)."""
        if actor is not None:
            require(actor, "manage_users")
        now = self._clock()
        with self.store.session() as session:
            logins = users.last_logins(session)
            return [
                user_view(u, now, logins.get(u.id))
                for u in session.scalars(select(m.User).order_by(m.User.id))
            ]

    def authenticate(self, username: str, password: str) -> Actor:
        """Check a password (argon2). Wrong password, unknown user, disabled or locked account →
        AuthError with the same message for unknown user and wrong password. After
        ``max_failed_logins`` consecutive failures the account is locked for ``lockout``; while
        locked even the right password fails. Success and failure are audited; failures are
        counted atomically (concurrent guesses each count)."""
        return self.authenticate_stamped(username, password)[0]

    def authenticate_stamped(self, username: str, password: str) -> tuple[Actor, str]:
        """:meth:`authenticate`, and a stamp of the password checked: a cache of verified
        credentials (HTTP Basic) keeps it and asks :meth:`actor_for` with it, so a password
        reset ends a cached old password at once."""
        with self.store.session() as session:
            candidate = users.find(session, username)
        actor = self._settle_password(candidate, username, password, "login")
        assert candidate is not None  # a success has a user
        return actor, users.credential_stamp(candidate.password_hash)

    def start_session(self, actor: Actor) -> str:
        """Open a server-side session for a user who just authenticated; its cookie token."""
        with self._tx() as (session, now):
            return sessions.open_session(
                session, actor.user_id, now=now, lifetime=self.session_lifetime
            )

    def resume_session(self, token: str) -> Actor:
        """The actor of a live session token. A revoked, expired or idle session, or one whose
        user is disabled, raises AuthError; the refusal is an audit event (committed first)."""
        with self._tx() as (session, now):
            resumed = sessions.resume(session, token, now=now, idle=self.session_idle)
            user = session.get(m.User, resumed.user_id) if resumed.user_id is not None else None
            why = resumed.why
            if resumed.ok and (user is None or not user.active or user.deleted_at is not None):
                why = "the session's user no longer exists or is disabled"
                sessions.revoke(session, token, now=now, reason="user disabled")
            if resumed.ok and not why:
                assert user is not None
                return Actor(user.id, user.username, check_role(user.role))
            who = Actor(user.id, user.username, check_role(user.role)) if user else None
            audit.event(session, who, "session_refused", "session", None, {}, why, now=now)
        raise AuthError(f"{why}; log in again")

    def end_session(self, token: str) -> None:
        """Logout: the session is revoked for good (a copy of its cookie opens nothing) and
        the logout is an audit event. An unknown or already ended token does nothing."""
        with self._tx() as (session, now):
            user_id = sessions.revoke(session, token, now=now, reason="logout")
            user = session.get(m.User, user_id) if user_id is not None else None
            if user is not None:
                actor = Actor(user.id, user.username, check_role(user.role))
                audit.event(session, actor, "logout", "user", user.id, {}, "", now=now)

    def actor_for(self, user_id: int, stamp: str | None = None) -> Actor:
        """The Actor of a session's user id (AuthError if the user is gone or disabled, or if
        ``stamp`` is given and the password is no longer the one it was made from)."""
        with self.store.session() as session:
            user = session.get(m.User, user_id)
            if user is None or not user.active or user.deleted_at is not None:
                raise AuthError("the session's user no longer exists or is disabled")
            if stamp is not None and stamp != users.credential_stamp(user.password_hash):
                raise AuthError("the password was changed; authenticate again")
            return Actor(user.id, user.username, check_role(user.role))


def user_view(u: m.User, now: datetime, last_login: datetime | None = None) -> UserView:
    return UserView(
        id=u.id,
        username=u.username,
        role=u.role,
        active=u.active,
        failed_logins=u.failed_logins,
        locked_until=u.locked_until.isoformat() if u.locked_until else None,
        created_at=u.created_at.isoformat(),
        full_name=u.full_name,
        status=users.status_of(u, now),
        last_login=last_login.isoformat() if last_login else None,
    )
