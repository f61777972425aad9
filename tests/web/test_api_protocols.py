"""The application serves any shipped protocol (``serve --protocol``, issue 15): the API
screens TELESTAR's and SINET's examples with their expected verdicts and serves each one's
CRF; no line of the web code names them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.web.api_support import PASSWORD, SECRET, USERS, basic
from trialkit.protocol import load_protocol
from trialkit.protocol.loader import bundled_folder
from trialkit.web.app import create_app


@pytest.mark.parametrize("name", ["nct01677910", "nct04065165"])
def test_the_api_screens_another_protocols_examples(name: str, tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'study.db'}", secret_key=SECRET, protocol=name)
    for username, role in USERS.items():
        app.state.service.add_user(None, username, PASSWORD, role)
    folder = bundled_folder(name) / "examples"
    expected = yaml.safe_load((folder / "expected.yaml").read_text("utf-8"))
    with TestClient(app) as client:
        crf = client.get("/api/v1/protocol/questionnaire", headers=basic("carol"))
        assert crf.status_code == 200, crf.text
        assert crf.json()["url"] == load_protocol(name).questionnaire_url
        for file, want in expected["examples"].items():
            bundle = json.loads((folder / file).read_text("utf-8"))
            response = client.post(
                "/api/v1/screenings",
                json={"bundle": bundle, "as_of": expected["as_of"]},
                headers=basic("carol"),
            )
            assert response.status_code == 201, response.text
            view = response.json()
            assert view["status"] == want["status"], (file, view)


def test_serve_refuses_a_protocol_that_does_not_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trialkit.cli.main import main

    db = tmp_path / "study.db"
    assert main(["serve", "--protocol", str(tmp_path / "nowhere"), "--db", f"sqlite:///{db}"]) == 2
    assert "no protocol" in capsys.readouterr().err
    assert not db.exists()
