"""Issue 14, observation 3, through the REST API: one name per concept.

``subject_id`` is the study subject number and ``screening_id`` the screening number (the
internal keys are ``id`` and ``…_record_id``); dates are ``…_date``; a lab carries its
analyte (key, name, LOINC) and, apart, the CTCAE term and grade; an AE whose causality was
never assessed says null. The same names go in (request bodies, ``PATCH`` changes) as come
out, and a refused field is named by its API name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import LATER, basic, enrolled_subject, make_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(make_app(f"sqlite:///{tmp_path / 'study.db'}", now=LATER)) as c:
        yield c


def test_numbers_not_internal_keys_are_the_ids(client: TestClient) -> None:
    subject = enrolled_subject(client)
    # the subject number, as the CSV export and the pages show it; not the database key
    assert isinstance(subject["subject_id"], str)
    assert subject["subject_id"] == "001"
    assert isinstance(subject["id"], int)
    assert "subject_number" not in subject
    screening = client.get(
        f"/api/v1/screenings/{subject['screening_record_id']}", headers=basic("mona")
    ).json()
    assert screening["screening_id"] == subject["screening_id"]
    assert screening["screening_id"].startswith("S-")
    assert (screening["subject_id"], screening["subject_record_id"]) == ("001", subject["id"])
    assert "screening_number" not in screening
    log = client.get("/api/v1/screenings", headers=basic("mona")).json()["items"]
    assert (log[0]["screening_id"], log[0]["subject_id"]) == (screening["screening_id"], "001")
    assert subject["enrolment_date"]  # a date, named as one


def test_a_lab_is_an_analyte_plus_its_ctcae_grading(client: TestClient) -> None:
    subject = enrolled_subject(client)
    url = f"/api/v1/subjects/{subject['id']}"
    made = client.post(
        f"{url}/labs",
        json={"analyte": "hemoglobin", "value": 121, "unit": "g/L", "lab_date": "2026-12-20"},
        headers=basic("carol"),
    )
    assert made.status_code == 201, made.text
    lab = made.json()
    assert (lab["analyte"], lab["analyte_name"], lab["loinc"]) == (
        "hemoglobin",
        "Hemoglobin",
        "718-7",
    )
    assert (lab["ctcae_term"], lab["lab_date"]) == ("anemia", "2026-12-20")
    assert "key" not in lab
    assert "date" not in lab
    fixed = client.patch(
        f"/api/v1/records/lab/{lab['id']}",
        json={"changes": {"lab_date": "2026-12-21"}, "version": lab["version"], "reason": "typo"},
        headers=basic("carol"),
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["lab_date"] == "2026-12-21"
    # the audit trail names the change as the view does, not by the stored column ("on")
    trail = client.get(
        "/api/v1/audit", params={"kind": "lab", "record_id": lab["id"]}, headers=basic("mona")
    ).json()
    assert trail[-1]["changes"]["lab_date"] == ["2026-12-20", "2026-12-21"]
    assert "on" not in trail[-1]["changes"]
    unknown = client.post(
        f"{url}/labs",
        json={"analyte": "sodium", "value": 140, "unit": "mmol/L", "lab_date": "2026-12-20"},
        headers=basic("carol"),
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["field"] == "analyte"


def test_dates_are_named_as_dates_and_unassessed_causality_is_null(client: TestClient) -> None:
    subject = enrolled_subject(client)
    url = f"/api/v1/subjects/{subject['id']}"
    dose = client.post(
        f"{url}/doses",
        json={"cycle": 1, "dose_date": subject["first_dose"], "activity_gbq": 7.4},
        headers=basic("carol"),
    )
    assert dose.status_code == 201, dose.text
    assert dose.json()["dose_date"] == subject["first_dose"]
    ae = client.post(
        f"{url}/adverse-events",
        json={"term": "fatigue", "onset_date": "2026-12-05", "grade": 1},
        headers=basic("carol"),
    )
    assert ae.status_code == 201, ae.text
    assert (ae.json()["onset_date"], ae.json()["resolved_date"]) == ("2026-12-05", None)
    assert ae.json()["causality"] is None  # never assessed: not "unrelated", not false
    backwards = client.patch(
        f"/api/v1/records/adverse_event/{ae.json()['id']}",
        json={
            "changes": {"resolved_date": "2026-12-01"},
            "version": ae.json()["version"],
            "reason": "entered",
        },
        headers=basic("carol"),
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"]["field"] == "resolved_date"


BARE_DATE_KEYS = {"date", "on", "earliest", "latest", "nominal", "labs_from"}


def _keys(value: object, path: str = "") -> list[str]:
    """Every key of a JSON answer, nested ones included, as ``a.b[].c``."""
    if isinstance(value, dict):
        return [k for key, v in value.items() for k in [f"{path}{key}", *_keys(v, f"{path}{key}.")]]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v, f"{path[:-1]}[].")]
    return []


def test_nested_dates_in_answers_are_named_as_dates(client: TestClient) -> None:
    """Issue 14 observation 3 / item 3: the dosing plan, the dose check's labs used, the RECIST
    time points and the dashboard's enrolment series name their dates ``…_date`` like every
    top-level field — no bare ``date``/``earliest``/``latest`` anywhere in the answer."""
    subject = enrolled_subject(client)
    url = f"/api/v1/subjects/{subject['id']}"
    assert (
        client.post(
            f"{url}/doses",
            json={"cycle": 1, "dose_date": subject["first_dose"], "activity_gbq": 7.4},
            headers=basic("carol"),
        ).status_code
        == 201
    )
    lab = {"analyte": "platelets", "value": 200, "unit": "10*9/L", "lab_date": "2027-01-20"}
    assert client.post(f"{url}/labs", json=lab, headers=basic("carol")).status_code == 201
    lesions = [
        {"id": b["lesion_id"], "diameter_mm": (b["diameter_mm"] or 20) / 2}
        for b in subject["baseline_lesions"]
        if b["target"]
    ]
    scan = client.post(
        f"{url}/assessments",
        json={"assessment_date": "2027-02-01", "lesions": lesions, "new_lesions": "none"},
        headers=basic("carol"),
    )
    assert scan.status_code == 201, scan.text
    answers = {
        "subject": client.get(url, headers=basic("carol")).json(),
        "dose check": client.get(
            f"{url}/dose-check?cycle=2&check_date=2027-01-26", headers=basic("carol")
        ).json(),
        "dashboard": client.get("/api/v1/dashboard", headers=basic("mona")).json(),
    }
    check = answers["dose check"]["decision"]
    assert {x["lab_date"] for x in check["labs_used"]} >= {"2027-01-20"}, answers["dose check"]
    assert answers["subject"]["recist"]["timepoints"][0]["scan_date"] == "2027-02-01"
    assert answers["dashboard"]["enrolment"][-1]["enrolment_date"]
    for name, answer in answers.items():
        bare = [k for k in _keys(answer) if k.rsplit(".", 1)[-1] in BARE_DATE_KEYS]
        assert not bare, (name, bare)
