"""The deviation log page shows a derived missed assessment in words: marked derived, no id,
no audit link, nothing rendered as None (first dose 2026-12-01; week 16's window
2027-03-16 to 2027-03-30 closed before "now", 2027-06-01)."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import LATER, basic, enrolled_subject, make_app
from tests.web.test_pages import login


@pytest.fixture
def client(tmp_path: object) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path}/study.db"
    with TestClient(make_app(url, now=LATER), follow_redirects=False) as c:
        yield c


def test_a_missed_assessment_is_in_the_deviation_log_page(client: TestClient) -> None:
    subject = enrolled_subject(client)
    dose = client.post(
        f"/api/v1/subjects/{subject['id']}/doses",
        json={"cycle": 1, "dose_date": "2026-12-01", "activity_gbq": 7.4},
        headers=basic("carol"),
    )
    assert dose.status_code == 201, dose.text
    api = client.get("/api/v1/deviations", headers=basic("mona")).json()
    assert [(d["rule"], d["deviation_date"], d["derived"], d["id"]) for d in api] == [
        ("assessment_missed", "2027-03-30", True, None),
        ("assessment_missed", "2027-05-25", True, None),
    ]
    login(client, "mona")
    page = client.get("/deviations")
    assert page.status_code == 200
    text = html.unescape(page.text)
    log = text[text.index('id="deviation-log"') :]
    log = log[: log.index("</table>")]
    assert "Missed or late assessment" in log
    assert "Week-16 tumour assessment due 23 Mar 2027 not done" in log
    assert "Week-24 tumour assessment due 18 May 2027 not done" in log
    assert "derived" in log
    assert "None" not in log
    assert "/audit/deviation/" not in log
