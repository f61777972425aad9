"""The protocol's refusals through the REST API: 422 JSON naming the rule, and the deviation
log the monitor reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import (
    LATER,
    MEANING,
    PASSWORD,
    basic,
    enrolled_subject,
    make_app,
    screen,
)

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
    assert dev["screening_id"] == view["screening_id"]
    enrolled = client.post(
        f"/api/v1/screenings/{view['id']}/enrol",
        json={"version": body["version"]},
        headers=basic("carol"),
    )
    assert enrolled.status_code == 201, enrolled.text
    none = client.get("/api/v1/deviations?category=dosing_window", headers=basic("mona"))
    assert none.json() == []


def test_refused_dose_and_dates_are_422_naming_the_rule_and_field(tmp_path: Path) -> None:
    from datetime import datetime

    from tests.web.api_support import enrolled_subject

    app = make_app(f"sqlite:///{tmp_path / 'dated.db'}", now=datetime(2026, 12, 3, 9, 0))
    with TestClient(app) as client:
        subject = enrolled_subject(client)
        url = f"/api/v1/subjects/{subject['id']}"
        first = client.post(
            f"{url}/doses",
            json={"cycle": 1, "dose_date": "2026-12-01", "activity_gbq": 7.4},
            headers=basic("carol"),
        )
        assert first.status_code == 201, first.text
        # issue 13 observation 2: cycle 2 the next day (its window is weeks later)
        early = client.post(
            f"{url}/doses",
            json={"cycle": 2, "dose_date": "2026-12-02", "activity_gbq": 7.4},
            headers=basic("carol"),
        )
        assert early.status_code == 422, early.text
        error = early.json()["error"]
        assert error["code"] == "dose_before_window"
        assert error["field"] == "dose_date"
        assert "2027-01-19 – 2027-02-02" in error["message"]
        for path, body, field in [
            (
                f"{url}/labs",
                {"analyte": "platelets", "value": 200, "unit": "10*9/L", "lab_date": "2099-01-01"},
                "lab_date",
            ),
            (
                f"{url}/adverse-events",
                {"term": "fatigue", "onset_date": "2099-01-01", "grade": 1},
                "onset_date",
            ),
            (
                f"{url}/doses",
                {"cycle": 2, "dose_date": "2099-01-01", "activity_gbq": 7.4},
                "dose_date",
            ),
            ("/api/v1/screenings", {"crf": {"ecog": 1}, "as_of": "2099-01-01"}, "as_of"),
        ]:
            refused = client.post(path, json=body, headers=basic("carol"))
            assert refused.status_code == 422, (path, refused.text)
            assert refused.json()["error"]["code"] == "date_in_future"
            assert refused.json()["error"]["field"] == field
        backwards = client.post(
            f"{url}/adverse-events",
            json={
                "term": "fatigue",
                "onset_date": "2026-12-02",
                "resolved_date": "2026-12-01",
                "grade": 1,
            },
            headers=basic("carol"),
        )
        assert backwards.status_code == 422
        assert backwards.json()["error"]["code"] == "resolved_before_onset"
        check = client.get(f"{url}/dose-check?cycle=2", headers=basic("carol")).json()
        assert check["check_date"] == "2027-01-26"  # the planned date
        assert check["previous_dose_date"] == "2026-12-01"
        assert check["decision"]["decision"] == "withhold_pending_data"  # no labs since cycle 1


def test_conduct_stages_through_the_api(tmp_path: Path) -> None:
    """Off treatment, follow-up, off study: each a POST asking the state first; a dose after
    the end of treatment and a second off study are 422 naming the rule."""
    with TestClient(make_app(f"sqlite:///{tmp_path / 'study.db'}", now=LATER)) as client:
        subject = enrolled_subject(client)
        url = f"/api/v1/subjects/{subject['id']}"
        carol = basic("carol")
        first = client.post(
            f"{url}/doses",
            json={"cycle": 1, "dose_date": "2026-12-01", "activity_gbq": 7.4},
            headers=carol,
        )
        assert first.status_code == 201, first.text
        view = client.get(url, headers=carol).json()
        assert view["stage"] == "cycle due"
        no_reason = client.post(
            f"{url}/end-treatment",
            json={"treatment_end_date": "2027-01-05", "reason": "", "version": view["version"]},
            headers=carol,
        )
        assert no_reason.status_code == 422
        ended = client.post(
            f"{url}/end-treatment",
            json={
                "treatment_end_date": "2027-01-05",
                "reason": "progressive disease",
                "version": view["version"],
            },
            headers=carol,
        )
        assert ended.status_code == 200, ended.text
        assert ended.json()["state"] == "off treatment (progressive disease)"
        dose = client.post(
            f"{url}/doses",
            json={"cycle": 2, "dose_date": "2027-01-26", "activity_gbq": 7.4},
            headers=carol,
        )
        assert dose.status_code == 422
        assert dose.json()["error"]["code"] == "off_treatment"
        follow = client.post(
            f"{url}/follow-up",
            json={"follow_up_date": "2027-01-10", "version": ended.json()["version"]},
            headers=carol,
        )
        assert follow.status_code == 200, follow.text
        off = client.post(
            f"{url}/off-study",
            json={
                "off_study_date": "2027-03-01",
                "reason": "death",
                "version": follow.json()["version"],
            },
            headers=carol,
        )
        assert off.status_code == 200, off.text
        again = client.post(
            f"{url}/off-study",
            json={"off_study_date": "2027-03-02", "reason": "x", "version": off.json()["version"]},
            headers=carol,
        )
        assert again.status_code == 422
        assert again.json()["error"]["code"] == "off_study"
        patch = client.patch(
            f"/api/v1/records/subject/{subject['id']}",
            json={
                "changes": {"status": "on_study"},
                "version": off.json()["version"],
                "reason": "x",
            },
            headers=carol,
        )
        assert patch.status_code in (400, 422), patch.text
        assert client.get(url, headers=carol).json()["stage"] == "off study"


def test_a_signature_over_changed_data_is_stale_on_the_api_and_the_page(client: TestClient) -> None:
    """Sign, then change a lab of that screening (the Ki-67 of the CRF): the signature is shown
    "stale — data changed after signing" and enrolment is refused naming the rule."""
    from tests.web.test_pages import login

    view = screen(client)
    signed = sign(client, view)
    assert signed.status_code == 200, signed.text
    assert signed.json()["signature"]["validity"] == "valid"
    changed = client.patch(
        f"/api/v1/screenings/{view['id']}/crf",
        json={
            "answers": {"ki67-percent": 25},
            "version": signed.json()["version"],
            "reason": "central pathology read",
        },
        headers=basic("carol"),
    )
    assert changed.status_code == 200, changed.text
    stale = changed.json()["signature"]
    assert (stale["current"], stale["validity"]) == (False, "stale — data changed after signing")
    enrol = client.post(
        f"/api/v1/screenings/{view['id']}/enrol",
        json={"version": changed.json()["version"]},
        headers=basic("carol"),
    )
    assert enrol.status_code == 422
    assert enrol.json()["error"]["code"] == "sign_off_stale"
    client.follow_redirects = False
    login(client, "carol")
    page = client.get(f"/screening/{view['id']}").text
    assert "Signature stale — data changed after signing" in page


def test_data_changed_behind_the_application_makes_the_signature_stale(
    client: TestClient,
) -> None:
    """The signature covers a hash of what it signed: a lab edited in the database itself
    (no re-screen, nothing invalidated) still no longer matches."""
    from trialkit.store import models as m

    view = screen(client)
    signed = sign(client, view)
    assert signed.status_code == 200, signed.text
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.session() as session:
        row = session.get(m.Screening, view["id"])
        assert row is not None
        assert row.bundle is not None
        bundle = json.loads(row.bundle)
        lab = next(
            e["resource"]["valueQuantity"]
            for e in bundle["entry"]
            if e["resource"].get("valueQuantity", {}).get("value") == 12.1  # haemoglobin g/dL
        )
        lab["value"] = 12.4
        row.bundle = json.dumps(bundle).encode()
    again = client.get(f"/api/v1/screenings/{view['id']}", headers=basic("carol")).json()
    assert again["signature"]["validity"] == "stale — data changed after signing"
    enrol = client.post(
        f"/api/v1/screenings/{view['id']}/enrol",
        json={"version": again["version"]},
        headers=basic("carol"),
    )
    assert enrol.status_code == 422
    assert enrol.json()["error"]["code"] == "sign_off_stale"
