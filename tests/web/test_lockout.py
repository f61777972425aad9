"""Lockout that holds under concurrency, for logins and e-signature passwords alike.

Real server (uvicorn on a loopback port), real database (SQLite and PostgreSQL),
real threads: every guess is counted and audited, none becomes a 409, and an
account under a burst of guesses ends up locked even if the right password is
among them (issue 13, observations 7, 8 and 12).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.api_support import (
    AS_OF,
    MEANING,
    PASSWORD,
    basic,
    example_bundle,
    live_server,
    make_app,
    screen,
)
from trialkit.store.models import AuditEvent, User
from trialkit.web.auth import CSRF_HEADER

MAX_FAILED = 5  # the service default (trialkit.store.users.MAX_FAILED_LOGINS)


@pytest.fixture
def app(store_url: str) -> FastAPI:
    return make_app(store_url)


def events(app: FastAPI, action: str, username: str) -> int:
    with app.state.store.session() as session:
        query = select(func.count()).where(
            AuditEvent.action == action, AuditEvent.username == username
        )
        return int(session.scalar(query) or 0)


def user_row(app: FastAPI, username: str) -> tuple[int, datetime | None]:
    with app.state.store.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return user.failed_logins, user.locked_until


def burst(base: str, passwords: list[str], username: str = "carol") -> Counter[int]:
    """POST every password to the JSON login at once (one thread and connection each)."""
    start = threading.Barrier(len(passwords))

    def attempt(password: str) -> int:
        with httpx.Client(base_url=base, timeout=120) as client:
            start.wait()
            body = {"username": username, "password": password}
            return client.post("/api/v1/auth/login", json=body).status_code

    with ThreadPoolExecutor(len(passwords)) as pool:
        return Counter(pool.map(attempt, passwords))


def test_concurrent_wrong_logins_are_each_counted_and_audited(app: FastAPI) -> None:
    with live_server(app) as base:
        statuses = burst(base, [f"wrong guess {i}" for i in range(16)])
    assert statuses == Counter({401: 16})  # never 409, never 5xx
    assert events(app, "login_failed", "carol") == 16
    # 16 consecutive failures: locked at the 5th, at the 10th and at the 15th; one left
    failed, locked_until = user_row(app, "carol")
    assert locked_until is not None
    assert locked_until > datetime.now(UTC).replace(tzinfo=None)
    assert failed == 16 % MAX_FAILED
    with TestClient(app) as client:
        right = client.post("/api/v1/auth/login", json={"username": "carol", "password": PASSWORD})
        assert right.status_code == 401
        assert "locked" in right.json()["error"]["message"]


def test_a_burst_of_guesses_locks_the_account_even_with_the_right_password_in_it(
    app: FastAPI,
) -> None:
    with live_server(app) as base:
        statuses = burst(base, [f"guess {i}" for i in range(30)] + [PASSWORD])
    assert statuses[409] == 0
    assert statuses[401] >= 30
    assert set(statuses) <= {200, 401}
    # 30 failures with at most one reset among them: at least 15 in a row, so locked
    assert events(app, "login_failed", "carol") >= 30
    _, locked_until = user_row(app, "carol")
    assert locked_until is not None
    assert locked_until > datetime.now(UTC).replace(tzinfo=None)
    with TestClient(app) as client:
        assert client.get("/api/v1/screenings", headers=basic("carol")).status_code == 401


def sign(client: TestClient, view: dict[str, Any], password: str, token: str) -> httpx.Response:
    response: httpx.Response = client.post(
        f"/api/v1/screenings/{view['id']}/sign",
        json={"password": password, "meaning": MEANING, "version": view["version"]},
        headers={CSRF_HEADER: token},
    )
    return response


def test_wrong_signature_passwords_are_counted_audited_and_lock(app: FastAPI) -> None:
    # Someone at the investigator's unlocked session (or holding its cookie) guesses the
    # signing password: each guess counts, and the fifth locks the account.
    with TestClient(app) as client:
        view = screen(client)
        login = client.post("/api/v1/auth/login", json={"username": "ivan", "password": PASSWORD})
        token = login.json()["csrf_token"]
        for _ in range(MAX_FAILED):
            wrong = sign(client, view, "not my password", token)
            assert wrong.status_code == 401
            assert wrong.json()["error"]["code"] == "unauthenticated"
        assert events(app, "sign_failed", "ivan") == MAX_FAILED
        # the next right password signs nothing: the account is locked, for logins too
        right = sign(client, view, PASSWORD, token)
        assert right.status_code == 401
        assert "locked" in right.json()["error"]["message"]
        assert client.get("/api/v1/auth/me", headers=basic("ivan")).status_code == 401
        stored = client.get(f"/api/v1/screenings/{view['id']}", headers=basic("carol")).json()
        assert stored["version"] == view["version"]  # nothing was signed
    assert events(app, "sign_failed", "ivan") == MAX_FAILED + 1


def test_role_and_csrf_refusals_are_audit_events(app: FastAPI) -> None:
    with TestClient(app) as client:
        view = screen(client)
        refused = client.post(
            f"/api/v1/screenings/{view['id']}/sign",
            json={"password": PASSWORD, "meaning": MEANING, "version": view["version"]},
            headers=basic("carol"),  # a coordinator may not sign
        )
        assert refused.status_code == 403, refused.text
        assert events(app, "access_denied", "carol") == 1

        login = client.post("/api/v1/auth/login", json={"username": "mona", "password": PASSWORD})
        token = login.json()["csrf_token"]
        body = {"bundle": example_bundle(), "as_of": AS_OF}
        forged = client.post("/api/v1/screenings", json=body)  # the cookie without the token
        assert forged.status_code == 403
        assert forged.json()["error"]["code"] == "csrf"
        assert events(app, "csrf_refused", "mona") == 1
        assert token  # the right token was available: the refusal was the missing header
        client.post("/api/v1/auth/logout", headers={CSRF_HEADER: token})
