"""The pages serve the protocol the app was started with (``trialkit serve --protocol``, issue
15): the new-screening form is that protocol's Questionnaire and a screening posted through it
is screened against that protocol — not the bundled default's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.web.api_support import FULL_NAMES, PASSWORD, SECRET, USERS, basic
from tests.web.test_pages import login, post_form
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import bundled_folder
from trialkit.web.app import create_app
from trialkit.web.pages_crf import crf_sections

TELESTAR = "nct01677910"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The app serving TELESTAR over a fresh SQLite store, one user per role."""
    app = create_app(f"sqlite:///{tmp_path / 'study.db'}", secret_key=SECRET, protocol=TELESTAR)
    for username, role in USERS.items():
        app.state.service.add_user(None, username, PASSWORD, role, FULL_NAMES[username])
    with TestClient(app, follow_redirects=False) as c:
        yield c


def test_the_new_screening_form_is_the_served_protocols_crf(client: TestClient) -> None:
    assert load_protocol(TELESTAR).title in client.get("/").text  # the login page names it
    login(client, "carol")
    page = client.get("/screening/new").text
    protocol = load_protocol(TELESTAR)
    judged = set(protocol.judgement_items().values())
    for section in crf_sections(protocol.questionnaire):
        for f in section.fields:
            if f.link_id not in judged:  # the investigator answers those at sign-off
                assert f'name="{f.link_id}"' in page, f.link_id
    # TELESTAR rates performance on the Karnofsky scale and records no lesions: none of the
    # default protocol's CRF items are offered
    default = load_protocol("nct05894486")
    assert 'name="karnofsky"' in page
    assert 'name="ecog"' not in page
    assert f'name="{default.lesion_group}.0.' not in page


def test_a_screening_posted_through_the_form_is_screened_against_the_served_protocol(
    client: TestClient,
) -> None:
    """TELESTAR's incomplete example (octreotide LAR 20 mg; whether that is the highest
    tolerated dose unanswered, so IN4 unknown) with that question answered on the form."""
    folder = bundled_folder(TELESTAR) / "examples"
    expected = yaml.safe_load((folder / "expected.yaml").read_text("utf-8"))
    assert expected["examples"]["incomplete.json"]["criteria"] == {"IN4": "unknown"}
    login(client, "carol")
    bundle = (folder / "incomplete.json").read_bytes()
    response = post_form(
        client,
        "/screening/new",
        "/screening/new",
        {"as_of": expected["as_of"], "ssa-highest-tolerated-dose": "true"},
        files={"bundle": ("incomplete.json", bundle, "application/json")},
    )
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    screening_id = location.split("/")[2].split("?")[0]
    view = client.get(f"/api/v1/screenings/{screening_id}", headers=basic("carol")).json()
    assert view["protocol_id"] == TELESTAR
    assert view["crf"]["ssa-highest-tolerated-dose"] is True  # the form's answer was read
    in4 = next(c for c in view["verdict"]["criteria"] if c["id"] == "IN4")
    assert in4["status"] == "met", in4
