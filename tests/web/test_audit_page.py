"""The audit view pages its events (50 a page, newest first) and filters by user and date.

Observed (issue 14, 8): the audit view filtered only by record kind and had no paging.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import LATER, basic, enrolled_subject, make_app
from tests.web.test_pages import login


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url, now=LATER), follow_redirects=False) as c:
        yield c


def rows(page: str) -> int:
    body = page.split('id="audit"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>")


def test_more_than_a_hundred_events_are_paged_and_filtered(client: TestClient) -> None:
    subject = enrolled_subject(client)
    for day in range(1, 29):
        for analyte, value in (("platelets", 200), ("hemoglobin", 130), ("alt", 20), ("ast", 22)):
            lab = {
                "analyte": analyte,
                "value": value,
                "unit": "U/L"
                if analyte in ("alt", "ast")
                else "10*9/L"
                if analyte == "platelets"
                else "g/L",
                "lab_date": f"2027-02-{day:02d}",
            }
            r = client.post(
                f"/api/v1/subjects/{subject['id']}/labs", json=lab, headers=basic("carol")
            )
            assert r.status_code == 201, r.text
    login(client, "mona")
    first = client.get("/audit").text
    total = int(re.search(r"Page 1 of (\d+) \((\d+) events", first).group(2))  # type: ignore[union-attr]
    assert total > 100
    assert rows(first) == 50
    assert 'rel="next"' in first
    last_page = -(-total // 50)
    last = client.get(f"/audit?page={last_page}").text
    assert rows(last) == total - 50 * (last_page - 1)
    ivan_only = client.get("/audit?user=ivan").text
    assert rows(ivan_only) >= 1
    assert "carol" not in ivan_only.split('id="audit"', 1)[1].split("</tbody>", 1)[0]
    none_then = client.get("/audit?from=2030-01-01").text
    assert "No audit event" in none_then
    kept = client.get("/audit?user=carol").text
    assert "user=carol&amp;page=2" in kept  # the pager keeps the filter
