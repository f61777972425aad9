"""The screening log page and its API name each patient (Patient.name, MRN) beside the
source's patient id (issue 14 item 2). Observed on 739de29: the log showed the id only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.store.test_screening_patient import MRN_TYPE
from tests.web.api_support import basic, example_bundle, make_app, screen
from tests.web.test_pages import login


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url), follow_redirects=False) as c:
        yield c


def test_the_log_shows_name_and_mrn(client: TestClient) -> None:
    bundle = example_bundle()
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    patient["identifier"] = [{"type": MRN_TYPE, "value": "H-4471"}]
    view = screen(client, bundle=bundle)
    log = client.get("/api/v1/screenings", headers=basic("mona")).json()
    row = next(r for r in log["items"] if r["id"] == view["id"])
    assert (row["patient_name"], row["mrn"], row["patient_id"]) == (
        "Lin Example",
        "H-4471",
        view["patient_id"],
    )
    login(client, "carol")
    page = client.get("/screening").text
    line = page.split(f'href="/screening/{view["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "Lin Example" in line
    assert "MRN H-4471" in line
    assert f"patient id {view['patient_id']}" in line
