"""Authentication through the web layer: sessions with CSRF, HTTP Basic, lockout, logout."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import AS_OF, PASSWORD, basic, example_bundle, make_app
from trialkit.web.auth import CSRF_HEADER, SESSION_COOKIE


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url)) as c:
        yield c


def json_login(client: TestClient, username: str = "carol") -> str:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["username"] == username
    token: str = response.json()["csrf_token"]
    return token


def page_csrf(client: TestClient) -> str:
    page = client.get("/", headers={"Accept": "text/html"})
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the login page carries the session's CSRF token"
    return match.group(1)


SCREEN = {"bundle": example_bundle(), "as_of": AS_OF}


def test_cookie_authenticated_write_needs_the_csrf_token(client: TestClient) -> None:
    token = json_login(client)
    without = client.post("/api/v1/screenings", json=SCREEN)
    assert without.status_code == 403
    assert without.json()["error"]["code"] == "csrf"
    wrong = client.post("/api/v1/screenings", json=SCREEN, headers={CSRF_HEADER: "x" + token})
    assert wrong.status_code == 403
    # nothing was stored by the refused requests
    assert client.get("/api/v1/screenings").json()["items"] == []
    right = client.post("/api/v1/screenings", json=SCREEN, headers={CSRF_HEADER: token})
    assert right.status_code == 201, right.text
    assert client.get("/api/v1/screenings").json()["total"] == 1


def test_basic_auth_needs_no_csrf_token(client: TestClient) -> None:
    response = client.post("/api/v1/screenings", json=SCREEN, headers=basic("carol"))
    assert response.status_code == 201, response.text


def test_session_cookie_is_httponly_and_samesite_lax(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "carol", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert PASSWORD not in cookie


def test_form_login_and_logout(client: TestClient) -> None:
    token = page_csrf(client)
    response = client.post(
        "/login",
        data={"username": "ivan", "password": PASSWORD, "csrf_token": token, "next": "/screening"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/screening"
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["role"] == "investigator"
    # the session's token changed at login (a token seen before login is worthless after it)
    assert me.json()["csrf_token"] != token

    refused = client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/api/v1/auth/me").status_code == 200
    out = client.post(
        "/logout", data={"csrf_token": me.json()["csrf_token"]}, follow_redirects=False
    )
    assert out.status_code == 303
    assert client.get("/api/v1/auth/me").status_code == 401


def test_form_login_without_the_pages_csrf_token_is_refused(client: TestClient) -> None:
    response = client.post(
        "/login", data={"username": "ivan", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert client.get("/api/v1/auth/me").status_code == 401


def test_login_redirect_never_leaves_the_site(client: TestClient) -> None:
    token = page_csrf(client)
    response = client.post(
        "/login",
        data={
            "username": "ivan",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/steal",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_wrong_password_is_401_and_five_failures_lock_the_account(client: TestClient) -> None:
    # a success first: a recently verified Basic credential must not outlive a lockout
    assert client.get("/api/v1/screenings", headers=basic("carol")).status_code == 200
    for _ in range(5):
        response = client.get("/api/v1/screenings", headers=basic("carol", "wrong password"))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    locked = client.get("/api/v1/screenings", headers=basic("carol"))
    assert locked.status_code == 401
    assert "lock" in locked.json()["error"]["message"].lower()
    login = client.post("/api/v1/auth/login", json={"username": "carol", "password": PASSWORD})
    assert login.status_code == 401
    # other accounts are unaffected
    assert client.get("/api/v1/screenings", headers=basic("ivan")).status_code == 200


def test_unknown_user_and_wrong_password_read_the_same(client: TestClient) -> None:
    unknown = client.get("/api/v1/auth/me", headers=basic("nobody", "whatever1"))
    wrong = client.get("/api/v1/auth/me", headers=basic("carol", "whatever1"))
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["error"]["message"] == wrong.json()["error"]["message"]


def test_malformed_basic_header_is_401_not_500(client: TestClient) -> None:
    for header in ("Basic !!!notbase64", "Basic bm9jb2xvbg==", "Basic", "Basic w6k="):
        response = client.get("/api/v1/auth/me", headers={"Authorization": header})
        assert response.status_code == 401, header
