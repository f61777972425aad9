"""The REST API over a real store: spec, login page, the whole study flow, errors as JSON."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import (
    AS_OF,
    LATER,
    MEANING,
    PASSWORD,
    basic,
    enrolled_subject,
    make_app,
    screen,
)
from trialkit.services.study.views import DEFAULT_PER_PAGE, MAX_PER_PAGE


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url, now=LATER)) as c:
        yield c


def test_root_answers_with_the_login_page(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'action="/login"' in response.text
    assert 'name="csrf_token"' in response.text


def test_openapi_lists_every_operation_with_its_models(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/screenings", "post"),
        ("/api/v1/screenings/upload", "post"),
        ("/api/v1/screenings/{screening_record_id}/crf", "patch"),
        ("/api/v1/screenings/{screening_record_id}/sign", "post"),
        ("/api/v1/screenings/{screening_record_id}/outcome", "post"),
        ("/api/v1/screenings/{screening_record_id}/enrol", "post"),
        ("/api/v1/subjects/{subject_record_id}", "get"),
        ("/api/v1/subjects/{subject_record_id}/dose-check", "get"),
        ("/api/v1/subjects/{subject_record_id}/doses", "post"),
        ("/api/v1/subjects/{subject_record_id}/labs", "post"),
        ("/api/v1/subjects/{subject_record_id}/assessments", "post"),
        ("/api/v1/subjects/{subject_record_id}/adverse-events", "post"),
        ("/api/v1/records/{kind}/{record_id}", "patch"),
        ("/api/v1/records/{kind}/{record_id}", "delete"),
        ("/api/v1/queries", "post"),
        ("/api/v1/export", "get"),
        ("/api/v1/audit", "get"),
        ("/api/v1/dashboard", "get"),
        ("/api/v1/protocol/questionnaire", "get"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} missing"
    sign = paths["/api/v1/screenings/{screening_record_id}/sign"]["post"]
    assert sign["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SignRequest"
    )
    assert {"401", "403", "404", "409", "422"} <= set(sign["responses"])
    schemas = spec["components"]["schemas"]
    assert "version" in schemas["ScreeningView"]["properties"]
    log = paths["/api/v1/screenings"]["get"]
    assert log["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ScreeningPageView"
    )
    params = {p["name"]: p["schema"] for p in log["parameters"]}
    assert params["per_page"]["maximum"] == MAX_PER_PAGE
    assert params["page"]["minimum"] == 1
    items = schemas["ScreeningPageView"]["properties"]["items"]["items"]["$ref"]
    assert items.endswith("/ScreeningSummaryView")
    assert "verdict" not in schemas["ScreeningSummaryView"]["properties"]
    assert set(spec["components"]["securitySchemes"]) == {"basic", "session"}


def test_the_study_flow_through_the_api(client: TestClient) -> None:
    view = screen(client)
    assert view["status"] == "eligible"
    assert view["outcome"] == "pending"
    assert view["protocol_id"] == "nct05894486"
    assert len(view["verdict"]["criteria"]) == 34
    assert view["verdict"]["status"] == "eligible"
    sid = view["id"]

    # The log lists it; the stored bundle comes back byte for byte as uploaded JSON.
    log = client.get("/api/v1/screenings", headers=basic("mona")).json()
    assert [s["id"] for s in log["items"]] == [sid]
    assert "verdict" not in log["items"][0]  # the log rows are light; the detail has it all
    bundle = client.get(f"/api/v1/screenings/{sid}/bundle", headers=basic("mona"))
    assert bundle.status_code == 200
    assert json.loads(bundle.content)["resourceType"] == "Bundle"

    # Enrolment needs the investigator's signature; a wrong re-entered password signs nothing.
    unsigned = client.post(
        f"/api/v1/screenings/{sid}/enrol", json={"version": view["version"]}, headers=basic("carol")
    )
    assert unsigned.status_code in (400, 409, 422)
    bad = client.post(
        f"/api/v1/screenings/{sid}/sign",
        json={"password": "wrong password", "meaning": MEANING, "version": view["version"]},
        headers=basic("ivan"),
    )
    assert bad.status_code == 401
    assert (
        client.get(f"/api/v1/screenings/{sid}", headers=basic("ivan")).json()["signature"] is None
    )
    signed = client.post(
        f"/api/v1/screenings/{sid}/sign",
        json={"password": PASSWORD, "meaning": MEANING, "version": view["version"]},
        headers=basic("ivan"),
    )
    assert signed.status_code == 200, signed.text
    signature = signed.json()["signature"]
    assert signature["username"] == "ivan"
    assert signature["meaning"] == MEANING
    assert signature["status_signed"] == "eligible"

    subject = client.post(
        f"/api/v1/screenings/{sid}/enrol",
        json={"version": signed.json()["version"], "baseline_scan_date": "2026-11-20"},
        headers=basic("carol"),
    )
    assert subject.status_code == 201, subject.text
    subj = subject.json()
    assert subj["baseline_date"] == "2026-11-20"  # the scan's date, not the as-of date
    assert subj["screening_record_id"] == sid
    assert subj["screening_id"] == signed.json()["screening_id"]
    assert subj["plan"] is not None
    subject_id = subj["id"]

    first_dose = subj["first_dose"] or AS_OF
    dose = client.post(
        f"/api/v1/subjects/{subject_id}/doses",
        json={"cycle": 1, "dose_date": first_dose, "activity_gbq": 7.4},
        headers=basic("carol"),
    )
    assert dose.status_code == 201, dose.text
    assert dose.json()["cycle"] == 1
    assert dose.json()["version"] == 1

    # the pre-dose labs of cycle 2 (after cycle 1; the dose check uses no earlier ones)
    panel: list[tuple[str, float, str, dict[str, float]]] = [
        ("hemoglobin", 130, "g/L", {"lln": 120}),
        ("wbc", 6.0, "10*9/L", {"lln": 4.0}),
        ("creatinine", 80, "umol/L", {"uln": 100}),
        ("alt", 20, "U/L", {"uln": 40}),
        ("ast", 22, "U/L", {"uln": 40}),
        ("albumin", 40, "g/L", {"lln": 35}),
        ("bilirubin", 10, "umol/L", {"uln": 21}),
    ]
    for key, value, unit, limits in panel:
        other = client.post(
            f"/api/v1/subjects/{subject_id}/labs",
            json={"analyte": key, "value": value, "unit": unit, "lab_date": "2027-01-20", **limits},
            headers=basic("carol"),
        )
        assert other.status_code == 201, other.text
    lab = client.post(
        f"/api/v1/subjects/{subject_id}/labs",
        json={"analyte": "platelets", "value": 60, "unit": "10*3/uL", "lab_date": "2027-01-20"},
        headers=basic("carol"),
    )
    assert lab.status_code == 201, lab.text
    assert lab.json()["ctcae_grade"] == 2  # 50–75 ×10³/µL is CTCAE v5 grade 2

    check = client.get(
        f"/api/v1/subjects/{subject_id}/dose-check",
        params={"cycle": 2, "check_date": "2027-01-26"},
        headers=basic("ivan"),
    )
    assert check.status_code == 200, check.text
    assert check.json()["cycle"] == 2
    assert check.json()["decision"]["decision"] in ("withhold", "WITHHOLD")

    # A scan: every baseline target lesion shrunk by half → partial response.
    baseline = subj["baseline_lesions"]
    assert baseline, "the eligible example has baseline lesions in its CRF"
    lesions = [
        {"id": b["lesion_id"], "diameter_mm": (b["diameter_mm"] or 20) / 2}
        for b in baseline
        if b["target"]
    ]
    scan = client.post(
        f"/api/v1/subjects/{subject_id}/assessments",
        json={"assessment_date": "2027-02-01", "lesions": lesions, "new_lesions": "none"},
        headers=basic("carol"),
    )
    assert scan.status_code == 201, scan.text
    assert scan.json()["timepoint"]["overall"] == "PR"

    ae = client.post(
        f"/api/v1/subjects/{subject_id}/adverse-events",
        json={
            "term": "platelet_count_decreased",
            "onset_date": first_dose,
            "lab_value": 60,
            "lab_unit": "10*3/uL",
        },
        headers=basic("carol"),
    )
    assert ae.status_code == 201, ae.text
    assert ae.json()["grade"] == 2

    full = client.get(f"/api/v1/subjects/{subject_id}", headers=basic("mona")).json()
    assert [d["cycle"] for d in full["doses"]] == [1]
    assert len(full["assessments"]) == 1
    assert len(full["adverse_events"]) == 1

    # Exports: a zip of CSV files and a FHIR Bundle.
    csv = client.get("/api/v1/export", params={"format": "csv"}, headers=basic("stan"))
    assert csv.status_code == 200
    assert csv.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(csv.content)).namelist()
    assert any(n.endswith(".csv") for n in names)
    fhir = client.get("/api/v1/export", params={"format": "fhir"}, headers=basic("stan"))
    assert fhir.status_code == 200
    assert json.loads(fhir.content)["resourceType"] == "Bundle"

    # Every change is in the audit trail, and the chain verifies.
    trail = client.get(
        "/api/v1/audit",
        params={"kind": "dose", "record_id": dose.json()["id"]},
        headers=basic("admin"),
    )
    assert trail.status_code == 200
    assert [e["action"] for e in trail.json()] == ["create"]
    assert trail.json()[0]["username"] == "carol"
    report = client.get("/api/v1/audit/verify", headers=basic("admin")).json()
    assert report["ok"] is True, report["problems"]

    dash = client.get("/api/v1/dashboard", headers=basic("stan")).json()
    assert dash["funnel"]["screened"] == 1
    assert dash["funnel"]["enrolled"] == 1


def test_edit_needs_version_and_reason_and_is_audited(client: TestClient) -> None:
    subject = enrolled_subject(client)
    dose = client.post(
        f"/api/v1/subjects/{subject['id']}/doses",
        json={"cycle": 1, "dose_date": subject["first_dose"] or AS_OF, "activity_gbq": 7.4},
        headers=basic("carol"),
    ).json()
    no_reason = client.patch(
        f"/api/v1/records/dose/{dose['id']}",
        json={"changes": {"activity_gbq": 7.2}, "version": dose["version"]},
        headers=basic("carol"),
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["field"] == "reason"
    edited = client.patch(
        f"/api/v1/records/dose/{dose['id']}",
        json={"changes": {"activity_gbq": 7.2}, "version": dose["version"], "reason": "typo"},
        headers=basic("carol"),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["activity_gbq"] == 7.2
    assert edited.json()["version"] == dose["version"] + 1
    trail = client.get(
        "/api/v1/audit", params={"kind": "dose", "record_id": dose["id"]}, headers=basic("mona")
    ).json()
    update = trail[-1]
    assert update["action"] == "update"
    assert update["reason"] == "typo"
    assert update["changes"]["activity_gbq"] == [7.4, 7.2]

    deleted = client.delete(
        f"/api/v1/records/dose/{dose['id']}",
        params={"version": edited.json()["version"], "reason": "entered on the wrong subject"},
        headers=basic("carol"),
    )
    assert deleted.status_code == 204, deleted.text
    after = client.get(f"/api/v1/subjects/{subject['id']}", headers=basic("carol")).json()
    assert after["doses"] == []
    trail = client.get(
        "/api/v1/audit", params={"kind": "dose", "record_id": dose["id"]}, headers=basic("mona")
    ).json()
    assert [e["action"] for e in trail] == ["create", "update", "delete"]


@pytest.mark.parametrize(
    ("user", "method", "path", "body"),
    [
        ("mona", "post", "/api/v1/screenings", {"crf": {"ecog": 0}}),  # monitor writes
        ("stan", "post", "/api/v1/screenings", {"crf": {"ecog": 0}}),  # statistician writes
        ("admin", "post", "/api/v1/screenings", {"crf": {"ecog": 0}}),  # admin enters no data
        ("carol", "get", "/api/v1/export?format=csv", None),  # coordinator exports
        ("carol", "get", "/api/v1/users", None),  # coordinator manages users
        (
            "mona",
            "post",
            "/api/v1/users",
            {"username": "x", "password": "12345678", "role": "admin"},
        ),
    ],
)
def test_role_matrix_forbids(
    client: TestClient, user: str, method: str, path: str, body: object
) -> None:
    response = client.request(method, path, json=body, headers=basic(user))
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "forbidden"


def test_only_an_investigator_signs(client: TestClient) -> None:
    view = screen(client)
    for user in ("carol", "mona", "admin"):
        response = client.post(
            f"/api/v1/screenings/{view['id']}/sign",
            json={"password": PASSWORD, "meaning": MEANING, "version": view["version"]},
            headers=basic(user),
        )
        assert response.status_code == 403, (user, response.text)
    assert (
        client.get(f"/api/v1/screenings/{view['id']}", headers=basic("ivan")).json()["signature"]
        is None
    )


def test_errors_are_json_with_code_message_and_field(client: TestClient) -> None:
    missing = client.get("/api/v1/screenings/999999", headers=basic("carol"))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert missing.json()["error"]["message"]

    invalid = client.post(
        "/api/v1/screenings", json={"as_of": "not a date"}, headers=basic("carol")
    )
    assert invalid.status_code == 422
    assert invalid.json()["error"]["field"] == "as_of"

    unusable = client.post(
        "/api/v1/screenings",
        json={"bundle": {"resourceType": "Bundle", "entry": []}, "as_of": AS_OF},
        headers=basic("carol"),
    )
    assert 400 <= unusable.status_code < 500
    assert set(unusable.json()["error"]) == {"code", "message", "field"}

    anonymous = client.get("/api/v1/screenings")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    # no Basic challenge for a client that did not use Basic: browsers never prompt
    assert "www-authenticate" not in anonymous.headers
    wrong = client.get("/api/v1/screenings", headers=basic("carol", "not the password"))
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Basic")

    not_json = client.post(
        "/api/v1/screenings",
        content=b"{not json",
        headers={**basic("carol"), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert "error" in not_json.json()


def test_upload_screens_a_bundle_file(client: TestClient) -> None:
    from tests.web.api_support import EXAMPLES

    data = (EXAMPLES / "low-haemoglobin.json").read_bytes()
    response = client.post(
        "/api/v1/screenings/upload",
        files={"bundle": ("low-haemoglobin.json", data, "application/fhir+json")},
        data={"as_of": AS_OF},
        headers=basic("carol"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "ineligible"
    assert "EX2" in response.json()["blocking"]

    bad_crf = client.post(
        "/api/v1/screenings/upload",
        files={"bundle": ("b.json", data, "application/json")},
        data={"as_of": AS_OF, "crf": "[1, 2"},
        headers=basic("carol"),
    )
    assert bad_crf.status_code == 400
    assert bad_crf.json()["error"]["field"] == "crf"


def test_the_screening_log_is_paginated(client: TestClient) -> None:
    older, newer = screen(client)["id"], screen(client, "incomplete")["id"]
    first = client.get("/api/v1/screenings?per_page=1", headers=basic("mona")).json()
    assert [s["id"] for s in first["items"]] == [newer]
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 1, 2, 2)
    assert first["items"][0]["unknown"]  # the incomplete example
    second = client.get("/api/v1/screenings?page=2&per_page=1", headers=basic("mona")).json()
    assert [s["id"] for s in second["items"]] == [older]
    whole = client.get("/api/v1/screenings", headers=basic("mona")).json()
    assert whole["per_page"] == DEFAULT_PER_PAGE
    assert len(whole["items"]) == 2
    for bad in ("per_page=0", f"per_page={MAX_PER_PAGE + 1}", "page=0", "page=x"):
        response = client.get(f"/api/v1/screenings?{bad}", headers=basic("mona"))
        assert response.status_code == 422, bad
