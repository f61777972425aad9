"""End to end in a real browser: Debian's Chromium driven by Playwright against uvicorn.

One study day, as the people who do it: the coordinator screens a patient from
a FHIR bundle and fills in the CRF (with the baseline lesions), the
investigator signs eligibility, the coordinator enrols and records the first
dose, then a follow-up scan gives a RECIST response, and the statistician
exports and reads the screening's audit trail. A screenshot of every step goes to
``test-artifacts/e2e/``.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.api_support import AS_OF, EXAMPLES, LATER, PASSWORD, live_server, make_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def base_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The whole browser flow runs on each store the application supports."""
    if request.param == "sqlite":
        store = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'study.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        store = server.url(server.create_database())
    with live_server(make_app(store, now=LATER)) as url:
        yield url


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1366, "height": 768}, accept_downloads=True
    )
    page = context.new_page()
    yield page
    # the state the test ended in (pass or fail): the first thing to look at when a step fails
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "last.png"), full_page=True)
    context.close()


class Shots:
    """Numbered full-page screenshots, in the order the steps happen."""

    def __init__(self) -> None:
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True)
        self.n = 0

    def __call__(self, page: Page, name: str) -> None:
        self.n += 1
        path = ARTIFACTS / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000


def submit(page: Page, button: str) -> None:
    """Press a form's submit button from the keyboard and wait for the page it leads to.

    (Keyboard, not a mouse click: the first click after a full-page screenshot can be
    lost in Chromium; Enter on the focused button also checks the form works without a mouse.)
    """
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).press("Enter")


def log_in(page: Page, username: str) -> None:
    page.goto("/")
    if page.get_by_role("button", name="Log out").count():
        submit(page, "Log out")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Sign in")
    expect(page.locator("header .who")).to_contain_text(username)


def test_screen_sign_enrol_dose_scan_export(page: Page) -> None:
    shot = Shots()

    # --- coordinator: log in, screen from the example bundle, fill CRF answers --------------
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "login")
    log_in(page, "carol")
    expect(page).to_have_url(re.compile(r"/screening$"))
    shot(page, "screening-log-empty")

    page.get_by_role("link", name="New screening").click()
    page.get_by_label("FHIR R4 Bundle (JSON) of one patient").set_input_files(
        str(EXAMPLES / "eligible.json")
    )
    page.get_by_label("Screen as of").fill(AS_OF)
    page.get_by_label("ECOG performance status (0-5)").fill("1")
    page.get_by_label("Ki-67 index (%)").fill("18")
    page.get_by_label("Extent of disease").select_option("metastatic")
    # the baseline: two target lesions measured on CT (the CRF's repeating lesion group)
    for row, (lesion, organ, mm, krenning) in enumerate(
        [("L1", "liver", "34", "4"), ("L2", "liver", "21", "3")]
    ):
        page.locator(f'[name="lesion.{row}.lesion-id"]').fill(lesion)
        page.locator(f'[name="lesion.{row}.lesion-organ"]').fill(organ)
        page.locator(f'[name="lesion.{row}.lesion-is-node"]').select_option("false")
        page.locator(f'[name="lesion.{row}.lesion-diameter-mm"]').fill(mm)
        page.locator(f'[name="lesion.{row}.lesion-method"]').select_option("CT")
        page.locator(f'[name="lesion.{row}.lesion-slice-mm"]').fill("5")
        page.locator(f'[name="lesion.{row}.lesion-previously-irradiated"]').select_option("false")
        page.locator(f'[name="lesion.{row}.lesion-target"]').select_option("true")
        page.locator(f'[name="lesion.{row}.lesion-krenning"]').fill(krenning)
    shot(page, "new-screening-filled")
    submit(page, "Screen patient")

    expect(page.locator("#checklist tbody tr")).to_have_count(34)
    expect(page.locator("#summary")).to_contain_text("eligible")
    expect(page.locator("#crit-EX2")).to_contain_text("lab result o-hb")
    expect(page.locator("#enrolment")).to_contain_text("not signed")
    shot(page, "checklist")
    screening_url = page.url.split("?")[0]

    # --- investigator: sign with the judgement criteria, meaning and password -----------------
    log_in(page, "ivan")
    page.goto(screening_url)
    for key in ("EX24", "EX25", "EX26"):
        page.locator(f'select[name="{key}"]').select_option("false")
    page.get_by_label("Meaning of this signature").select_option(
        "I confirm the patient is eligible"
    )
    page.get_by_label("Re-enter your password to sign").fill(PASSWORD)
    shot(page, "sign-off-filled")
    submit(page, "Sign eligibility")
    signed = "Signed by Dr Ivan Petrov (ivan), investigator"
    expect(page.locator("#signoff")).to_contain_text(signed)
    shot(page, "signed")

    # --- coordinator: enrol, dose check, record the first dose -------------------------------
    log_in(page, "carol")
    page.goto(screening_url)
    page.get_by_label("Weight (kg)").fill("61.5")
    page.get_by_label("Baseline scan date").fill("2026-11-20")
    submit(page, "Enrol")
    expect(page.get_by_role("heading", name=re.compile(r"^Subject "))).to_be_visible()
    # the baseline date is the scan's own, never the screening's as-of date (2026-11-24)
    expect(page.locator("#baseline-scan-date")).to_have_text("Baseline scan date: 2026-11-20")
    expect(page.locator("#calendar")).to_contain_text("2026-12-01")
    shot(page, "subject-enrolled")

    page.get_by_label("Given on").fill("2026-12-01")
    page.get_by_label("Activity (GBq)").fill("7.4")
    submit(page, "Record dose")
    expect(page.locator("p.notice")).to_contain_text("Cycle 1 dose recorded")
    expect(page.locator("#calendar")).to_contain_text("2026-12-01 · 7.4 GBq")
    shot(page, "dose-recorded")

    # --- a follow-up scan: both target lesions shrink by half → partial response -------------
    page.get_by_label("Scan date").fill("2027-03-20")
    page.get_by_label("L1 diameter in mm").fill("17")
    page.get_by_label("L2 diameter in mm").fill("10")
    shot(page, "scan-filled")
    submit(page, "Record scan")
    expect(page.locator("p.notice")).to_contain_text("overall response PR")
    timepoints = page.locator("#timepoints")
    expect(timepoints).to_contain_text("2027-03-20")
    expect(timepoints.locator("tbody tr").first).to_contain_text("PR")
    expect(page.locator("#bor")).to_contain_text("Best overall response")
    # one PR scan is not a confirmed PR: the best response says so beside the time point
    expect(page.locator("#bor")).to_contain_text("PR not confirmed")
    expect(timepoints.locator("tbody tr").first).to_contain_text("(unconfirmed)")
    page.locator("#recist").scroll_into_view_if_needed()
    shot(page, "scan-response")

    # --- statistician: dashboard and export ---------------------------------------------------
    log_in(page, "stan")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator(".funnel")).to_contain_text("Enrolled")
    expect(page.locator("main")).to_contain_text("PR not confirmed")  # the waterfall table
    shot(page, "dashboard")
    page.get_by_role("link", name="Export").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("CSV")).click()
    download = info.value
    target = ARTIFACTS / (download.suggested_filename or "export.zip")
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert any(name.endswith(".csv") for name in archive.namelist())
    shot(page, "export")

    # --- the audit trail of the screening record: who signed, what changed, why -------------
    page.goto(screening_url.replace("/screening/", "/audit/screening/"))
    audit = page.locator("#audit")
    expect(audit).to_contain_text("ivan")
    expect(audit).to_contain_text("sign")
    expect(audit).to_contain_text("enrol")
    shot(page, "audit-screening")
