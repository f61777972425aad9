"""The audit view names each record as its own page does and links to that page; a deleted
record keeps the name its audited values give it (issue 14 item 8: "record links instead of
ids"). Observed on 739de29: the Record column read "lab 3", a kind and an internal key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import LATER, basic, enrolled_subject, make_app
from tests.web.test_pages import login


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url, now=LATER), follow_redirects=False) as c:
        yield c


def _record_cells(page: str) -> list[str]:
    body = page.split('id="audit"', 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"\s+", " ", c)
        for c in re.findall(r"<tr>(?:.*?<td.*?</td>){4}\s*<td>(.*?)</td>", body, re.S)
    ]


def _lab(client: TestClient, subject: dict[str, Any]) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/subjects/{subject['id']}/labs",
        json={"analyte": "hemoglobin", "value": 121, "unit": "g/L", "lab_date": "2027-02-03"},
        headers=basic("carol"),
    )
    assert r.status_code == 201, r.text
    lab: dict[str, Any] = r.json()
    return lab


def test_records_are_named_and_linked_to_their_pages(client: TestClient) -> None:
    subject = enrolled_subject(client)
    lab = _lab(client, subject)
    number, sid = subject["subject_id"], subject["id"]
    login(client, "mona")
    page = client.get("/audit").text
    lab_name = f"Subject {number} · lab result Hemoglobin 3 Feb 2027"
    assert f'<a href="/subjects/{sid}/lab/{lab["id"]}">{lab_name}</a>' in page
    assert f'<a href="/subjects/{sid}">Subject {number}</a>' in page
    screening = client.get(
        f"/api/v1/screenings/{subject['screening_record_id']}", headers=basic("mona")
    ).json()
    assert f'<a href="/screening/{screening["id"]}">Screening {screening["screening_id"]} (' in page
    # the signature is read on its screening's page, named by its signer
    assert "· signature of Dr Ivan Petrov</a>" in page
    # no record is shown as its kind and internal key any more
    cells = _record_cells(page)
    assert len(cells) >= 5  # screening, signature, subject, baseline scan, lab
    for cell in cells:
        assert not re.match(r"\s*<a href=\"/audit/[a-z_]+/\d+\">[a-z ]+ \d+</a>", cell), cell
    # the record's own trail (the record filter) is one link away, and titled by name
    trail = client.get(f"/audit/lab/{lab['id']}").text
    assert f"<h1>Audit trail: {lab_name}</h1>" in trail


def test_a_deleted_record_keeps_its_name(client: TestClient) -> None:
    subject = enrolled_subject(client)
    lab = _lab(client, subject)
    r = client.delete(
        f"/api/v1/records/lab/{lab['id']}",
        params={"version": lab["version"], "reason": "entered on the wrong subject"},
        headers=basic("carol"),
    )
    assert r.status_code == 204, r.text
    events = client.get(
        "/api/v1/audit", params={"kind": "lab", "record_id": lab["id"]}, headers=basic("mona")
    ).json()
    assert [e["action"] for e in events] == ["create", "delete"]
    name = f"Subject {subject['subject_id']} · lab result Hemoglobin 3 Feb 2027"
    assert [e["record_label"] for e in events] == [name, name]
    # no correction page for a deleted record: it is read on its subject's page
    assert {e["record_page"] for e in events} == {f"/subjects/{subject['id']}"}
    login(client, "mona")
    page = client.get("/audit?kind=lab").text
    assert f'<a href="/subjects/{subject["id"]}">{name}</a>' in page
