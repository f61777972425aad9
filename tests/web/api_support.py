"""Shared set-up of the web API tests: an app over a real store, seeded users, example data.

Not a conftest (the UI tests share this folder): test modules import what
they need and declare their own fixtures with it.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

import trialkit
from trialkit.web.app import create_app

EXAMPLES = Path(trialkit.__file__).parent / "protocols" / "nct05894486" / "examples"
AS_OF = "2026-11-24"
BASELINE_SCAN = "2026-11-20"  # the date of the baseline scan of the example CRF lesions
PASSWORD = "correct horse battery"
SECRET = "test-secret-key-not-for-production"
# username → role; one user per role
USERS = {
    "admin": "admin",
    "carol": "coordinator",
    "ivan": "investigator",
    "mona": "monitor",
    "stan": "statistician",
}
# the printed names shown with signatures (an investigator without one cannot sign)
FULL_NAMES = {
    "admin": "Ada Admin",
    "carol": "Carol Coordinator",
    "ivan": "Dr Ivan Petrov",
    "mona": "Mona Monitor",
    "stan": "Stan Statistician",
}
MEANING = "I confirm the patient is eligible"
# A fixed "now" for flows that record follow-up events months after AS_OF (the application
# refuses clinical dates after today): 2027-06-01 09:00 UTC.
LATER = datetime(2027, 6, 1, 9, 0)


def make_app(store_url: str, *, now: datetime | None = None) -> FastAPI:
    """The real app over the store, with one user per role (bootstrapped as the CLI does).
    ``now``: a fixed clock for the service (default: the real one)."""
    app = create_app(store_url, secret_key=SECRET, clock=(lambda: now) if now else None)
    service = app.state.service
    for username, role in USERS.items():
        service.add_user(None, username, PASSWORD, role, FULL_NAMES[username])
    return app


def basic(username: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def example_bundle(name: str = "eligible") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def screen(client: TestClient | httpx.Client, name: str = "eligible", **extra: Any) -> Any:
    """Screen an example patient as the coordinator; returns the ScreeningView JSON."""
    body = {"bundle": example_bundle(name), "as_of": AS_OF, **extra}
    response = client.post("/api/v1/screenings", json=body, headers=basic("carol"))
    assert response.status_code == 201, response.text
    return response.json()


def enrolled_subject(client: TestClient | httpx.Client) -> Any:
    """Screen, sign and enrol the eligible example; returns the SubjectView JSON."""
    view = screen(client)
    signed = client.post(
        f"/api/v1/screenings/{view['id']}/sign",
        json={"password": PASSWORD, "meaning": MEANING, "version": view["version"]},
        headers=basic("ivan"),
    )
    assert signed.status_code == 200, signed.text
    enrolled = client.post(
        f"/api/v1/screenings/{view['id']}/enrol",
        json={"version": signed.json()["version"], "baseline_scan_date": BASELINE_SCAN},
        headers=basic("carol"),
    )
    assert enrolled.status_code == 201, enrolled.text
    return enrolled.json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
