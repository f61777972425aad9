"""Account management through the REST API (issue 13, item 11), against the real app.

A cookie (and a cached HTTP Basic success) captured before a user is disabled or given a
new password is replayed afterwards: it must open nothing (401). Only an admin manages
accounts; every other role is refused (403) and the refusal is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.api_support import PASSWORD, basic, make_app
from trialkit.store.models import AuditEvent
from trialkit.web.auth import CSRF_HEADER, SESSION_COOKIE

NEW_PASSWORD = "lichen-orbit-saddle"


@pytest.fixture
def app(store_url: str) -> Iterator[FastAPI]:
    application = make_app(store_url)
    yield application
    application.state.store.close()


def _captured_cookie(app: FastAPI, username: str) -> str:
    with TestClient(app) as victim:
        login = victim.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert login.status_code == 200, login.text
        return str(victim.cookies[SESSION_COOKIE])


def _replay(app: FastAPI, cookie: str) -> int:
    with TestClient(app) as thief:
        thief.cookies.set(SESSION_COOKIE, cookie)
        return int(thief.get("/api/v1/screenings").status_code)


def _events(app: FastAPI, action: str) -> list[AuditEvent]:
    with app.state.store.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_cookie_captured_before_disable_is_refused_after_it(app: FastAPI) -> None:
    cookie = _captured_cookie(app, "carol")
    with TestClient(app) as client:
        assert _replay(app, cookie) == 200
        assert client.get("/api/v1/screenings", headers=basic("carol")).status_code == 200
        disabled = client.post(
            "/api/v1/users/carol/disable", json={"reason": "left the site"}, headers=basic("admin")
        )
        assert disabled.status_code == 200, disabled.text
        assert disabled.json()["status"] == "disabled"
        assert _replay(app, cookie) == 401
        # the Basic success cached a moment ago no longer counts either
        assert client.get("/api/v1/screenings", headers=basic("carol")).status_code == 401
        login = client.post("/api/v1/auth/login", json={"username": "carol", "password": PASSWORD})
        assert login.status_code == 401
        assert "disabled" in login.json()["error"]["message"]
    (event,) = _events(app, "disable")
    assert (event.username, event.role) == ("admin", "admin")
    assert "1 session ended" in event.reason
    assert any(
        e.username == "carol" and e.reason == "disabled" for e in _events(app, "login_failed")
    )


def test_a_cookie_and_a_cached_password_from_before_a_reset_are_refused_after_it(
    app: FastAPI,
) -> None:
    cookie = _captured_cookie(app, "ivan")
    with TestClient(app) as client:
        assert client.get("/api/v1/subjects", headers=basic("ivan")).status_code == 200  # cached
        # reset by the service directly, as `trialkit user reset-password` from another
        # process would: this server's Basic cache is not told, its stamp check must catch it
        app.state.service.reset_password(None, "ivan", NEW_PASSWORD, reason="forgotten")
        assert _replay(app, cookie) == 401
        old = client.get("/api/v1/subjects", headers=basic("ivan"))
        assert old.status_code == 401
        assert (
            client.get("/api/v1/subjects", headers=basic("ivan", NEW_PASSWORD)).status_code == 200
        )
        # and through the API, by an admin
        cookie = _captured_cookie(app, "mona")
        reset = client.post(
            "/api/v1/users/mona/password",
            json={"password": NEW_PASSWORD, "reason": "forgotten"},
            headers=basic("admin"),
        )
        assert reset.status_code == 200, reset.text
        assert _replay(app, cookie) == 401
        weak = client.post(
            "/api/v1/users/mona/password",
            json={"password": "mona12345678", "reason": "r"},
            headers=basic("admin"),
        )
        assert weak.status_code == 400
        assert weak.json()["error"]["field"] == "password"


def test_only_an_admin_manages_accounts_and_refusals_are_audited(app: FastAPI) -> None:
    calls = (
        ("get", "/api/v1/users", None),
        ("post", "/api/v1/users", {"username": "x", "password": NEW_PASSWORD, "role": "monitor"}),
        ("post", "/api/v1/users/stan/disable", {"reason": "r"}),
        ("post", "/api/v1/users/stan/enable", {"reason": "r"}),
        ("post", "/api/v1/users/stan/role", {"role": "admin", "reason": "r"}),
        ("post", "/api/v1/users/stan/password", {"password": NEW_PASSWORD, "reason": "r"}),
        ("post", "/api/v1/users/stan/full-name", {"full_name": "Stan Smith", "reason": "r"}),
    )
    with TestClient(app) as client:
        for user in ("carol", "ivan", "mona", "stan"):
            for method, path, body in calls:
                response = client.request(method, path, json=body, headers=basic(user))
                assert response.status_code == 403, (user, path, response.text)
                assert response.json()["error"]["code"] == "forbidden"
        denied = _events(app, "access_denied")
        assert len(denied) == 4 * len(calls)
        assert {e.username for e in denied} == {"carol", "ivan", "mona", "stan"}
        listed = client.get("/api/v1/users", headers=basic("admin")).json()
        stan = next(u for u in listed if u["username"] == "stan")
        assert (stan["role"], stan["status"]) == ("statistician", "enabled")
        assert stan["full_name"] == "Stan Statistician"  # the refused rename did nothing


def test_the_admin_endpoints_change_accounts_and_keep_the_last_admin(app: FastAPI) -> None:
    admin = basic("admin")
    with TestClient(app) as client:
        named = client.post(
            "/api/v1/users/ivan/full-name",
            json={"full_name": "Dr Ivan P. Petrov", "reason": "middle initial"},
            headers=admin,
        )
        assert named.status_code == 200, named.text
        assert named.json()["full_name"] == "Dr Ivan P. Petrov"
        role = client.post(
            "/api/v1/users/mona/role", json={"role": "coordinator", "reason": "r"}, headers=admin
        )
        assert role.json()["role"] == "coordinator"
        assert client.get("/api/v1/auth/me", headers=basic("mona")).json()["role"] == "coordinator"
        for path, body in (
            ("/api/v1/users/admin/disable", {"reason": "r"}),
            ("/api/v1/users/admin/role", {"role": "monitor", "reason": "r"}),
        ):
            refused = client.post(path, json=body, headers=admin)
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"]["code"] == "last_enabled_admin"
            assert "last enabled admin" in refused.json()["error"]["message"]
        assert (
            client.post(
                "/api/v1/users/nobody/enable", json={"reason": "r"}, headers=admin
            ).status_code
            == 404
        )
        assert (
            client.post(
                "/api/v1/users/ivan/enable", json={"reason": "r"}, headers=admin
            ).status_code
            == 409
        )
        no_reason = client.post("/api/v1/users/ivan/disable", json={}, headers=admin)
        assert no_reason.status_code == 422
        created = client.post(
            "/api/v1/users",
            json={
                "username": "jdoe",
                "password": NEW_PASSWORD,
                "role": "investigator",
                "full_name": "Dr Jane Doe",
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        assert created.json()["full_name"] == "Dr Jane Doe"
        verified = client.get("/api/v1/audit/verify", headers=admin)
        assert verified.json()["ok"], verified.text


def test_changing_your_own_password_ends_every_session_and_a_wrong_one_counts(
    app: FastAPI,
) -> None:
    other_cookie = _captured_cookie(app, "carol")  # carol's session on another machine
    with TestClient(app) as client:
        login = client.post("/api/v1/auth/login", json={"username": "carol", "password": PASSWORD})
        csrf = {CSRF_HEADER: login.json()["csrf_token"]}
        wrong = client.post(
            "/api/v1/auth/password",
            json={"current_password": "not it", "new_password": NEW_PASSWORD},
            headers=csrf,
        )
        assert wrong.status_code == 401
        assert "current password is wrong" in wrong.json()["error"]["message"]
        weak = client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "carol-123456"},
            headers=csrf,
        )
        assert weak.status_code == 400
        assert weak.json()["error"]["field"] == "new_password"
        no_csrf = client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert no_csrf.status_code == 403
        changed = client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=csrf,
        )
        assert changed.status_code == 204, changed.text
        assert client.get("/api/v1/auth/me").status_code == 401  # this session too
        assert _replay(app, other_cookie) == 401
        assert client.get("/api/v1/auth/me", headers=basic("carol")).status_code == 401
        assert (
            client.get("/api/v1/auth/me", headers=basic("carol", NEW_PASSWORD)).json()["username"]
            == "carol"
        )
    (failed,) = _events(app, "password_failed")
    assert (failed.username, failed.reason) == ("carol", "wrong password")
    (event,) = _events(app, "change_password")
    assert event.username == "carol"
    assert event.reason == "changed by the user (2 sessions ended)"
