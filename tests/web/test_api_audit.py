"""``/api/v1/audit/verify?head=SEQ:HASH`` and ``/api/v1/audit/head`` (issue 13, item 9):
the REST API anchors the audit trail like ``trialkit audit verify --head`` does, on SQLite
and PostgreSQL, against the real app with its audit key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.store.tamper import rewrite
from tests.web.api_support import FULL_NAMES, PASSWORD, SECRET, USERS, basic, enrolled_subject
from trialkit.store.audit_key import audit_key_file
from trialkit.store.models import AuditEvent
from trialkit.web.app import create_app


@pytest.fixture
def app(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.chdir(tmp_path)  # a PostgreSQL store's audit key file lands here
    application = create_app(
        store_url, secret_key=SECRET, audit_key=audit_key_file(store_url, create=True)
    )
    for username, role in USERS.items():
        application.state.service.add_user(None, username, PASSWORD, role, FULL_NAMES[username])
    yield application
    application.state.store.close()


def test_a_head_kept_from_the_api_detects_a_rewrite_with_the_database_alone(
    app: FastAPI, store_url: str
) -> None:
    with TestClient(app) as client:
        enrolled_subject(client)
        kept = client.get("/api/v1/audit/head", headers=basic("mona"))
        assert kept.status_code == 200, kept.text
        head = kept.json()["head"]
        assert head == f"{kept.json()['seq']}:{kept.json()['hash']}"
        ok = client.get("/api/v1/audit/verify", params={"head": head}, headers=basic("mona"))
        assert ok.json()["ok"], ok.text
        app.state.store.close()  # the attacker works on the database while no one writes

        rewrite(store_url)

        broken = client.get("/api/v1/audit/verify", headers=basic("mona")).json()
        assert not broken["ok"]
        assert any("sealed" in p for p in broken["problems"])
        anchored = client.get(
            "/api/v1/audit/verify", params={"head": head}, headers=basic("mona")
        ).json()
        assert not anchored["ok"]
        seq = head.split(":")[0]
        assert f"audit event {seq} differs from the head kept elsewhere" in " ".join(
            anchored["problems"]
        )


MONA = basic("mona")


def test_a_malformed_head_is_a_400_naming_the_field(app: FastAPI) -> None:
    with TestClient(app) as client:
        for bad in ("12", "x:" + "0" * 64, "3:abc", "3:" + "g" * 64):
            refused = client.get(
                "/api/v1/audit/verify", params={"head": bad}, headers=basic("mona")
            )
            assert refused.status_code == 400, (bad, refused.text)
            assert refused.json()["error"]["field"] == "head"
            assert "not an audit head" in refused.json()["error"]["message"]
        too_long = client.get(
            "/api/v1/audit/verify", params={"head": "1:" + "0" * 300}, headers=basic("mona")
        )
        assert too_long.status_code == 422


def test_a_role_without_the_audit_trail_is_refused_and_the_refusal_audited(app: FastAPI) -> None:
    with TestClient(app) as client:
        for path in ("/api/v1/audit/verify", "/api/v1/audit/head"):
            refused = client.get(path, headers=basic("carol"))
            assert refused.status_code == 403, refused.text
    with app.state.store.session() as session:
        denied = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied"))
        )
    assert [(e.username, e.reason.split(":")[0]) for e in denied] == [
        ("carol", "check_audit"),
        ("carol", "current_audit_head"),
    ]
