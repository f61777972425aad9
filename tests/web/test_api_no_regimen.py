"""A protocol that declares no dosing regimen (TELESTAR, SINET: no ``regimen.yaml``): the
API's dosing use cases answer 422 ``no_dosing_regimen`` with that message — never a
traceback or a 5xx, and never the bundled protocol's regimen (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import PASSWORD, SECRET, USERS, basic
from trialkit.web.app import create_app


@pytest.mark.parametrize("name", ["nct01677910", "nct04065165"])
def test_dosing_on_a_protocol_without_a_regimen_is_422(name: str, tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'study.db'}", secret_key=SECRET, protocol=name)
    for username, role in USERS.items():
        app.state.service.add_user(None, username, PASSWORD, role)
    calls = [
        ("get", "/api/v1/subjects/1/dose-check?cycle=1", None),
        (
            "post",
            "/api/v1/subjects/1/doses",
            {"cycle": 1, "dose_date": "2026-01-05", "activity_gbq": 7.4},
        ),
        (
            "post",
            "/api/v1/subjects/1/labs",
            {"analyte": "platelets", "value": 200, "unit": "10*9/L", "lab_date": "2026-01-05"},
        ),
    ]
    with TestClient(app) as client:
        for method, url, body in calls:
            response = client.request(method, url, json=body, headers=basic("ivan"))
            assert response.status_code == 422, (url, response.text)
            error = response.json()["error"]
            assert error["code"] == "no_dosing_regimen", (url, error)
            assert f"protocol {name.upper()}" in error["message"] or name in error["message"]
            assert "declares no dosing regimen" in error["message"]
