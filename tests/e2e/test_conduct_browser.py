"""The protocol's refusals in a real browser (Chromium via Playwright against uvicorn).

The investigator tries to confirm eligibility of an incomplete screening and is refused with
the criterion named beside the meaning; the waiver path records a deviation that shows in
the deviation log, on the subject page and in the exported report. Screenshots go to
``test-artifacts/e2e-conduct/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser import log_in, submit  # the one login path of the browser tests
from tests.web.api_support import (
    AS_OF,
    EXAMPLES,
    PASSWORD,
    basic,
    enrolled_subject,
    live_server,
    make_app,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-conduct"
# "today" for the study: cycle 2 of a first dose on 2026-12-01 is due 2027-01-26 (± 7 days)
TODAY = datetime(2027, 2, 1, 9, 0)
# a full pre-dose panel (clinical-facts §3) on 2027-01-20, normal but for platelets 60 ×10⁹/L:
# CTCAE v5 grade 2 (clinical-facts §5) → the label withholds the dose
PANEL = [
    ("hemoglobin", 130, "g/L", None, 120),
    ("wbc", 6.0, "10*9/L", None, 4.0),
    ("platelets", 60, "10*9/L", None, 150),
    ("creatinine", 80, "umol/L", 100, None),
    ("alt", 20, "U/L", 40, None),
    ("ast", 22, "U/L", 40, None),
    ("albumin", 40, "g/L", None, 35),
    ("bilirubin", 10, "umol/L", 21, None),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = f"sqlite:///{tmp_path_factory.mktemp('e2e-conduct') / 'study.db'}"
    with live_server(make_app(store, now=TODAY)) as url:
        yield url


@pytest.fixture(scope="module")
def shots() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 900})
    yield context.new_page()
    context.close()


def shot(page: Page, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def screen_incomplete(page: Page) -> str:
    log_in(page, "carol")
    page.goto("/screening/new")
    page.get_by_label("FHIR R4 Bundle (JSON) of one patient").set_input_files(
        str(EXAMPLES / "incomplete.json")
    )
    page.get_by_label("Screen as of").fill(AS_OF)
    submit(page, "Screen patient")
    expect(page.locator("#summary")).to_contain_text("incomplete")
    return page.url.split("?")[0]


def fill_sign_off(page: Page) -> None:
    for key in ("EX24", "EX25", "EX26"):
        page.locator(f'select[name="{key}"]').select_option("false")
    page.get_by_label("Meaning of this signature").select_option(
        "I confirm the patient is eligible"
    )
    page.get_by_label("Re-enter your password to sign").fill(PASSWORD)


def test_incomplete_sign_off_refused_then_waived_and_shown_everywhere(
    page: Page, shots: Path
) -> None:
    url = screen_incomplete(page)
    log_in(page, "ivan")
    page.goto(url)
    fill_sign_off(page)
    submit(page, "Sign eligibility")
    error = page.locator("#err-meaning")
    expect(error).to_contain_text("eligibility sign-off refused")
    expect(error).to_contain_text("EX1 unknown")
    expect(page.locator("#signoff")).to_contain_text("Not signed yet")
    page.locator("#signoff").scroll_into_view_if_needed()
    shot(page, shots, "01-sign-off-refused")

    fill_sign_off(page)
    page.get_by_role("checkbox", name=re.compile(r"Waive EX1")).check()
    page.get_by_label("Reason for the waiver").fill("HBV serology pending; PI accepts the risk")
    shot(page, shots, "02-waiver-filled")
    submit(page, "Sign eligibility")
    expect(page.locator("p.notice")).to_contain_text("waiver of EX1")
    expect(page.locator("#waived")).to_contain_text("EX1")
    expect(page.locator("#screening-deviations")).to_contain_text("HBV serology pending")
    shot(page, shots, "03-signed-with-waiver")

    log_in(page, "carol")
    page.goto(url)
    page.get_by_label("Weight (kg)").fill("70")
    submit(page, "Enrol")
    expect(page.get_by_role("heading", name=re.compile(r"^Subject "))).to_be_visible()
    expect(page.locator("#conduct-state")).to_contain_text("1 protocol deviation")
    expect(page.locator("#deviations")).to_contain_text("Eligibility criterion waived (EX1)")
    page.locator("#deviations").scroll_into_view_if_needed()
    shot(page, shots, "04-subject-deviation")

    log_in(page, "mona")
    page.get_by_role("link", name="Deviations").click()
    log = page.locator("#deviation-log")
    expect(log).to_contain_text("EX1")
    expect(log).to_contain_text("ivan")
    expect(log).to_contain_text("HBV serology pending; PI accepts the risk")
    shot(page, shots, "05-deviation-log")


def subject_due_cycle_2_with_low_platelets(base_url: str) -> int:
    """Through the API: the eligible example enrolled, cycle 1 given, the cycle-2 labs in."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        subject = enrolled_subject(client)
        dose = client.post(
            f"/api/v1/subjects/{subject['id']}/doses",
            json={"cycle": 1, "dose_date": "2026-12-01", "activity_gbq": 7.4},
            headers=basic("carol"),
        )
        assert dose.status_code == 201, dose.text
        for key, value, unit, uln, lln in PANEL:
            lab = client.post(
                f"/api/v1/subjects/{subject['id']}/labs",
                json={"analyte": key, "value": value, "unit": unit, "lab_date": "2027-01-20"}
                | ({"uln": uln} if uln else {})
                | ({"lln": lln} if lln else {}),
                headers=basic("carol"),
            )
            assert lab.status_code == 201, lab.text
        return int(subject["id"])


