"""Users and sign-in: accounts (admin), password check with lockout, a session's actor."""

from __future__ import annotations

from sqlalchemy import select

from trialkit.errors import AuthError
from trialkit.services.study_core import StudyCore
from trialkit.services.study_views import UserView
from trialkit.store import models as m
from trialkit.store import users
from trialkit.store.permissions import Actor, check_role, require


class UserCases(StudyCore):
    """Accounts and authentication (argon2, lockout after repeated failures)."""

    def add_user(self, actor: Actor | None, username: str, password: str, role: str) -> UserView:
        """Create a user (admin only). ``actor=None`` is the CLI bootstrap: allowed only while
        the store has no user at all, or from ``trialkit user add`` (trusted local shell).
        Duplicate username → Conflict; unknown role or a password under 8 characters →
        InputError."""
        with self._tx() as (session, now):
            if actor is not None:
                require(actor, "manage_users")
            user = users.create_user(session, actor, username, password, role, now)
            return _user_view(user)

    def list_users(self, actor: Actor | None) -> list[UserView]:
        """Every user (admin only; ``None`` = the local CLI)."""
        if actor is not None:
            require(actor, "manage_users")
        with self.store.session() as session:
            return [_user_view(u) for u in session.scalars(select(m.User).order_by(m.User.id))]

    def authenticate(self, username: str, password: str) -> Actor:
        """Check a password (argon2). Wrong password, unknown user, disabled or locked account →
        AuthError with the same message for unknown user and wrong password. After
        ``max_failed_logins`` consecutive failures the account is locked for ``lockout``; while
        locked even the right password fails. Success and failure are audited."""
        with self._tx() as (session, now):
            actor, why = users.login(
                session,
                username,
                password,
                now=now,
                max_failed=self.max_failed_logins,
                lockout=self.lockout,
            )
        if actor is None:  # the failure is committed (counted, audited) before raising
            raise AuthError(why)
        return actor

    def actor_for(self, user_id: int) -> Actor:
        """The Actor of a session's user id (AuthError if the user is gone or disabled)."""
        with self.store.session() as session:
            user = session.get(m.User, user_id)
            if user is None or not user.active or user.deleted_at is not None:
                raise AuthError("the session's user no longer exists or is disabled")
            return Actor(user.id, user.username, check_role(user.role))


def _user_view(u: m.User) -> UserView:
    return UserView(
        id=u.id,
        username=u.username,
        role=u.role,
        active=u.active,
        failed_logins=u.failed_logins,
        locked_until=u.locked_until.isoformat() if u.locked_until else None,
        created_at=u.created_at.isoformat(),
    )
