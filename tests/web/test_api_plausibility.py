"""Issue 12 reproduction 5 through the web upload: an impossible haemoglobin never decides.

1e308 g/dL read "Haemoglobin inf g/L … is not < 80" and the upload said ELIGIBLE; −5 g/dL decided
EX2. The same bundle through the CLI is tested in tests/eligibility/test_plausibility.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import AS_OF, EXAMPLES, LATER, basic, make_app


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url, now=LATER)) as c:
        yield c


def _bundle_with_hb(value: Any) -> bytes:
    data = json.loads((EXAMPLES / "eligible.json").read_text(encoding="utf-8"))
    for entry in data["entry"]:
        r = entry["resource"]
        codes = [c.get("code") for c in r.get("code", {}).get("coding", [])]
        if r["resourceType"] == "Observation" and "718-7" in codes:  # LOINC haemoglobin
            r["valueQuantity"].update({"value": value, "unit": "g/dL", "code": "g/dL"})
    return json.dumps(data).encode()


def _upload(client: TestClient, body: bytes) -> dict[str, Any]:
    response = client.post(
        "/api/v1/screenings/upload",
        files={"bundle": ("hb.json", body, "application/fhir+json")},
        data={"as_of": AS_OF},
        headers=basic("carol"),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("value", [1e308, -5])
def test_an_impossible_haemoglobin_upload_is_not_eligible_and_ex2_is_open(
    client: TestClient, value: float
) -> None:
    result = _upload(client, _bundle_with_hb(value))
    assert result["status"] != "eligible"
    assert "EX2" not in result["blocking"]  # an impossible value decides nothing
    assert "EX2" in result["unknown"]


def test_the_same_upload_with_a_possible_haemoglobin_is_eligible(client: TestClient) -> None:
    # control: the bundle is otherwise the fully eligible example
    assert _upload(client, _bundle_with_hb(12.1))["status"] == "eligible"
