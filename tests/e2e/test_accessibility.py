"""Accessibility and layout of every page, in Debian's Chromium (Playwright) against uvicorn.

axe-core (bundled by ``axe-playwright-python``, no network) checks each role's pages at a
laptop width (1,366 px) and a phone width (390 px) against WCAG 2.1 A and AA; no page may be
wider than the screen (a wide table scrolls inside its own box). The lesion grid's controls
each name their row and question, its drop-downs show their longest choice whole, and the
planned first dose is asked once. A screenshot of every page at both widths goes to
``test-artifacts/a11y/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser import log_in, submit
from tests.web.api_support import LATER, basic, enrolled_subject, live_server, make_app, screen

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "a11y"
WIDTHS = (1366, 390)
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BEST_PRACTICE = {"runOnly": {"type": "tag", "values": ["best-practice"]}}


@dataclass(frozen=True)
class Site:
    url: str
    subject: int
    ae: int
    enrolled_screening: int
    unsigned_screening: int
    incomplete_screening: int


def _post(client: httpx.Client, path: str, body: dict[str, Any], user: str) -> Any:
    response = client.post(path, json=body, headers=basic(user))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A study with one of everything a page shows: a subject dosed, with a lab, an adverse
    event, a scan and a query; a screening awaiting sign-off; an incomplete screening."""
    store = f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'study.db'}"
    with (
        live_server(make_app(store, now=LATER)) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        subject = enrolled_subject(client)
        sid = subject["id"]
        base = f"/api/v1/subjects/{sid}"
        _post(
            client,
            f"{base}/doses",
            {"cycle": 1, "dose_date": "2026-12-01", "activity_gbq": 7.4},
            "carol",
        )
        lab = {
            "analyte": "platelets",
            "value": 60,
            "unit": "10*9/L",
            "lab_date": "2027-01-20",
            "lln": 150,
        }
        _post(client, f"{base}/labs", lab, "carol")
        ae = _post(
            client,
            f"{base}/adverse-events",
            {
                "term": "platelet_count_decreased",
                "onset_date": "2027-01-20",
                "lab_value": 60,
                "lab_unit": "10*9/L",
                "lln": 150,
                "description": "found at the pre-dose labs of cycle 2; no bleeding",
            },
            "carol",
        )
        lesions = [
            {"id": x["lesion_id"], "diameter_mm": x["diameter_mm"] * 0.9}
            if x["target"]
            else {"id": x["lesion_id"], "status": "present"}
            for x in subject["baseline_lesions"]
        ]
        _post(
            client,
            f"{base}/assessments",
            {"assessment_date": "2027-03-20", "lesions": lesions},
            "carol",
        )
        query = {
            "kind": "adverse_event",
            "record_id": ae["id"],
            "text": "Is a bleeding event ruled out?",
        }
        _post(client, "/api/v1/queries", query, "mona")
        unsigned = screen(client)
        incomplete = screen(client, "incomplete")
        yield Site(url, sid, ae["id"], subject["screening_id"], unsigned["id"], incomplete["id"])


@pytest.fixture(scope="module")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


def page_at(browser: Browser, site: Site, width: int) -> Page:
    context = browser.new_context(base_url=site.url, viewport={"width": width, "height": 800})
    return context.new_page()


def pages_by_user(site: Site) -> dict[str, list[tuple[str, str]]]:
    """Each role's pages as (name, path): what that role sees and uses."""
    s = site
    return {
        "carol": [
            ("screening-log", "/screening"),
            ("screening-new", "/screening/new"),
            ("screening-incomplete", f"/screening/{s.incomplete_screening}"),
            ("subjects", "/subjects"),
            ("subject-coordinator", f"/subjects/{s.subject}"),
            ("ae-correct", f"/subjects/{s.subject}/adverse_event/{s.ae}"),
        ],
        "ivan": [
            ("sign-off", f"/screening/{s.unsigned_screening}"),
            ("subject-investigator", f"/subjects/{s.subject}"),
        ],
        "mona": [
            ("subject-monitor", f"/subjects/{s.subject}"),
            ("audit", "/audit"),
            ("audit-screening", f"/audit/screening/{s.enrolled_screening}"),
            ("audit-ae", f"/audit/adverse_event/{s.ae}"),
            ("deviations", "/deviations"),
        ],
        "stan": [("dashboard", "/dashboard"), ("export", "/export")],
    }


def _problems(page: Page, axe: Axe) -> list[str]:
    """WCAG 2.1 A/AA violations (any impact), serious best-practice ones, page overflow."""
    out = []
    for v in axe.run(page, options=WCAG_21_AA).response["violations"]:
        nodes = "; ".join(str(n["target"]) for n in v["nodes"][:3])
        out.append(f"{v['id']} ({v['impact']}): {v['help']} — {nodes}")
    for v in axe.run(page, options=BEST_PRACTICE).response["violations"]:
        if v["impact"] in ("serious", "critical"):
            out.append(f"{v['id']} ({v['impact']}, best practice): {v['help']}")
    wide, screen_width = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    if wide > screen_width:
        out.append(f"the page is {wide} px wide on a {screen_width} px screen")
    return out


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_passes_axe_and_fits_the_screen(
    browser: Browser, site: Site, artifacts: Path, width: int
) -> None:
    page = page_at(browser, site, width)
    axe = Axe()
    found: dict[str, list[str]] = {}
    page.goto("/")
    found["login"] = _problems(page, axe)
    page.screenshot(path=str(artifacts / f"{width}-login.png"), full_page=True)
    for user, pages in pages_by_user(site).items():
        log_in(page, user)
        for name, path in pages:
            page.goto(path)
            found[name] = _problems(page, axe)
            page.screenshot(path=str(artifacts / f"{width}-{name}.png"), full_page=True)
    page.context.close()
    assert {name: p for name, p in found.items() if p} == {}


def test_lesion_grid_controls_name_their_row_and_show_whole_choices(
    browser: Browser, site: Site
) -> None:
    page = page_at(browser, site, 1366)
    log_in(page, "carol")
    page.goto("/screening/new")
    grid = page.locator("table.repeat")
    controls = grid.locator("input, select")
    assert controls.count() == 27  # 3 rows × 9 questions
    # each control's accessible name says which lesion and which question
    for row in (1, 2, 3):
        for question in (
            "Lesion identifier",
            "Diameter in mm (longest; short axis for nodes)",
            "Measurement method",
            "Krenning score on 68Ga-DOTATATE PET/CT (0-4)",
        ):
            assert page.get_by_label(f"Baseline lesion {row}: {question}", exact=True).count() == 1
    unnamed = controls.evaluate_all(
        "els => els.filter(e => !/^Baseline lesion [1-3]: /.test(e.getAttribute('aria-label')))"
        ".map(e => e.name)"
    )
    assert unnamed == []
    # a drop-down is at least as wide as its longest choice needs ("— not ar" was cut)
    cut = grid.locator("select").evaluate_all(
        """els => els.filter(e => {
             const probe = e.cloneNode(true);
             probe.style.width = 'auto'; probe.style.minWidth = '0';
             probe.style.position = 'absolute'; probe.style.visibility = 'hidden';
             e.parentNode.appendChild(probe);
             const needed = probe.getBoundingClientRect().width;
             probe.remove();
             e.dataset.needed = needed;
             return e.getBoundingClientRect().width + 0.5 < needed;
           }).map(e => `${e.name}: ${e.getBoundingClientRect().width} < ${e.dataset.needed}`)"""
    )
    assert cut == []
    # at 1,366 px the whole grid fits its box: nothing to scroll sideways
    wrap = grid.locator("xpath=..")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")
    # added rows are named for their lesion too
    page.get_by_role("button", name="Add a row").click()
    assert page.get_by_label("Baseline lesion 4: Organ", exact=True).count() == 1
    page.context.close()


def test_planned_first_dose_is_asked_once(browser: Browser, site: Site) -> None:
    page = page_at(browser, site, 1366)
    log_in(page, "carol")
    page.goto("/screening/new")
    labels = page.locator("label").all_inner_texts()
    assert [x for x in labels if "first" in x.lower() and "dose" in x.lower()] == [
        "Planned date of the first 177Lu-Dotatate dose"
    ]
    page.context.close()


def test_adverse_event_table_fits_its_card_at_1366(browser: Browser, site: Site) -> None:
    page = page_at(browser, site, 1366)
    log_in(page, "ivan")
    page.goto(f"/subjects/{site.subject}")
    card = page.locator("#aes")
    table_box = card.locator(".table-wrap").first
    assert table_box.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert card.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.context.close()


def _tab_until(page: Page, selector: str, limit: int) -> int:
    """Tab presses until the element matching ``selector`` has the focus (limit: fail)."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} Tab presses")


def test_few_key_presses_reach_the_adverse_event_submit(browser: Browser, site: Site) -> None:
    """79 Tab presses before (issue 14, 5); now: to the page's "Record an adverse event" link,
    Enter, then through the form's own fields (the lab-value fields fold away)."""
    page = page_at(browser, site, 1366)
    log_in(page, "carol")
    page.goto(f"/subjects/{site.subject}")
    to_link = _tab_until(page, 'a[href="#ae-form"]', 30)
    page.keyboard.press("Enter")
    to_submit = _tab_until(page, "#ae-form button[type=submit]", 30)
    presses = to_link + 1 + to_submit
    print(f"key presses to the AE form's submit: {presses} ({to_link} + Enter + {to_submit})")
    assert presses <= 30  # 26 here: 11 + Enter + 14 (a date field takes 3 Tabs)
    page.context.close()


def test_ae_form_offers_ctcae_names_and_shows_the_chosen_terms_grades(
    browser: Browser, site: Site
) -> None:
    page = page_at(browser, site, 1366)
    log_in(page, "ivan")
    page.goto(f"/subjects/{site.subject}")
    offered = page.locator("#ctcae-terms option").evaluate_all("os => os.map(o => o.value)")
    assert "Platelet count decreased" in offered
    assert not [t for t in offered if "_" in t]  # display names, not keys
    help_box = page.locator("#ae-grade-help")
    assert "Grade 1: Mild" in help_box.inner_text()  # the general grades until a term is chosen
    page.get_by_label("Term (CTCAE v5.0)").fill("platelet count decreased")
    assert "Grade 2: ≥ 50 ×10⁹/L and < 75 ×10⁹/L" in help_box.inner_text()
    assert "Grade 1: Mild" not in help_box.inner_text()
    # the stored AE (entered with the old key) reads by its name; its causality is unassessed
    row = page.locator("#aes tbody tr").first
    assert "Platelet count decreased" in row.inner_text()
    assert "not assessed" in row.inner_text()
    # the lab grading is one step away on the form
    page.get_by_text("Grade from a lab value").click()
    assert page.get_by_label("Lab value", exact=True).is_visible()
    page.context.close()


def test_monitor_raises_a_query_from_the_records_row_without_typing_an_id(
    browser: Browser, site: Site
) -> None:
    """Issue 14, 8: raising a query needed the record's internal id typed in."""
    page = page_at(browser, site, 1366)
    log_in(page, "mona")
    page.goto(f"/subjects/{site.subject}")
    assert page.locator("#query-form input[type=number]").count() == 0  # no id to type
    # the query seeded on the AE reads by the record's name, not "adverse_event <id>"
    assert (
        "adverse event Platelet count decreased, onset 2027-01-20"
        in page.locator("#queries tbody").inner_text()
    )
    page.get_by_role(
        "link", name="raise a query on adverse event Platelet count decreased, onset 2027-01-20"
    ).click()
    expect(page.locator("#query-on")).to_contain_text(
        "adverse event Platelet count decreased, onset 2027-01-20"
    )
    page.get_by_label("Question").fill("Was a platelet transfusion given?")
    submit(page, "Raise query")
    expect(page.locator("p.notice")).to_contain_text(
        "raised on adverse event Platelet count decreased, onset 2027-01-20"
    )
    expect(page.locator("#queries tbody")).to_contain_text("Was a platelet transfusion given?")
    page.context.close()
