"""``trialkit serve`` plumbing: the session key, and how pages and the API answer errors."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import make_app
from trialkit.cli.main import main
from trialkit.cli.serve import SECRET_ENV, secret_key_for


def test_session_key_is_kept_beside_the_sqlite_file_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first = secret_key_for(url)
    path = tmp_path / "study.db.secret"
    assert path.read_text(encoding="utf-8").strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key_for(url) == first  # a restart keeps everybody logged in
    assert len(first) >= 40


def test_session_key_from_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert secret_key_for(f"sqlite:///{tmp_path / 'x.db'}") == "from-env"
    assert not (tmp_path / "x.db.secret").exists()


def test_serve_with_a_bad_database_url_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(SECRET_ENV, "x")
    assert main(["serve", "--db", "mysql://nowhere/db", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "url",
    [
        "mysql://nowhere/db",  # a dialect the store does not support
        "postgresql://nobody@/nodb?host=/nonexistent&port=1",  # a server that is not there
        "sqlite:///no/such/directory/study.db",  # a file that cannot be created
    ],
)
def test_serve_with_an_unusable_database_leaves_no_key_file(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert main(["serve", "--db", url, "--port", "0"]) == 2
    assert list(tmp_path.rglob("*")) == []


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url)) as c:
        yield c


def test_browsers_get_html_errors_on_pages_and_json_on_the_api(client: TestClient) -> None:
    html = {"Accept": "text/html,application/xhtml+xml"}
    page = client.get("/no-such-page", headers=html)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/no-such-thing", headers=html)
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    # a script asking a page path without Accept: text/html gets the JSON body
    plain = client.get("/no-such-page")
    assert plain.status_code == 404
    assert plain.json()["error"]["code"] == "not_found"


def test_static_files_are_served(client: TestClient) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]
