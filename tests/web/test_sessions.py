"""Server-side sessions: logout, idle timeout and lifetime end a session for good.

A cookie captured while logged in is replayed by a second, independent client
after the session ended: it must read and write nothing (issue 13, observation 6).
Every test runs the real app over a real store (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.api_support import (
    AS_OF,
    FULL_NAMES,
    PASSWORD,
    SECRET,
    USERS,
    example_bundle,
    make_app,
)
from trialkit.store.models import AuditEvent
from trialkit.web.app import create_app
from trialkit.web.auth import CSRF_HEADER, SESSION_COOKIE

SCREEN = {"bundle": example_bundle(), "as_of": AS_OF}


class Clock:
    """A clock the test moves by hand (session expiry without waiting)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now


def app_with(store_url: str, clock: Clock | None = None) -> FastAPI:
    app = create_app(
        store_url,
        secret_key=SECRET,
        session_idle=timedelta(minutes=30),
        session_lifetime=timedelta(hours=8),
        clock=clock,
    )
    for username, role in USERS.items():
        app.state.service.add_user(None, username, PASSWORD, role, FULL_NAMES[username])
    return app


def login(client: TestClient, username: str = "carol") -> str:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def replay(app: FastAPI, cookie: str) -> TestClient:
    """A second client that only has the captured cookie (as an attacker would)."""
    other = TestClient(app)
    other.cookies.set(SESSION_COOKIE, cookie)
    return other


def actions(app: FastAPI, action: str) -> list[AuditEvent]:
    with app.state.store.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def app(store_url: str) -> Iterator[FastAPI]:
    application = make_app(store_url)  # the defaults, as `trialkit serve` runs them
    yield application
    application.state.store.close()


def test_a_cookie_captured_before_logout_neither_reads_nor_writes_after_it(app: FastAPI) -> None:
    with TestClient(app) as client:
        csrf = login(client)
        cookie = client.cookies[SESSION_COOKIE]
        with replay(app, cookie) as thief:
            assert thief.get("/api/v1/screenings").status_code == 200  # the cookie works now
        out = client.post("/api/v1/auth/logout", headers={CSRF_HEADER: csrf})
        assert out.status_code == 204
        with replay(app, cookie) as thief:
            read = thief.get("/api/v1/screenings")
            assert read.status_code == 401, read.text
            write = thief.post("/api/v1/screenings", json=SCREEN, headers={CSRF_HEADER: csrf})
            assert write.status_code == 401, write.text
            page = thief.get("/screening", headers={"Accept": "text/html"}, follow_redirects=False)
            assert page.status_code == 303  # back to the login page
        assert client.get("/api/v1/screenings").status_code == 401
    # nothing was written by the replayed cookie; the logout and the refusals are audited
    with TestClient(app) as admin:
        listed = admin.get("/api/v1/screenings", auth=("admin", PASSWORD)).json()
        assert listed["total"] == 0
    logouts = actions(app, "logout")
    assert [(e.username, e.kind) for e in logouts] == [("carol", "user")]
    refused = actions(app, "session_refused")
    assert refused
    assert all(e.username == "carol" for e in refused)
    assert all("logout" in e.reason for e in refused)


def test_form_logout_also_revokes_the_server_side_session(app: FastAPI) -> None:
    with TestClient(app, follow_redirects=False) as client:
        login(client, "ivan")
        cookie = client.cookies[SESSION_COOKIE]
        csrf = client.get("/api/v1/auth/me").json()["csrf_token"]
        assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
        with replay(app, cookie) as thief:
            assert thief.get("/api/v1/auth/me").status_code == 401


def test_idle_timeout_and_absolute_lifetime_end_a_session(store_url: str) -> None:
    clock = Clock()
    app = app_with(store_url, clock)
    try:
        with TestClient(app) as client:
            login(client)
            clock.now += timedelta(minutes=29)
            assert client.get("/api/v1/auth/me").status_code == 200  # activity keeps it alive
            clock.now += timedelta(minutes=29)
            assert client.get("/api/v1/auth/me").status_code == 200
            cookie = client.cookies[SESSION_COOKIE]
            clock.now += timedelta(minutes=31)
            idle = client.get("/api/v1/auth/me")
            assert idle.status_code == 401
            assert "idle" in idle.json()["error"]["message"]
            with replay(app, cookie) as thief:  # it stays dead for a copy of the cookie too
                assert thief.get("/api/v1/auth/me").status_code == 401

            login(client)
            for _ in range(16):  # 16 × 29 min of steady activity: 7 h 44 min
                clock.now += timedelta(minutes=29)
                assert client.get("/api/v1/auth/me").status_code == 200
            clock.now += timedelta(minutes=17)  # 8 h 01 min after login
            late = client.get("/api/v1/auth/me")
            assert late.status_code == 401
            assert "lifetime" in late.json()["error"]["message"]
    finally:
        app.state.store.close()


def test_a_disabled_users_session_stops_at_once(app: FastAPI) -> None:
    with TestClient(app) as client:
        login(client)
        with app.state.store.session() as session:
            from trialkit.store.models import User

            user = session.scalar(select(User).where(User.username == "carol"))
            assert user is not None
            user.active = False
        assert client.get("/api/v1/screenings").status_code == 401
