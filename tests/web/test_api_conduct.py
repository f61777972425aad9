"""The protocol's refusals through the REST API: 422 JSON naming the rule, and the deviation
log the monitor reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import MEANING, PASSWORD, basic, make_app, screen

NO_JUDGEMENT = {"EX24": False, "EX25": False, "EX26": False}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(make_app(f"sqlite:///{tmp_path / 'study.db'}")) as c:
        yield c


def sign(client: TestClient, view: dict[str, Any], **extra: Any) -> Any:
    body = {"password": PASSWORD, "meaning": MEANING, "version": view["version"]}
    body |= {"judgments": NO_JUDGEMENT} | extra
    return client.post(f"/api/v1/screenings/{view['id']}/sign", json=body, headers=basic("ivan"))


def test_eligible_sign_off_of_an_incomplete_screening_is_a_422_naming_the_rule(
    client: TestClient,
) -> None:
    view = screen(client, "incomplete")
    refused = sign(client, view)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "eligibility_not_established"
    assert "EX1 unknown" in error["message"]
    assert error["field"] == "meaning"
    again = client.get(f"/api/v1/screenings/{view['id']}", headers=basic("mona")).json()
    assert again["signature"] is None
    assert again["version"] == view["version"]

    no_reason = sign(client, view, waive=["EX1"])
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["code"] == "waiver_reason_required"

    enrol = client.post(
        f"/api/v1/screenings/{view['id']}/enrol",
        json={"version": view["version"]},
        headers=basic("carol"),
    )
    assert enrol.status_code == 422
    assert enrol.json()["error"]["code"] == "sign_off_required"


def test_waiver_becomes_a_deviation_the_monitor_reads(client: TestClient) -> None:
    view = screen(client, "incomplete")
    signed = sign(client, view, waive=["EX1"], waiver_reason="serology pending, PI decision")
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["signature"]["waived"] == ["EX1"]
    log = client.get("/api/v1/deviations", headers=basic("mona"))
    assert log.status_code == 200
    [dev] = log.json()
    assert dev["category"] == "eligibility"
    assert dev["criterion"] == "EX1"
    assert dev["recorded_by"] == "ivan"
    assert dev["reason"] == "serology pending, PI decision"
    assert dev["screening_number"] == view["screening_number"]
    enrolled = client.post(
        f"/api/v1/screenings/{view['id']}/enrol",
        json={"version": body["version"]},
        headers=basic("carol"),
    )
    assert enrolled.status_code == 201, enrolled.text
    none = client.get("/api/v1/deviations?category=dosing_window", headers=basic("mona"))
    assert none.json() == []
