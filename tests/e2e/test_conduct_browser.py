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
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.web.api_support import AS_OF, EXAMPLES, PASSWORD, live_server, make_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-conduct"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = f"sqlite:///{tmp_path_factory.mktemp('e2e-conduct') / 'study.db'}"
    with live_server(make_app(store)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: run make setup"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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


def submit(page: Page, button: str) -> None:
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
