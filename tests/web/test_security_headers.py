"""Headers on every page and bounds on every body (issue 13, observations 10 and 11).

The real app over a real store, logged in as a browser would; every page a
coordinator reaches is fetched, and every response must carry the headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import AS_OF, PASSWORD, basic, enrolled_subject, make_app

PAGES = [
    "/",
    "/screening",
    "/screening/new",
    "/screening/1",
    "/subjects",
    "/subjects/1",
    "/dashboard",
    "/export",
    "/static/app.css",
    "/static/app.js",
    "/openapi.json",
    "/api/v1/screenings",
    "/no-such-page",
]
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url), follow_redirects=False) as c:
        enrolled_subject(c)
        c.post("/api/v1/auth/login", json={"username": "carol", "password": PASSWORD})
        yield c


def assert_headers(response: object, url: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers.get("content-security-policy", "")
    directives: dict[str, str] = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    assert directives.get("frame-ancestors") == "'none'", url
    assert directives.get("script-src") == "'self'", url  # no inline script, no other origin
    assert "unsafe-inline" not in csp, url
    assert "http" not in csp, url
    assert headers.get("x-frame-options") == "DENY", url
    assert headers.get("x-content-type-options") == "nosniff", url
    assert headers.get("referrer-policy") == "no-referrer", url


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    for url in PAGES:
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.status_code < 500, url
        assert_headers(response, url)


def test_no_page_loads_anything_from_another_origin_or_inline(client: TestClient) -> None:
    assert client.get("/api/docs").status_code == 404  # Swagger UI came from a CDN: off
    for url in PAGES:
        response = client.get(url, headers={"Accept": "text/html"})
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page = response.text
        assert not EXTERNAL.search(page), url
        for script in re.findall(r"<script\b[^>]*>(.*?)</script>", page, re.DOTALL):
            assert not script.strip(), f"inline script in {url}"
        assert "<style" not in page, url
        assert not re.search(r"\sstyle\s*=", page), f"inline style attribute in {url}"
        assert not re.search(r"\son[a-z]+\s*=", page), f"inline event handler in {url}"


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_deep_and_huge_bodies_are_4xx_on_every_kind_of_endpoint(client: TestClient) -> None:
    nested = '{"bundle": ' + deep(5000) + ', "as_of": "' + AS_OF + '"}'
    json_headers = {"Content-Type": "application/json", **basic("carol")}
    for url in ("/api/v1/screenings", "/api/v1/auth/login", "/api/v1/screenings/1/crf"):
        response = client.post(url, content=nested, headers=json_headers)
        assert response.status_code == 400, (url, response.text)
        assert response.json()["error"]["code"] == "too_deep"
        assert_headers(response, url)
    upload = client.post(
        "/api/v1/screenings/upload",
        files={"bundle": ("deep.json", deep(5000).encode(), "application/json")},
        data={"as_of": AS_OF},
        headers=basic("carol"),
    )
    assert 400 <= upload.status_code < 500, upload.text
    page = client.get("/screening/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    form = client.post(
        "/screening/new",
        data={"csrf_token": token.group(1), "as_of": AS_OF, "crf": deep(5000)},
        files={"bundle": ("deep.json", deep(5000).encode(), "application/json")},
    )
    assert 400 <= form.status_code < 500, form.text
    huge = b'{"bundle": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/screenings", content=huge, headers=json_headers)
    assert response.status_code == 413
    assert_headers(response, "/api/v1/screenings (huge)")
    # the connection is still usable after the refusals
    assert client.get("/api/v1/screenings", headers=basic("carol")).status_code == 200


def test_every_operation_with_a_body_refuses_deep_and_huge_bodies(client: TestClient) -> None:
    """Issue 13 acceptance: deep and huge bodies on every operation the OpenAPI schema
    declares with a request body — 400 too_deep / 413, never a 5xx, headers present."""
    spec = client.get("/openapi.json").json()
    operations = [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    assert len(operations) > 15  # the schema really lists the write paths
    nested = deep(5000).encode()
    huge = b'{"x": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    headers = {"Content-Type": "application/json", **basic("carol")}
    for method, url in operations:
        response = client.request(method, url, content=nested, headers=headers)
        assert response.status_code == 400, (method, url, response.status_code, response.text)
        assert response.json()["error"]["code"] == "too_deep", (method, url)
        assert_headers(response, url)
        response = client.request(method, url, content=huge, headers=headers)
        assert response.status_code == 413, (method, url, response.status_code)
        assert_headers(response, url)
