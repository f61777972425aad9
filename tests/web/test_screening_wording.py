"""The screening page in clinical wording, problems first (issue 14 items 1 and 2).

Every shipped example and a sample of the Synthea records screened through the real page over a
real store: no Python values, tuples, raw UCUM or unrounded numbers; the page opens with what
blocks, what is unknown and what to collect; the patient by name and MRN; a second screening of
the same patient warns and links to the first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import LATER, make_app
from tests.web.test_pages import login, post_form
from tests.wording.reader_text import problems_in

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "src/trialkit/protocols/nct05894486/examples"  # the study application's protocol
EXAMPLES = sorted(OURS.glob("*.json"))
SYNTHEA = sorted((ROOT.parent / "shared/data/synthea-r4").glob("*.json"))
TAGS = re.compile(r"<[^>]+>")


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(make_app(store_url, now=LATER), follow_redirects=False) as c:
        yield c


def _screen(client: TestClient, path: Path, as_of: str = "2026-11-20") -> int:
    response = post_form(
        client,
        "/screening/new",
        "/screening/new",
        {"as_of": as_of},
        files={"bundle": (path.name, path.read_bytes(), "application/json")},
    )
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    match = re.match(r"/screening/(\d+)", response.headers["location"])  # type: ignore[attr-defined]
    assert match
    return int(match.group(1))


def _text(page: str, element_id: str) -> str:
    """The reader's text of one element: tags dropped, entities decoded, a line per item."""
    match = re.search(rf'<(\w+)[^>]* id="{element_id}".*?</\1>', page, re.S)
    assert match, element_id
    return html.unescape(TAGS.sub("\n", match.group(0)))


def _words(page: str, element_id: str) -> str:
    """The element's text as read aloud: one space between words."""
    match = re.search(rf'<(\w+)[^>]* id="{element_id}".*?</\1>', page, re.S)
    assert match, element_id
    return " ".join(html.unescape(TAGS.sub("", match.group(0))).split())


def _reader_text(page: str) -> str:
    return "\n".join(_text(page, i) for i in ("summary", "problems", "checklist"))


def test_examples_and_synthea_read_in_clinical_wording(client: TestClient) -> None:
    login(client, "carol")
    for path in [*EXAMPLES, *SYNTHEA[:3]]:
        page = client.get(f"/screening/{_screen(client, path)}").text
        assert problems_in(_reader_text(page)) == [], path.name


def test_the_page_opens_with_what_blocks_and_what_to_collect(client: TestClient) -> None:
    login(client, "carol")
    low = client.get(f"/screening/{_screen(client, OURS / 'low-haemoglobin.json')}").text
    assert low.index('id="problems"') < low.index('id="checklist"')
    blocking = _words(low, "blocking")
    assert "EX2 blood counts too low (haemoglobin, WBC or platelets)" in blocking
    assert "Haemoglobin 76 g/L on 19 Nov 2026 is below 80 g/L." in blocking
    assert "Inclusion: 8 of 8 met · Exclusion:" in _words(low, "summary")
    incomplete = client.get(f"/screening/{_screen(client, OURS / 'incomplete.json')}").text
    to_collect = _words(incomplete, "to-collect")
    assert "one usable serum creatinine result dated 23 Oct 2026 to 20 Nov 2026" in to_collect
    assert "(EX1)" in to_collect
    assert "EX1 renal function too low (creatinine or clearance)?" in _words(incomplete, "unknown")


def test_patient_by_name_and_mrn_and_a_second_screening_warns(client: TestClient) -> None:
    login(client, "carol")
    synthea = SYNTHEA[0]  # Abdul Koepp: Patient.identifier typed MR
    first = _screen(client, synthea)
    page = client.get(f"/screening/{first}").text
    heading = html.unescape(re.search(r"<h1>.*?</h1>", page, re.S).group(0))  # type: ignore[union-attr]
    assert "Abdul Koepp" in heading
    assert "MRN e925b0f3-8006-43f6-aa31-94bd215e55e7" in heading
    assert 'id="other-screenings"' not in page
    second = _screen(client, synthea)
    again = client.get(f"/screening/{second}").text
    warning = _words(again, "other-screenings")
    assert "This patient has been screened before" in warning
    assert f'href="/screening/{first}"' in again
    # the first screening links to the second too: either page says the patient has two
    assert f'href="/screening/{second}"' in client.get(f"/screening/{first}").text


def test_screenings_from_crf_answers_alone_are_not_one_patient(client: TestClient) -> None:
    login(client, "carol")
    ids = []
    for _ in range(2):
        response = post_form(
            client, "/screening/new", "/screening/new", {"as_of": "2026-11-20", "ecog": "1"}
        )
        assert response.status_code == 303, response.text  # type: ignore[attr-defined]
        ids.append(response.headers["location"])  # type: ignore[attr-defined]
    assert 'id="other-screenings"' not in client.get(ids[1]).text
