"""Account rules through the service: the password policy and account management (issue 13,
observation 13 and item 11), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.store.helpers import ROLES, Study, make_study, password
from trialkit.errors import (
    AuthError,
    Conflict,
    InputError,
    NotFound,
    PermissionDenied,
    ProtocolRefusal,
)
from trialkit.services.study.views import UserView
from trialkit.store import users
from trialkit.store.models import AuditEvent
from trialkit.store.permissions import Actor


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    folder: Path = tmp_path_factory.mktemp("accounts")
    return make_study(f"sqlite:///{folder / 'trialkit.db'}")


@pytest.mark.parametrize(
    "password",
    [
        "password",  # short
        "12345678",
        "newcomer",  # the user name
        "Newcomer2026!!!",  # the user name padded with digits and punctuation
        "password1234",  # long, but on every list of common passwords
        "123456789012",
        "qwertyuiopas",
        "Correct Horse Battery Staple",  # a famous one, spaces and case ignored
        "aaaaaaaaaaaaaaaa",  # one character repeated
        "abababababab",
    ],
)
def test_weak_passwords_are_refused_naming_the_field(study: Study, password: str) -> None:
    with pytest.raises(InputError) as refused:
        study.service.add_user(study["admin"], "newcomer", password, "monitor")
    assert refused.value.field == "password"


def test_a_long_uncommon_password_passes(study: Study) -> None:
    view = study.service.add_user(study["admin"], "newcomer", "violet-kettle-harbour", "monitor")
    assert view.username == "newcomer"


# ---- account management (issue 13, item 11): disable, enable, role, reset, full name ------


@pytest.fixture
def fresh(store_url: str) -> Iterator[Study]:
    """A new study per test, on SQLite and on PostgreSQL."""
    study = make_study(store_url)
    yield study
    study.service.store.close()


def _events(study: Study, action: str) -> list[AuditEvent]:
    with study.service.store.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _session_token(study: Study, role: str) -> str:
    actor = study.service.authenticate(role, password(role))
    return study.service.start_session(actor)


def test_a_disabled_user_cannot_log_in_and_their_sessions_end(fresh: Study) -> None:
    svc, admin = fresh.service, fresh["admin"]
    token = _session_token(fresh, "coordinator")
    assert svc.resume_session(token).username == "coordinator"
    view = svc.disable_user(admin, "coordinator", reason="left the site")
    assert (view.active, view.status) == (False, "disabled")
    with pytest.raises(AuthError, match="log in again"):
        svc.resume_session(token)
    with pytest.raises(AuthError, match="disabled"):
        svc.authenticate("coordinator", password("coordinator"))
    (disabled,) = _events(fresh, "disable")
    assert (disabled.username, disabled.role, disabled.kind) == ("admin", "admin", "user")
    assert disabled.reason == "left the site (user disabled: 1 session ended)"
    assert json.loads(disabled.changes)["active"] == [True, False]
    refused = [e for e in _events(fresh, "login_failed") if e.username == "coordinator"]
    assert [e.reason for e in refused] == ["disabled"]
    # enabled again: the right password works, the old session stays dead
    assert svc.enable_user(admin, "coordinator", reason="back").status == "enabled"
    assert svc.authenticate("coordinator", password("coordinator")).role == "coordinator"
    with pytest.raises(AuthError):
        svc.resume_session(token)
    assert svc.verify_audit().ok


def test_a_password_reset_ends_sessions_clears_the_lock_and_keeps_the_policy(
    fresh: Study,
) -> None:
    svc, admin = fresh.service, fresh["admin"]
    token = _session_token(fresh, "investigator")
    for _ in range(5):
        with pytest.raises(AuthError):
            svc.authenticate("investigator", "wrong")
    assert next(u for u in svc.list_users(admin) if u.username == "investigator").status == (
        "locked"
    )
    with pytest.raises(InputError) as weak:
        svc.reset_password(admin, "investigator", "investigator1", reason="forgotten")
    assert weak.value.field == "password"
    view = svc.reset_password(admin, "investigator", "quiet-lantern-meadow", reason="forgotten")
    assert (view.status, view.failed_logins, view.locked_until) == ("enabled", 0, None)
    with pytest.raises(AuthError):
        svc.resume_session(token)
    with pytest.raises(AuthError, match="wrong username or password"):
        svc.authenticate("investigator", password("investigator"))
    assert svc.authenticate("investigator", "quiet-lantern-meadow").role == "investigator"
    (reset,) = _events(fresh, "reset_password")
    assert reset.username == "admin"
    changed = json.loads(reset.changes)
    assert changed["password_hash"][0] != changed["password_hash"][1]
    assert changed["password_hash"][1].startswith("sha256:")  # never the hash itself
    assert "quiet" not in reset.changes
    assert svc.verify_audit().ok


def test_a_password_changed_while_the_old_one_was_being_checked_does_not_log_in(
    fresh: Study,
) -> None:
    svc = fresh.service
    with svc.store.session() as session:
        candidate = users.find(session, "monitor")  # read before the (slow) argon2 check
    assert candidate is not None
    svc.reset_password(None, "monitor", "copper-violin-garden", reason="reset meanwhile")
    with svc.store.session() as session:
        actor, why = users.settle(
            session,
            candidate,
            "monitor",
            True,  # the old password matched the old hash
            purpose="login",
            now=fresh.clock(),
            max_failed=5,
            lockout=timedelta(minutes=15),
        )
    assert actor is None
    assert why == users.BAD_CREDENTIALS


def test_a_new_role_applies_to_the_next_request(fresh: Study) -> None:
    svc, admin = fresh.service, fresh["admin"]
    token = _session_token(fresh, "monitor")
    view = svc.set_role(admin, "monitor", "investigator", reason="now the sub-investigator")
    assert view.role == "investigator"
    assert svc.resume_session(token).role == "investigator"
    with pytest.raises(InputError, match="unknown role"):
        svc.set_role(admin, "monitor", "boss", reason="r")
    with pytest.raises(Conflict, match="already investigator"):
        svc.set_role(admin, "monitor", "investigator", reason="r")


def test_the_last_enabled_admin_can_be_neither_disabled_nor_demoted(fresh: Study) -> None:
    svc, admin = fresh.service, fresh["admin"]
    changes: tuple[Callable[[], UserView], ...] = (
        lambda: svc.disable_user(admin, "admin", reason="r"),
        lambda: svc.set_role(None, "admin", "monitor", reason="r"),
    )
    for change in changes:
        with pytest.raises(ProtocolRefusal, match="last enabled admin") as refused:
            change()
        assert refused.value.rule == "last_enabled_admin"
    svc.add_user(admin, "second", "amber-falcon-window", "admin", "Sam Second")
    svc.disable_user(admin, "second", reason="on leave")
    with pytest.raises(ProtocolRefusal):  # a disabled admin does not count
        svc.set_role(admin, "admin", "coordinator", reason="r")
    svc.enable_user(admin, "second", reason="back")
    assert svc.set_role(admin, "admin", "coordinator", reason="handed over").role == "coordinator"
    with pytest.raises(ProtocolRefusal):
        svc.disable_user(None, "second", reason="r")


def test_two_admins_disabling_each_other_at_once_leave_one_enabled(fresh: Study) -> None:
    svc = fresh.service
    svc.add_user(fresh["admin"], "second", "amber-falcon-window", "admin")
    second = svc.authenticate("second", "amber-falcon-window")
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def disable(actor: Actor, target: str) -> None:
        start.wait()
        try:
            svc.disable_user(actor, target, reason="race")
            outcomes[target] = "disabled"
        except (ProtocolRefusal, AuthError, Conflict) as exc:
            outcomes[target] = type(exc).__name__

    for _ in range(3):
        outcomes.clear()
        threads = [
            threading.Thread(target=disable, args=(fresh["admin"], "second")),
            threading.Thread(target=disable, args=(second, "admin")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        enabled = [u.username for u in svc.list_users(None) if u.role == "admin" and u.active]
        assert len(enabled) == 1, outcomes
        assert sorted(outcomes.values()) == ["ProtocolRefusal", "disabled"], outcomes
        (back,) = {"admin", "second"} - set(enabled)
        svc.enable_user(None, back, reason="again")
    assert svc.verify_audit().ok


def test_only_an_admin_manages_accounts_and_each_refusal_is_audited(fresh: Study) -> None:
    svc = fresh.service
    calls = (
        lambda a: svc.disable_user(a, "monitor", reason="r"),
        lambda a: svc.enable_user(a, "monitor", reason="r"),
        lambda a: svc.set_role(a, "monitor", "admin", reason="r"),
        lambda a: svc.reset_password(a, "monitor", "amber-falcon-window", reason="r"),
        lambda a: svc.set_full_name(a, "monitor", "Mo Nitor", reason="r"),
        lambda a: svc.list_users(a),
    )
    for role in ("coordinator", "investigator", "monitor", "statistician"):
        for call in calls:
            with pytest.raises(PermissionDenied):
                call(fresh[role])
    denied = _events(fresh, "access_denied")
    assert len(denied) == 4 * len(calls)
    assert {e.username for e in denied} == set(ROLES) - {"admin"}
    assert svc.list_users(fresh["admin"])[3].active  # nothing changed
    with pytest.raises(InputError, match="reason"):
        svc.disable_user(fresh["admin"], "monitor", reason=" ")
    with pytest.raises(NotFound):
        svc.disable_user(fresh["admin"], "nobody", reason="r")


def test_full_names_are_kept_in_words(fresh: Study) -> None:
    svc, admin = fresh.service, fresh["admin"]
    view = svc.add_user(admin, "jdoe", "amber-falcon-window", "investigator", " Dr  Jane Doe ")
    assert view.full_name == "Dr Jane Doe"
    assert svc.set_full_name(admin, "jdoe", "Dr Jane Doe-Smith", reason="married").full_name == (
        "Dr Jane Doe-Smith"
    )
    for bad in ("x" * 129, "12345", "Jane\x00Doe"):
        with pytest.raises(InputError) as refused:
            svc.set_full_name(admin, "jdoe", bad, reason="r")
        assert refused.value.field == "full_name"
    assert svc.verify_audit().ok


def test_the_user_list_says_status_and_last_sign_in(fresh: Study) -> None:
    svc = fresh.service
    listed = {u.username: u for u in svc.list_users(None)}
    # make_study authenticated every role once at NOW
    assert listed["monitor"].last_login == fresh.clock.now.isoformat()
    fresh.clock.now += timedelta(hours=2)
    svc.authenticate("monitor", password("monitor"))
    later = {u.username: u for u in svc.list_users(None)}
    assert later["monitor"].last_login == fresh.clock.now.isoformat()
    assert later["coordinator"].last_login == listed["coordinator"].last_login
