"""The subject page's forms for the stages after dosing, over the real app and store.

End of treatment, follow-up, off study and the baseline scan date go through the same
service transitions as the REST API: each form is offered only in a stage that allows it and
to a role that may enter data; a refused date or stage is shown beside its field; a forged
post by another role is 403 and audited; a post without the CSRF token is 403. The clock is
``LATER`` (2027-06-01 09:00 UTC; the bundled protocol's site time zone is UTC), so
2027-06-02 is tomorrow at the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.api_support import LATER, make_app
from tests.web.test_pages import (
    enrolled,
    error_beside,
    login,
    post_form,
    screen_example,
    sign,
)
from trialkit.store.models import AuditEvent
from trialkit.web.pages_common import INPUT_STATUS

REFUSED = 422  # a date or stage the protocol refuses (ProtocolRefusal), as in the API
FORM_ACTIONS = re.compile(r'<form method="post" action="([^"]+)"')


@pytest.fixture
def app_client(store_url: str) -> Iterator[tuple[TestClient, object]]:
    app = make_app(store_url, now=LATER)
    with TestClient(app, follow_redirects=False) as c:
        yield c, app


@pytest.fixture
def client(app_client: tuple[TestClient, object]) -> TestClient:
    return app_client[0]


def forms_on(client: TestClient, url: str) -> set[str]:
    return set(FORM_ACTIONS.findall(client.get(url).text))


def dosed(client: TestClient) -> tuple[int, str]:
    """A subject enrolled (as carol) with cycle 1 given on 2026-12-01: on treatment, cycle 2 due."""
    subject_id = enrolled(client)
    url = f"/subjects/{subject_id}"
    dose = post_form(
        client,
        url,
        f"{url}/doses",
        {"dose_cycle": "1", "dose_given_on": "2026-12-01", "dose_activity_gbq": "7.4"},
    )
    assert dose.status_code == 303, dose.text  # type: ignore[attr-defined]
    return subject_id, url


def stage_of(client: TestClient, url: str) -> str:
    match = re.search(r'id="conduct-state">Stage: <strong>([^<]+)</strong>', client.get(url).text)
    assert match, "no stage on the subject page"
    return match.group(1)


def test_end_of_treatment_then_follow_up_then_off_study_through_the_page(
    client: TestClient,
) -> None:
    subject_id, url = dosed(client)
    # on treatment: end of treatment and off study are offered, follow-up is not (yet)
    assert {f"{url}/end-treatment", f"{url}/off-study"} <= forms_on(client, url)
    assert f"{url}/follow-up" not in forms_on(client, url)
    ended = post_form(
        client,
        url,
        f"{url}/end-treatment",
        {"eot_date": "2027-01-10", "eot_reason": "adverse_event"},
    )
    assert ended.status_code == 303, ended.text  # type: ignore[attr-defined]
    assert "Treatment ended on 10 Jan 2027" in unquote(ended.headers["location"])  # type: ignore[attr-defined]
    assert stage_of(client, url) == "off treatment (adverse event)"
    page = client.get(url).text
    assert "treatment ended 2027-01-10 (adverse event)" in page
    # off treatment: no dose, no second end of treatment; follow-up and off study offered
    assert "Next due: cycle" not in page  # no cycle is due once the treatment has ended
    actions = forms_on(client, url)
    assert f"{url}/end-treatment" not in actions
    assert f"{url}/doses" not in actions
    assert {f"{url}/follow-up", f"{url}/off-study"} <= actions

    follow = post_form(client, url, f"{url}/follow-up", {"fu_date": "2027-02-01"})
    assert follow.status_code == 303, follow.text  # type: ignore[attr-defined]
    assert stage_of(client, url) == "follow-up"
    assert f"{url}/follow-up" not in forms_on(client, url)

    off = post_form(
        client,
        url,
        f"{url}/off-study",
        {
            "offstudy_date": "2027-05-01",
            "offstudy_reason": "other",
            "offstudy_reason_other": "moved abroad",
        },
    )
    assert off.status_code == 303, off.text  # type: ignore[attr-defined]
    assert stage_of(client, url) == "off study (other: moved abroad)"
    assert "off study 2027-05-01" in client.get(url).text
    # off study: none of the stage forms (nor any data entry) is offered any more
    assert not {f"{url}/end-treatment", f"{url}/follow-up", f"{url}/off-study"} & forms_on(
        client, url
    )

    # each transition is in the subject's audit trail, with its reason
    login(client, "mona")
    trail = client.get(f"/audit/subject/{subject_id}").text
    assert "treatment ended: adverse event" in trail
    assert "follow-up started" in trail
    assert "off study: other: moved abroad" in trail


def test_future_and_before_previous_stage_dates_are_refused_beside_the_field(
    client: TestClient,
) -> None:
    _, url = dosed(client)
    future = post_form(
        client,
        url,
        f"{url}/end-treatment",
        {"eot_date": "2027-06-02", "eot_reason": "progressive_disease"},
    )
    assert future.status_code == REFUSED  # type: ignore[attr-defined]
    message = error_beside(future.text, "eot_date")  # type: ignore[attr-defined]
    assert "2027-06-02 is in the future (today is 2027-06-01 at the site)" in message
    assert 'value="2027-06-02"' in future.text  # type: ignore[attr-defined]  (kept for correction)
    early = post_form(
        client,
        url,
        f"{url}/end-treatment",
        {"eot_date": "2026-11-30", "eot_reason": "progressive_disease"},
    )
    assert early.status_code == REFUSED  # type: ignore[attr-defined]
    assert "before the last dose (2026-12-01)" in error_beside(early.text, "eot_date")  # type: ignore[attr-defined]
    assert stage_of(client, url) == "cycle 2 due"  # nothing was written

    ended = post_form(
        client, url, f"{url}/end-treatment", {"eot_date": "2027-01-10", "eot_reason": "death"}
    )
    assert ended.status_code == 303, ended.text  # type: ignore[attr-defined]
    before = post_form(client, url, f"{url}/follow-up", {"fu_date": "2027-01-05"})
    assert before.status_code == REFUSED  # type: ignore[attr-defined]
    assert "before the end of treatment (2027-01-10)" in error_beside(before.text, "fu_date")  # type: ignore[attr-defined]
    tomorrow = post_form(
        client,
        url,
        f"{url}/off-study",
        {"offstudy_date": "2027-06-02", "offstudy_reason": "death"},
    )
    assert tomorrow.status_code == REFUSED  # type: ignore[attr-defined]
    assert "in the future" in error_beside(tomorrow.text, "offstudy_date")  # type: ignore[attr-defined]
    assert stage_of(client, url) == "off treatment (death)"


def test_the_reason_comes_from_the_list_and_other_needs_its_text(client: TestClient) -> None:
    _, url = dosed(client)
    page = client.get(url).text
    options = re.search(r'<select id="f-offstudy_reason".*?</select>', page, re.S)
    assert options
    offered = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)<', options.group(0))
    assert [words for key, words in offered if key] == [
        "completed",
        "adverse event",
        "progressive disease",
        "withdrawal by subject",
        "physician decision",
        "death",
        "lost to follow-up",
        "other",
    ]
    eot = re.search(r'<select id="f-eot_reason".*?</select>', page, re.S)
    assert eot
    assert "completed" not in eot.group(0)  # treatment ends early, never "completed"
    no_reason = post_form(client, url, f"{url}/end-treatment", {"eot_date": "2027-01-10"})
    assert no_reason.status_code == INPUT_STATUS  # type: ignore[attr-defined]
    assert error_beside(no_reason.text, "eot_reason") == "choose the reason from the list"  # type: ignore[attr-defined]
    invented = post_form(
        client, url, f"{url}/end-treatment", {"eot_date": "2027-01-10", "eot_reason": "bored"}
    )
    assert invented.status_code == INPUT_STATUS  # type: ignore[attr-defined]
    other = post_form(
        client, url, f"{url}/end-treatment", {"eot_date": "2027-01-10", "eot_reason": "other"}
    )
    assert other.status_code == INPUT_STATUS  # type: ignore[attr-defined]
    assert error_beside(other.text, "eot_reason_other") == "say what the other reason is"  # type: ignore[attr-defined]
    assert stage_of(client, url) == "cycle 2 due"


def test_off_study_while_on_treatment_ends_the_treatment_the_same_day(client: TestClient) -> None:
    _, url = dosed(client)
    off = post_form(
        client,
        url,
        f"{url}/off-study",
        {"offstudy_date": "2027-01-15", "offstudy_reason": "withdrawal_by_subject"},
    )
    assert off.status_code == 303, off.text  # type: ignore[attr-defined]
    page = client.get(url).text
    assert "off study (withdrawal by subject)" in page
    assert "treatment ended 2027-01-15 (off study: withdrawal by subject)" in page


@pytest.mark.parametrize("username", ["mona", "stan", "admin"])
def test_a_role_that_enters_no_data_sees_no_stage_form_and_a_forged_post_is_403_audited(
    app_client: tuple[TestClient, object], username: str
) -> None:
    client, app = app_client
    _, url = dosed(client)
    login(client, username)
    assert not {f"{url}/end-treatment", f"{url}/follow-up", f"{url}/off-study"} & forms_on(
        client, url
    )
    page = client.get(url).text
    version = re.search(r'name="version" value="(\d+)"', page)
    forged = post_form(
        client,
        url,
        f"{url}/end-treatment",
        {
            "eot_date": "2027-01-10",
            "eot_reason": "death",
            "version": version.group(1) if version else "1",
        },
    )
    assert forged.status_code == 403, forged.text  # type: ignore[attr-defined]
    login(client, "carol")
    assert stage_of(client, url) == "cycle 2 due"
    with app.state.store.session() as session:  # type: ignore[attr-defined]
        denied = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied"))
        )
    assert [(e.username, e.reason.split(":")[0]) for e in denied] == [(username, "end_treatment")]


def test_a_stage_form_without_the_csrf_token_is_refused(client: TestClient) -> None:
    _, url = dosed(client)
    version = re.search(r'name="version" value="(\d+)"', client.get(url).text)
    assert version
    for action, data in (
        ("end-treatment", {"eot_date": "2027-01-10", "eot_reason": "death"}),
        ("follow-up", {"fu_date": "2027-01-10"}),
        ("off-study", {"offstudy_date": "2027-01-10", "offstudy_reason": "death"}),
        ("baseline-scan", {"bl_date": "2026-11-20"}),
    ):
        response = client.post(f"{url}/{action}", data={**data, "version": version.group(1)})
        assert response.status_code == 403, (action, response.text)
    assert stage_of(client, url) == "cycle 2 due"


def test_the_baseline_scan_date_of_a_subject_enrolled_without_one(client: TestClient) -> None:
    login(client, "carol")
    sid = screen_example(client)
    login(client, "ivan")
    assert sign(client, sid).status_code == 303  # type: ignore[attr-defined]
    login(client, "carol")
    enrol = post_form(client, f"/screening/{sid}", f"/screening/{sid}/enrol", {"weight_kg": "70"})
    assert enrol.status_code == 303, enrol.text  # type: ignore[attr-defined]
    url = enrol.headers["location"].split("?")[0]  # type: ignore[attr-defined]
    page = client.get(url).text
    assert "No baseline scan recorded" in page
    assert f"{url}/baseline-scan" in forms_on(client, url)
    future = post_form(client, url, f"{url}/baseline-scan", {"bl_date": "2027-06-02"})
    assert future.status_code == REFUSED  # type: ignore[attr-defined]
    assert "baseline scan date 2027-06-02 is in the future" in error_beside(future.text, "bl_date")  # type: ignore[attr-defined]
    done = post_form(client, url, f"{url}/baseline-scan", {"bl_date": "2026-11-20"})
    assert done.status_code == 303, done.text  # type: ignore[attr-defined]
    page = client.get(url).text
    assert "Baseline scan date: 2026-11-20" in page
    # the example CRF's baseline lesions (L1 34 mm, L2 21 mm, N1 17 mm) are now measurable
    assert sorted(re.findall(r'name="scan_lesion_([^"]+)_mm"', page)) == ["L1", "L2", "N1"]
    assert f"{url}/baseline-scan" not in forms_on(client, url)
