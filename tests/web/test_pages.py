"""The HTML pages over a real store: who sees what, forms that work, errors beside their field.

Every test drives the real app (FastAPI TestClient) over a real store (SQLite and PostgreSQL)
seeded with one user per role, logging in through the login form with its
CSRF token as a browser would.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.web.api_support import AS_OF, EXAMPLES, LATER, PASSWORD, make_app
from trialkit.protocol import load_protocol
from trialkit.services.study.views import SIGNATURE_MEANINGS
from trialkit.web.pages_common import INPUT_STATUS
from trialkit.web.pages_crf import crf_sections

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    """The app over a fresh store: SQLite and PostgreSQL (tests/conftest.py's ``store_url``)."""
    with TestClient(make_app(store_url, now=LATER), follow_redirects=False) as c:
        yield c


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    client.cookies.clear()
    page = client.get("/")
    assert page.status_code == 200
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303, response.text


def post_form(
    client: TestClient,
    page_url: str,
    action: str,
    data: dict[str, str],
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> object:
    """Post ``data`` to ``action`` with the CSRF token (and record version) of ``page_url``."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    fields = {"csrf_token": csrf_of(page.text), **data}
    version = VERSION.search(page.text)
    if version and "version" not in data:
        fields["version"] = version.group(1)
    return client.post(action, data=fields, files=files)


def screen_example(client: TestClient, name: str = "eligible", **crf: str) -> int:
    """As the logged-in user, screen an example bundle through the new-screening form."""
    bundle = (EXAMPLES / f"{name}.json").read_bytes()
    response = post_form(
        client,
        "/screening/new",
        "/screening/new",
        {"as_of": AS_OF, **crf},
        files={"bundle": (f"{name}.json", bundle, "application/json")},
    )
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    match = re.match(r"/screening/(\d+)", location)
    assert match, location
    return int(match.group(1))


def sign(client: TestClient, screening_id: int, password: str = PASSWORD) -> object:
    return post_form(
        client,
        f"/screening/{screening_id}",
        f"/screening/{screening_id}/sign",
        {
            "EX24": "false",
            "EX25": "false",
            "EX26": "false",
            "meaning": SIGNATURE_MEANINGS[0],
            "password": password,
        },
    )


def enrolled(client: TestClient) -> int:
    """Screen (coordinator), sign (investigator), enrol (coordinator); the subject's id."""
    login(client, "carol")
    sid = screen_example(client)
    login(client, "ivan")
    assert sign(client, sid).status_code == 303  # type: ignore[attr-defined]
    login(client, "carol")
    response = post_form(
        client,
        f"/screening/{sid}",
        f"/screening/{sid}/enrol",
        {"baseline_scan_date": "2026-11-20"},
    )
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    match = re.match(r"/subjects/(\d+)", response.headers["location"])  # type: ignore[attr-defined]
    assert match
    return int(match.group(1))


def error_beside(page: str, control: str) -> str:
    """The error message rendered right after the control named ``control``."""
    match = re.search(
        rf'name="{re.escape(control)}"[^>]*aria-invalid="true"[^>]*>.*?'
        rf'<div class="field-error" id="err-{re.escape(control)}">([^<]*)</div>',
        page,
        re.S,
    )
    assert match, f"no error beside {control}"
    return html.unescape(match.group(1))


# ---- login --------------------------------------------------------------------------------------


def test_login_page_for_anonymous_and_redirect_when_logged_in(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'action="/login"' in page.text
    assert 'type="password"' in page.text
    assert client.get("/screening").headers["location"].startswith("/?next=")
    login(client, "carol")
    assert client.get("/").headers["location"] == "/screening"
    screening = client.get("/screening")
    assert screening.status_code == 200
    assert "carol" in screening.text
    assert "coordinator" in screening.text


def test_wrong_password_shows_the_login_form_with_the_reason(client: TestClient) -> None:
    page = client.get("/")
    response = client.post(
        "/login",
        data={"username": "carol", "password": "wrong", "csrf_token": csrf_of(page.text)},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 401
    assert 'action="/login"' in response.text
    assert 'class="alert"' in response.text
    assert client.get("/screening").status_code == 303  # still not logged in


def test_logout_ends_the_session(client: TestClient) -> None:
    login(client, "carol")
    response = post_form(client, "/screening", "/logout", {})
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert client.get("/screening").status_code == 303


# ---- who sees what ------------------------------------------------------------------------------

PAGES = ["/screening", "/subjects", "/dashboard", "/export", "/audit", "/screening/new"]


@pytest.mark.parametrize("username", ["admin", "carol", "ivan", "mona", "stan"])
def test_every_page_renders_for_every_role_with_its_nav(client: TestClient, username: str) -> None:
    login(client, username)
    for url in PAGES:
        response = client.get(url)
        if url == "/audit" and username == "carol":
            assert response.status_code == 403, url  # coordinators may not read the audit trail
            continue
        assert response.status_code == 200, (url, response.text)
        assert 'href="#main"' in response.text  # skip link on every page
    nav = client.get("/subjects").text
    assert ('href="/export"' in nav) == (username in ("admin", "mona", "stan"))
    assert ('href="/audit"' in nav) == (username != "carol")


def test_monitor_sees_no_write_forms(client: TestClient) -> None:
    subject_id = enrolled(client)
    login(client, "mona")
    subject = client.get(f"/subjects/{subject_id}").text
    screening = client.get("/screening/1").text
    new = client.get("/screening/new").text
    for page in (subject, screening, new):
        actions = set(re.findall(r'<form method="post" action="([^"]+)"', page))
        actions -= {"/logout", f"/subjects/{subject_id}/queries"}
        assert actions == set(), actions
    assert 'action="/screening/new"' not in new
    assert 'id="query-form"' in subject  # monitors raise queries
    # and the service refuses a monitor's write even when the form is forged
    forged = post_form(
        client,
        f"/subjects/{subject_id}",
        f"/subjects/{subject_id}/labs",
        {"lab_key": "platelets", "lab_value": "200", "lab_on": "2026-12-01"},
    )
    assert forged.status_code == 403  # type: ignore[attr-defined]


def test_unsafe_form_without_csrf_token_is_refused(client: TestClient) -> None:
    login(client, "carol")
    response = client.post("/screening/new", data={"as_of": AS_OF})
    assert response.status_code == 403


# ---- screening ----------------------------------------------------------------------------------


def test_crf_form_is_every_item_of_the_questionnaire(client: TestClient) -> None:
    login(client, "carol")
    page = client.get("/screening/new").text
    questionnaire = load_protocol("nct05894486").questionnaire
    sections = crf_sections(questionnaire)
    assert len(sections) == len(questionnaire["item"])
    for section in sections:
        if section.link_id == "investigator":
            continue  # answered by the investigator at sign-off
        for f in section.fields:
            name = f"{section.link_id}.0.{f.link_id}" if section.repeats else f.link_id
            assert f'name="{name}"' in page, name
            for code, _ in f.options:
                assert f'value="{code}"' in page
    assert 'type="date"' in page
    assert 'name="ecog" type="number"' in page
    assert 'min="0" max="5"' in page  # the ECOG item's minValue/maxValue extensions


def test_screen_bundle_shows_the_checklist_with_evidence(client: TestClient) -> None:
    login(client, "carol")
    sid = screen_example(client)
    page = client.get(f"/screening/{sid}").text
    rows = re.findall(r'<tr id="crit-([A-Z]+\d+)">', page)
    assert len(rows) == 34
    assert "status-eligible" in page
    assert "Haemoglobin 121 g/L (entered 12.1 g/dL), 19 Nov 2026 — lab result o-hb" in page
    assert 'id="sign-form"' not in page  # coordinators do not sign
    assert 'id="enrol-form"' not in page  # not signed yet
    listing = client.get("/screening").text
    assert f'href="/screening/{sid}"' in listing


def test_the_screening_log_page_is_paginated(client: TestClient) -> None:
    login(client, "carol")
    ids = [screen_example(client), screen_example(client, "incomplete"), screen_example(client)]
    first = client.get("/screening?per_page=2").text
    assert [int(x) for x in re.findall(r'<td><a href="/screening/(\d+)">', first)] == ids[:0:-1]
    assert "Page 1 of 2" in first
    assert 'href="/screening?page=2&amp;per_page=2" rel="next"' in first
    second = client.get("/screening?page=2&per_page=2").text
    assert re.findall(r'<td><a href="/screening/(\d+)">', second) == [str(ids[0])]
    assert 'rel="next"' not in second
    assert 'href="/screening?page=1&amp;per_page=2"' in second
    past = client.get("/screening?page=7&per_page=2").text
    assert "past the end of the log (3 screenings)" in past
    assert 'href="/screening?page=2&amp;per_page=2" rel="prev"' in past
    # unusable numbers typed into the address bar are read as the nearest usable ones
    default = client.get("/screening?page=abc&per_page=-5")
    assert default.status_code == 200
    assert len(re.findall(r'<td><a href="/screening/(\d+)">', default.text)) == 1


def test_crf_answers_from_the_form_change_the_verdict(client: TestClient) -> None:
    login(client, "carol")
    sid = screen_example(client)
    response = post_form(
        client,
        f"/screening/{sid}",
        f"/screening/{sid}/crf",
        {"ecog": "3", "reason": "ECOG re-assessed at the visit"},
    )
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    page = client.get(f"/screening/{sid}").text
    # the CRF now contradicts the EHR's ECOG 1: the engine says IN7 is unknown, not eligible
    assert "status-incomplete" in page
    in7 = re.search(r'<tr id="crit-IN7">.*?</tr>', page, re.S)
    assert in7
    assert "crit-unknown" in in7.group(0)
    assert "disagree" in in7.group(0)
    assert 'name="ecog" type="number" value="3"' in page
    login(client, "mona")
    audit = client.get(f"/audit/screening/{sid}").text
    assert re.search(r"<strong>crf\.ecog</strong>:\s*∅ → 3", audit)  # only the changed answer
    assert "ECOG re-assessed at the visit" in audit


def test_bad_crf_value_is_shown_beside_its_field(client: TestClient) -> None:
    login(client, "carol")
    response = post_form(
        client, "/screening/new", "/screening/new", {"ki67-percent": "abc", "ecog": "9"}
    )
    assert response.status_code == INPUT_STATUS  # type: ignore[attr-defined]
    page = response.text  # type: ignore[attr-defined]
    assert "not a number" in error_beside(page, "ki67-percent")
    assert "at most 5" in error_beside(page, "ecog")
    assert 'value="abc"' in page  # what the user typed is kept


def test_unusable_bundle_error_is_shown_beside_the_upload(client: TestClient) -> None:
    login(client, "carol")
    response = post_form(
        client,
        "/screening/new",
        "/screening/new",
        {"as_of": AS_OF},
        files={"bundle": ("x.json", b'{"resourceType": "Bundle"}', "application/json")},
    )
    assert response.status_code == INPUT_STATUS  # type: ignore[attr-defined]
    assert "Patient" in error_beside(response.text, "bundle")  # type: ignore[attr-defined]


def test_wrong_signature_password_is_shown_beside_the_password(client: TestClient) -> None:
    login(client, "carol")
    sid = screen_example(client)
    login(client, "ivan")
    response = sign(client, sid, password="not my password")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert error_beside(response.text, "password")  # type: ignore[attr-defined]
    assert "Not signed yet" in client.get(f"/screening/{sid}").text


def test_sign_then_enrol(client: TestClient) -> None:
    subject_id = enrolled(client)
    page = client.get(f"/subjects/{subject_id}").text
    assert "Dosing calendar" in page
    assert 'id="dose-form"' in page
    screening = client.get("/screening/1").text
    assert "Signed by Dr Ivan Petrov (ivan), investigator, " in screening
    assert "Eligibility: Signed by Dr Ivan Petrov (ivan), investigator, " in page
    assert SIGNATURE_MEANINGS[0] in screening


def test_stale_form_gets_409_and_the_first_change_is_kept(client: TestClient) -> None:
    login(client, "carol")
    sid = screen_example(client)
    page = client.get(f"/screening/{sid}").text
    token, version = csrf_of(page), VERSION.search(page).group(1)  # type: ignore[union-attr]
    first = client.post(
        f"/screening/{sid}/crf",
        data={"csrf_token": token, "version": version, "ecog": "0", "reason": "first"},
    )
    assert first.status_code == 303
    second = client.post(
        f"/screening/{sid}/crf",
        data={"csrf_token": token, "version": version, "ecog": "3", "reason": "second"},
    )
    assert second.status_code == 409
    assert 'class="alert"' in second.text
    assert 'value="3"' in second.text  # the second user's input is still on the form
    assert 'name="ecog" type="number" value="0"' in client.get(f"/screening/{sid}").text


# ---- subject page -------------------------------------------------------------------------------


def test_dose_lab_scans_and_ae_through_the_subject_page(client: TestClient) -> None:
    subject_id = enrolled(client)
    url = f"/subjects/{subject_id}"
    page = client.get(url).text
    assert re.search(r'id="decision"', page) or 'class="alert"' in page
    dose = post_form(
        client,
        url,
        f"{url}/doses",
        {"dose_cycle": "1", "dose_given_on": "2026-12-01", "dose_activity_gbq": "7.4"},
    )
    assert dose.status_code == 303, dose.text  # type: ignore[attr-defined]
    lab = post_form(
        client,
        url,
        f"{url}/labs",
        {"lab_key": "platelets", "lab_value": "60", "lab_unit": "10*9/L", "lab_on": "2027-01-20"},
    )
    assert lab.status_code == 303, lab.text  # type: ignore[attr-defined]
    assert "×10⁹/L" in unquote(lab.headers["location"])  # type: ignore[attr-defined]
    page = client.get(url).text
    assert "2026-12-01 · 7.4 GBq" in page
    assert "grade 2" in page  # platelets 60 ×10⁹/L: CTCAE v5 grade 2
    lesions = re.findall(r'name="scan_lesion_([^"]+)_mm"', page)
    assert lesions, "no baseline lesions to measure"
    # the example bundle's CRF: target lesions L1 34 mm, L2 21 mm, N1 17 mm (sum 72)
    assert sorted(lesions) == ["L1", "L2", "N1"]
    shrunk = {"scan_lesion_L1_mm": "17", "scan_lesion_L2_mm": "10", "scan_lesion_N1_mm": "9"}
    scan = post_form(
        client,
        url,
        f"{url}/assessments",
        {"scan_on": "2027-03-20", "scan_new_lesions": "none", **shrunk},
    )
    assert scan.status_code == 303, scan.text  # type: ignore[attr-defined]
    assert "overall response PR" in unquote(scan.headers["location"])  # type: ignore[attr-defined]
    page = client.get(url).text
    assert re.search(r'id="timepoints".*<strong>PR</strong>', page, re.S)
    ae = post_form(
        client,
        url,
        f"{url}/aes",
        {
            "ae_term": "platelet_count_decreased",
            "ae_onset": "2027-01-20",
            "ae_lab_value": "60",
            "ae_lab_unit": "10*9/L",
        },
    )
    assert ae.status_code == 303, ae.text  # type: ignore[attr-defined]
    assert "grade 2" in unquote(ae.headers["location"])  # type: ignore[attr-defined]
    # what the page shows (not its form attributes) speaks clinicians' units: the labs table and
    # the AE's stored CTCAE rule read ×10⁹/L, never the UCUM 10*9/L (issue 14 item 1)
    shown = re.sub(r"<[^>]+>", "\n", client.get(url).text)
    assert "×10⁹/L" in shown
    assert "10*" not in shown, [line for line in shown.splitlines() if "10*" in line]


def test_missing_dose_fields_are_shown_beside_them(client: TestClient) -> None:
    subject_id = enrolled(client)
    url = f"/subjects/{subject_id}"
    response = post_form(client, url, f"{url}/doses", {"dose_cycle": "1", "dose_activity_gbq": "x"})
    assert response.status_code == INPUT_STATUS  # type: ignore[attr-defined]
    assert error_beside(response.text, "dose_given_on") == "required"  # type: ignore[attr-defined]
    assert "not a number" in error_beside(response.text, "dose_activity_gbq")  # type: ignore[attr-defined]


# ---- dashboard, export, audit -------------------------------------------------------------------


def test_dashboard_export_and_audit(client: TestClient) -> None:
    subject_id = enrolled(client)
    login(client, "stan")
    dashboard = client.get("/dashboard").text
    assert re.search(r"<strong>1</strong>Enrolled", dashboard)
    assert "data:image/png;base64," in dashboard  # the enrolment figure
    zipped = client.get("/export/csv")
    assert zipped.status_code == 200
    assert zipped.content[:2] == b"PK"
    fhir = client.get("/export/fhir")
    assert fhir.status_code == 200
    assert b'"resourceType"' in fhir.content
    assert "Download CDISC package" in client.get("/export").text
    cdisc = client.get("/export/cdisc")
    assert cdisc.status_code == 200
    assert cdisc.content[:2] == b"PK"
    assert b"cdisc/sdtm/dm.xpt" in cdisc.content  # the zip's central directory names it
    login(client, "carol")
    assert client.get("/export/csv").status_code == 403
    assert client.get("/export/cdisc").status_code == 403
    login(client, "mona")
    audit = client.get(f"/audit/subject/{subject_id}").text
    assert "carol" in audit
    assert "enrol" in audit
    screening_audit = client.get("/audit/screening/1").text
    assert "ivan" in screening_audit
    assert "sign" in screening_audit


# ---- figures ------------------------------------------------------------------------------------


def test_km_follow_up_is_recovered_exactly_from_the_dashboard_steps() -> None:
    """The dashboard gives KM steps; the figure re-derives each subject's time and event."""
    from trialkit.analysis.survival import km
    from trialkit.web.pages_figures import _follow_up, km_png

    times = [2.0, 3.5, 3.5, 3.5, 6.0, 8.0, 8.0, 11.0, 12.5, 12.5]
    events = [True, True, False, False, True, False, True, True, False, False]
    result = km(times, events)
    steps = [{"months": 0.0, "survival": 1.0}] + [
        {"months": r.time, "survival": r.survival, "at_risk": r.n_at_risk} for r in result.table
    ]
    got_times, got_events = _follow_up(steps)
    assert sorted(zip(got_times, got_events, strict=True)) == sorted(
        zip(times, events, strict=True)
    )
    image = km_png(steps)
    assert image is not None
    assert image.startswith("data:image/png;base64,")
    assert km_png([]) is None


def test_errors_in_the_browser_are_html_pages_with_the_layout(client: TestClient) -> None:
    login(client, "carol")
    html_accept = {"accept": "text/html"}
    missing = client.get("/screening/999", headers=html_accept)
    assert missing.status_code == 404
    assert "<h1>Not found</h1>" in missing.text
    assert 'href="/subjects"' in missing.text  # the nav is there to carry on
    forbidden = client.get("/audit", headers=html_accept)
    assert forbidden.status_code == 403
    assert "<h1>Not allowed</h1>" in forbidden.text
    assert "coordinator" in forbidden.text


def test_monitor_query_is_answered_and_closed_on_the_subject_page(client: TestClient) -> None:
    subject_id = enrolled(client)
    url = f"/subjects/{subject_id}"
    login(client, "mona")
    raised = post_form(
        client, url, f"{url}/queries", {"query_kind": "subject", "query_text": "Weight source?"}
    )
    assert raised.status_code == 303, raised.text  # type: ignore[attr-defined]
    page = client.get(url).text
    assert "Weight source?" in page
    assert "Answer query #" not in page  # monitors ask, they do not answer
    login(client, "carol")
    query_id = int(re.search(r"Answer query #(\d+)", client.get(url).text).group(1))  # type: ignore[union-attr]
    empty = post_form(client, url, f"{url}/queries/{query_id}/answer", {})
    assert empty.status_code == INPUT_STATUS  # type: ignore[attr-defined]
    assert error_beside(empty.text, f"answer_{query_id}") == "write the answer"  # type: ignore[attr-defined]
    answered = post_form(
        client, url, f"{url}/queries/{query_id}/answer", {f"answer_{query_id}": "Scale, visit 1"}
    )
    assert answered.status_code == 303, answered.text  # type: ignore[attr-defined]
    login(client, "mona")
    closed = post_form(client, url, f"{url}/queries/{query_id}/close", {})
    assert closed.status_code == 303, closed.text  # type: ignore[attr-defined]
    page = client.get(url).text
    assert "Scale, visit 1" in page
    assert re.search(r"<td>closed</td>", page)


def test_correct_and_delete_a_record_with_a_reason_and_see_it_audited(client: TestClient) -> None:
    subject_id = enrolled(client)
    url = f"/subjects/{subject_id}"
    lab = post_form(
        client,
        url,
        f"{url}/labs",
        {"lab_key": "platelets", "lab_value": "60", "lab_unit": "10*9/L", "lab_on": "2027-01-20"},
    )
    assert lab.status_code == 303, lab.text  # type: ignore[attr-defined]
    lab_id = max(int(i) for i in re.findall(rf'href="{url}/lab/(\d+)"', client.get(url).text))
    edit = f"{url}/lab/{lab_id}"
    page = client.get(edit).text
    assert 'name="value" type="number" value="60.0"' in page
    no_reason = post_form(client, edit, edit, {"value": "120", "lab_date": "2027-01-20"})
    assert no_reason.status_code == INPUT_STATUS  # type: ignore[attr-defined]
    assert error_beside(no_reason.text, "reason") == "a reason for the change is required"  # type: ignore[attr-defined]
    stale_version = VERSION.search(page).group(1)  # type: ignore[union-attr]
    fixed = post_form(
        client,
        edit,
        edit,
        {"value": "120", "lab_date": "2027-01-20", "reason": "transcription error"},
    )
    assert fixed.status_code == 303, fixed.text  # type: ignore[attr-defined]
    stale = post_form(
        client,
        edit,
        edit,
        {"value": "90", "lab_date": "2027-01-20", "reason": "late edit", "version": stale_version},
    )
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert 'value="90"' in stale.text  # type: ignore[attr-defined]
    deleted = post_form(client, edit, edit, {"action": "delete", "reason": "wrong patient"})
    assert deleted.status_code == 303, deleted.text  # type: ignore[attr-defined]
    assert f'href="{edit}"' not in client.get(url).text
    login(client, "mona")
    audit = client.get(f"/audit/lab/{lab_id}").text
    assert re.search(r"<strong>value</strong>:\s*60\.0 → 120\.0", audit)
    assert "transcription error" in audit
    assert "wrong patient" in audit
    assert "late edit" not in audit  # the stale write changed nothing
