"""Account management after creation: disable, enable, role, password reset, full name.

One implementation for ``trialkit user …`` (``actor=None``: the trusted local shell, its
events say so in their reason) and the admin's REST API. Every change is an audited update
of the user's record (who, when, old → new, reason), in the transaction of the change.
Disabling a user or resetting a password ends every session of that user at once, so a
cookie taken earlier opens nothing afterwards (21 CFR 11.10(d)); the last enabled admin
cannot be disabled or demoted. Every change runs after :func:`users.serialise_account_changes`,
so two concurrent changes cannot each leave the other's admin as "the remaining one".
"""

from __future__ import annotations

from collections.abc import Callable

from trialkit.errors import Conflict, InputError
from trialkit.services.study.common import need_reason
from trialkit.services.study.core import StudyCore
from trialkit.services.study.users import user_view
from trialkit.services.study.views import UserView
from trialkit.store import audit, sessions, users
from trialkit.store import models as m
from trialkit.store.permissions import Actor, check_role, require

Change = Callable[[m.User], str]  # changes the user; returns why its sessions end ("" = keep)


class AccountCases(StudyCore):
    """What an admin (or the local shell) does to an existing account."""

    def disable_user(self, actor: Actor | None, username: str, *, reason: str) -> UserView:
        """The user can no longer log in or sign; every session ends now. The last enabled
        admin cannot be disabled (ProtocolRefusal ``last_enabled_admin``)."""

        def disable(user: m.User) -> str:
            if not user.active:
                raise Conflict(f"user {user.username!r} is already disabled")
            user.active = False
            return "user disabled"

        return self._change(actor, username, "disable", reason, disable, stays_admin=False)

    def enable_user(self, actor: Actor | None, username: str, *, reason: str) -> UserView:
        """Allow a disabled user to log in again (a lockout still runs its course)."""

        def enable(user: m.User) -> str:
            if user.active:
                raise Conflict(f"user {user.username!r} is already enabled")
            user.active = True
            return ""

        return self._change(actor, username, "enable", reason, enable, stays_admin=True)

    def set_role(self, actor: Actor | None, username: str, role: str, *, reason: str) -> UserView:
        """Change the user's role (read afresh on every request, so it applies at once). The
        last enabled admin cannot be demoted."""
        new_role = check_role(role)

        def change(user: m.User) -> str:
            if user.role == new_role:
                raise Conflict(f"user {user.username!r} is already {new_role}")
            user.role = new_role
            return ""

        return self._change(
            actor, username, "set_role", reason, change, stays_admin=new_role == "admin"
        )

    def reset_password(
        self, actor: Actor | None, username: str, password: str, *, reason: str
    ) -> UserView:
        """Set a new password (the policy applies) and clear a lockout; every session of the
        user ends now, and a cached HTTP Basic success with the old password no longer
        counts."""

        def reset(user: m.User) -> str:
            users.check_password_policy(user.username, password)
            user.password_hash = users.hash_password(password)
            user.failed_logins = 0
            user.locked_until = None
            return "password reset"

        return self._change(actor, username, "reset_password", reason, reset, stays_admin=True)

    def set_full_name(
        self, actor: Actor | None, username: str, full_name: str, *, reason: str
    ) -> UserView:
        """The printed name shown with the user's signatures from now on (signatures made
        earlier keep the name they were made with)."""
        name = users.check_full_name(full_name)

        def rename(user: m.User) -> str:
            if user.full_name == name:
                raise Conflict(f"user {user.username!r} already has that full name")
            user.full_name = name
            return ""

        return self._change(actor, username, "set_name", reason, rename, stays_admin=True)

    def change_password(self, actor: Actor, current: str, new: str) -> UserView:
        """A user changes their own password: the current one is checked like a login (a
        wrong one counts towards the lockout and is audited), the policy applies to the new
        one, and every session of the user ends, this one included (log in again)."""
        self.verify_password(actor, current, "password")
        if new == current:
            raise InputError(
                "the new password must differ from the current one", field="new_password"
            )
        with self._tx() as (session, now):
            user = users.by_name(session, actor.username)
            try:
                users.check_password_policy(user.username, new)
            except InputError as exc:  # the API's field is new_password
                raise InputError(
                    str(exc).removeprefix("password: "), field="new_password"
                ) from None
            before = audit.snapshot(user)
            user.password_hash = users.hash_password(new)
            ended = sessions.revoke_all(session, user.id, now=now, reason="password changed")
            why = f"changed by the user ({ended} session{'' if ended == 1 else 's'} ended)"
            audit.changed(session, actor, user, before, "change_password", why, now=now)
            return user_view(user, now, users.last_logins(session).get(user.id))

    def _change(
        self,
        actor: Actor | None,
        username: str,
        action: str,
        reason: str,
        change: Change,
        *,
        stays_admin: bool,
    ) -> UserView:
        if actor is not None:
            require(actor, "manage_users")
        why = need_reason(reason)
        with self._tx() as (session, now):
            users.serialise_account_changes(session)
            user = users.by_name(session, username)
            users.keep_an_admin(session, user, stays_admin=stays_admin)
            before = audit.snapshot(user)
            ends = change(user)
            if ends:
                ended = sessions.revoke_all(session, user.id, now=now, reason=ends)
                why += f" ({ends}: {ended} session{'' if ended == 1 else 's'} ended)"
            audit.changed(session, actor, user, before, action, why, now=now)
            return user_view(user, now, users.last_logins(session).get(user.id))
