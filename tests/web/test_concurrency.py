"""Two people editing the same record: the second gets 409 and nothing the first wrote is lost."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.api_support import (
    AS_OF,
    PASSWORD,
    basic,
    enrolled_subject,
    live_server,
    make_app,
    screen,
)
from trialkit.web.auth import CSRF_HEADER


@pytest.fixture
def app(store_url: str) -> FastAPI:
    return make_app(store_url)


def test_second_edit_of_the_same_version_is_a_conflict(app: FastAPI) -> None:
    # Two browsers: the coordinator with a session cookie, the investigator with another one.
    with TestClient(app) as carol, TestClient(app) as ivan:
        tokens = {}
        for client, user in ((carol, "carol"), (ivan, "ivan")):
            login = client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
            tokens[user] = login.json()["csrf_token"]
        view = screen(carol)
        read_by_carol = carol.get(f"/api/v1/screenings/{view['id']}").json()
        read_by_ivan = ivan.get(f"/api/v1/screenings/{view['id']}").json()
        assert read_by_carol["version"] == read_by_ivan["version"]

        first = carol.patch(
            f"/api/v1/screenings/{view['id']}/crf",
            json={"answers": {"ecog": 1}, "version": read_by_carol["version"], "reason": "source"},
            headers={CSRF_HEADER: tokens["carol"]},
        )
        assert first.status_code == 200, first.text
        second = ivan.patch(
            f"/api/v1/screenings/{view['id']}/crf",
            json={"answers": {"ecog": 0}, "version": read_by_ivan["version"], "reason": "mine"},
            headers={CSRF_HEADER: tokens["ivan"]},
        )
        assert second.status_code == 409, second.text
        assert second.json()["error"]["code"] == "conflict"

        now = ivan.get(f"/api/v1/screenings/{view['id']}").json()
        assert now["crf"]["ecog"] == 1
        assert now["version"] == first.json()["version"]
        trail = ivan.get(
            "/api/v1/audit", params={"kind": "screening", "record_id": view["id"]}
        ).json()
        reasons = [e["reason"] for e in trail if e["action"] != "create"]
        assert "source" in reasons
        assert "mine" not in reasons


def test_simultaneous_edits_over_http_exactly_one_wins(app: FastAPI) -> None:
    """Eight clients send the same stale-or-not version at once to a real uvicorn server."""
    with live_server(app) as base:
        with httpx.Client(base_url=base, timeout=60) as setup:
            subject = enrolled_subject(setup)
            dose = setup.post(
                f"/api/v1/subjects/{subject['id']}/doses",
                json={"cycle": 1, "dose_date": subject["first_dose"] or AS_OF, "activity_gbq": 7.4},
                headers=basic("carol"),
            ).json()
            # log in once per writer so the burst is not serialised behind argon2
            writers = []
            for _ in range(8):
                client = httpx.Client(base_url=base, timeout=60)
                token = client.post(
                    "/api/v1/auth/login", json={"username": "carol", "password": PASSWORD}
                ).json()["csrf_token"]
                writers.append((client, token))

        barrier = threading.Barrier(len(writers))
        results: dict[int, httpx.Response] = {}

        def edit(i: int) -> None:
            client, token = writers[i]
            barrier.wait()
            results[i] = client.patch(
                f"/api/v1/records/dose/{dose['id']}",
                json={
                    "changes": {"activity_gbq": round(6.0 + i / 10, 1)},
                    "version": dose["version"],
                    "reason": f"writer {i}",
                },
                headers={CSRF_HEADER: token},
            )

        threads = [threading.Thread(target=edit, args=(i,)) for i in range(len(writers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for client, _ in writers:
            client.close()

        statuses = sorted(r.status_code for r in results.values())
        assert statuses == [200] + [409] * (len(writers) - 1), [r.text for r in results.values()]
        winner = next(i for i, r in results.items() if r.status_code == 200)
        with httpx.Client(base_url=base, timeout=60) as check:
            trail = check.get(
                "/api/v1/audit",
                params={"kind": "dose", "record_id": dose["id"]},
                headers=basic("mona"),
            ).json()
            stored = check.get(f"/api/v1/subjects/{subject['id']}", headers=basic("mona")).json()
        assert [e["reason"] for e in trail if e["action"] == "update"] == [f"writer {winner}"]
        assert stored["doses"][0]["activity_gbq"] == round(6.0 + winner / 10, 1)
        assert stored["doses"][0]["version"] == dose["version"] + 1