def test_dose_against_withhold_refused_then_an_investigators_deviation(
    page: Page, base_url: str, shots: Path
) -> None:
    subject_id = subject_due_cycle_2_with_low_platelets(base_url)
    log_in(page, "carol")
    page.goto(f"/subjects/{subject_id}")
    expect(page.locator("#decision")).to_contain_text("WITHHOLD")
    expect(page.locator("#check-basis")).to_contain_text("after the previous dose of 2026-12-01")
    expect(page.locator("#labs-used")).to_contain_text("2027-01-20")
    expect(page.locator("#f-check_date")).to_have_value("2027-02-01")

    # a future-dated lab is refused with the message at its field
    page.locator("#f-lab_key").select_option("platelets")
    page.locator("#f-lab_value").fill("210")
    page.locator("#f-lab_on").fill("2027-02-02")
    submit(page, "Record lab")
    expect(page.locator("#err-lab_on")).to_contain_text("in the future")
    page.locator("#f-lab_on").scroll_into_view_if_needed()
    shot(page, shots, "06-future-lab-refused")

    # the coordinator tries to give cycle 2 anyway: refused, naming the rule and the labs
    page.get_by_label("Given on").fill("2027-02-01")
    page.get_by_label("Activity (GBq)").fill("7.4")
    submit(page, "Record dose")
    error = page.locator("#err-dose_given_on")
    expect(error).to_contain_text("WITHHOLD")
    expect(error).to_contain_text("platelets 60 ×10⁹/L on 2027-01-20")
    expect(error).to_contain_text("Only an investigator")
    expect(page.locator("#calendar")).not_to_contain_text("2027-02-01 · 7.4 GBq")
    page.locator("#dose-check").scroll_into_view_if_needed()
    shot(page, shots, "07-dose-refused")

    # the investigator records it as a deviation with a reason
    log_in(page, "ivan")
    page.goto(f"/subjects/{subject_id}")
    page.get_by_label("Given on").fill("2027-02-01")
    page.get_by_label("Activity (GBq)").fill("7.4")
    page.get_by_label(re.compile("^Deviation reason")).fill(
        "platelets rising on repeat; tumour board: give the full dose"
    )
    submit(page, "Record dose")
    expect(page.locator("p.notice")).to_contain_text("as a protocol deviation")
    expect(page.locator("#calendar")).to_contain_text("2027-02-01 · 7.4 GBq")
    deviations = page.locator("#deviations")
    expect(deviations).to_contain_text("Dose not allowed by the dose check")
    expect(deviations).to_contain_text("tumour board")
    expect(page.locator("#conduct-state")).to_contain_text("cycle 3 due")
    deviations.scroll_into_view_if_needed()
    shot(page, shots, "08-dose-deviation")

    log_in(page, "mona")
    page.goto("/deviations")
    expect(page.locator("#deviation-log")).to_contain_text("says WITHHOLD")
    shot(page, shots, "09-deviation-log-dose")


def test_end_of_treatment_follow_up_and_off_study_through_the_subject_page(
    page: Page, base_url: str, shots: Path
) -> None:
    """A coordinator ends the treatment early, starts follow-up (a date before the end of
    treatment is refused at the field, which gets the focus), and takes the subject off study;
    each step shows the new stage, and the monitor reads the three steps in the audit trail."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        subject = enrolled_subject(client)
        dose = client.post(
            f"/api/v1/subjects/{subject['id']}/doses",
            json={"cycle": 1, "dose_date": "2026-12-01", "activity_gbq": 7.4},
            headers=basic("carol"),
        )
        assert dose.status_code == 201, dose.text
    url = f"/subjects/{subject['id']}"
    log_in(page, "carol")
    page.goto(url)
    expect(page.locator("#conduct-state")).to_contain_text("cycle 2 due")
    expect(page.locator("#fu-form")).to_have_count(0)  # not off treatment yet

    page.get_by_label("Treatment end date").fill("2027-01-10")
    page.get_by_label("Reason treatment ended").select_option(label="progressive disease")
    submit(page, "End treatment")
    expect(page.locator("p.notice")).to_contain_text("Treatment ended on 10 Jan 2027")
    expect(page.locator("#conduct-state")).to_contain_text("off treatment (progressive disease)")
    expect(page.locator("#eot-form")).to_have_count(0)
    expect(page.locator("#dose-form")).to_have_count(0)  # no dose once off treatment
    page.locator("#stage").scroll_into_view_if_needed()
    shot(page, shots, "10-treatment-ended")

    page.get_by_label("Follow-up start date").fill("2027-01-05")
    submit(page, "Start follow-up")
    expect(page.locator("#err-fu_date")).to_contain_text("before the end of treatment (2027-01-10)")
    expect(page.locator("#f-fu_date")).to_be_focused()
    shot(page, shots, "11-follow-up-date-refused")
    page.get_by_label("Follow-up start date").fill("2027-01-20")
    submit(page, "Start follow-up")
    expect(page.locator("#conduct-state strong")).to_have_text("follow-up")
    expect(page.locator("#conduct-state")).to_contain_text("follow-up from 2027-01-20")

    page.get_by_label("Off-study date").fill("2027-01-31")
    page.get_by_label("Reason off study").select_option(label="lost to follow-up")
    submit(page, "Take off study")
    expect(page.locator("#conduct-state")).to_contain_text("off study (lost to follow-up)")
    expect(page.locator("#conduct-state")).to_contain_text("off study 2027-01-31")
    expect(page.locator("#stage")).to_have_count(0)
    shot(page, shots, "12-off-study")

    log_in(page, "mona")
    page.goto(f"/audit/subject/{subject['id']}")
    for step in ("treatment ended: progressive disease", "follow-up started", "off study"):
        expect(page.locator("main")).to_contain_text(step)
    shot(page, shots, "13-audit-trail")
