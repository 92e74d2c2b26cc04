"""Every console page, measured in the real browser: it reads and its forms work with JavaScript
off; it has landmarks (banner, navigation, main) and a heading; every form control and link has
an accessible name; Tab reaches every interactive element, in order, with a visible focus style;
text contrast is at least 4.5:1 (WCAG AA), computed from the browser's computed styles; at 375 px
and 1280 px wide the page itself never scrolls sideways (tables scroll inside their own box);
and axe-core (the axe-playwright-python package) finds no WCAG 2.1 A/AA violation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.console.conftest import PASSWORD, Stage, shoot, sign_in

pytestmark = pytest.mark.e2e

MEASURE = (Path(__file__).parent / "accessibility.js").read_text()
AXE = (files("axe_playwright_python") / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MINIMUM_CONTRAST = 4.5  # WCAG 2.1 AA for normal text (applied to all text here)
FOCUS_CONTRAST = 3.0  # WCAG 2.1 AA 1.4.11: a focus indicator against what is around it
WIDTHS = (375, 1280)


def measure(page: Page, name: str, *args: Any) -> Any:
    arguments = ", ".join(json.dumps(a) for a in args)
    return page.evaluate(f"({MEASURE}).{name}({arguments})")


Visit = Callable[[Page, Stage], None]


def _go(path: str) -> Visit:
    def visit(page: Page, stage: Stage) -> None:
        page.goto(f"{stage.cpo}{path}")

    return visit


def _first_link(listing: str, rows: str) -> Visit:
    def visit(page: Page, stage: Stage) -> None:
        page.goto(f"{stage.cpo}{listing}")
        page.locator(f"{rows} a").first.click()
        page.wait_for_load_state()

    return visit


def _check(page: Page, stage: Stage) -> None:
    page.goto(f"{stage.cpo}/console/delivery")
    page.get_by_role("button", name="Check gireve").click()
    expect(page.get_by_role("status")).to_contain_text("Locations checked with gireve")


PREVIEW = "/console/tariffs?tariff=FR/AB1/AC22&start=2026-12-01T10:00&minutes=90&kwh=17.5&power=11"

#: every page of the console (signed in as an operator: action buttons shown), by name
PAGES: dict[str, Visit] = {
    "overview": _go("/console/"),
    "network": _go("/console/network"),
    "location": _go("/console/locations/FR/AB1/LOC2"),
    "sessions": _go("/console/sessions"),
    "cdrs": _go("/console/cdrs"),
    "cdr": _first_link("/console/cdrs", "tr[data-cdr]"),
    "delivery": _go("/console/delivery"),
    "message": _first_link("/console/delivery", "tr[data-message]"),
    "check": _check,
    "tariffs": _go(PREVIEW),
    "journal": _go("/console/journal"),
    "not-found": _go("/console/cdrs/NO-SUCH-CDR"),
}


@pytest.fixture
def operator_page(browser: Browser, stage: Stage) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, stage, "olivia", PASSWORD)
    yield page
    context.close()


def _landmarks_and_names(page: Page, signed_in: bool = True) -> None:
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    if signed_in:
        expect(page.get_by_role("navigation", name="Console sections")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    assert measure(page, "unnamed") == [], "controls or links without an accessible name"


def _contrast(page: Page) -> None:
    low = measure(page, "lowContrast", MINIMUM_CONTRAST)
    assert low == [], "text below 4.5:1:\n" + "\n".join(low)


def _axe(page: Page) -> None:
    page.evaluate(AXE)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    found = page.evaluate(f"axe.run(document, {json.dumps(options)})")
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in found["violations"]
    ]
    assert violations == [], "axe-core:\n" + "\n".join(violations)


def _keyboard(page: Page) -> None:
    """Tab from the top reaches every tab stop in document order, each visibly focused."""
    stops: list[str] = measure(page, "tabStops")
    assert stops, "nothing to reach by keyboard"
    page.locator("body").focus()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached: list[str] = []
    unseen = []
    for _ in stops:
        page.keyboard.press("Tab")
        focused = measure(page, "focused")
        for _ in range(6):  # a date-time field takes a Tab per part (day, month, ...)
            if not reached or focused["key"] != reached[-1]:
                break
            page.keyboard.press("Tab")
            focused = measure(page, "focused")
        reached.append(focused["key"])
        visible = focused["shadow"] or (
            focused["outline"] and focused["contrast"] >= FOCUS_CONTRAST
        )
        if not visible:
            unseen.append(f"{focused['key']} ({focused})")
    assert reached == stops, "Tab order differs from the page's interactive elements"
    assert unseen == [], "focused without a visible focus style:\n" + "\n".join(unseen)


def _no_sideways_scroll(page: Page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        found = measure(page, "sideways")
        assert found["widest"] <= found["width"], (
            f"{name} scrolls sideways at {width} px ({found['widest']} > {found['width']}):\n"
            + "\n".join(found["out"])
        )
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_is_usable_by_keyboard_screen_reader_and_phone(
    stage: Stage, operator_page: Page, name: str
) -> None:
    page = operator_page
    PAGES[name](page, stage)
    _landmarks_and_names(page)
    _contrast(page)
    _keyboard(page)
    _no_sideways_scroll(page, name)
    _axe(page)
    if name in ("overview", "network", "cdr", "tariffs"):
        page.set_viewport_size({"width": 375, "height": 800})
        shoot(stage, page, f"{name}-375")


def test_the_sign_in_page_is_usable(stage: Stage, page: Page) -> None:
    page.goto(f"{stage.cpo}/console/sign-in")
    _landmarks_and_names(page, signed_in=False)
    _contrast(page)
    _keyboard(page)
    _no_sideways_scroll(page, "sign-in")
    _axe(page)
    page.get_by_role("button", name="Sign in").click()  # empty password: the browser says so
    assert page.url.endswith("/console/sign-in")
    page.get_by_label("Password or admin token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong name")
    _contrast(page)
    _axe(page)


def test_with_javascript_off_pages_read_and_forms_work(browser: Browser, stage: Stage) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    try:
        sign_in(page, stage, "olivia", PASSWORD)  # a plain form POST and a redirect
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(page.locator("#partners-title + .scroll")).to_contain_text("gireve")
        expect(page.locator("#alerts-title")).to_be_visible()
        for name, visit in PAGES.items():
            visit(page, stage)
            expect(page.locator("main h1")).to_have_count(1)
            expect(page.locator("main")).not_to_contain_text("Internal Server Error")
            if name == "network":
                expect(page.locator("svg.map circle")).to_have_count(25)
                assert page.locator("tr[data-evse]").count() >= 25
            elif name == "sessions":
                expect(page.locator("tr[data-session]").first).to_be_visible()
            elif name == "cdr":
                expect(page.get_by_role("heading", name="Cost per dimension (EUR)")).to_be_visible()
                expect(
                    page.get_by_label("Reason (sent as the Credit CDR's remark)")
                ).to_be_visible()
            elif name == "tariffs":
                expect(page.locator("#preview .total-excl")).not_to_be_empty()
            elif name == "not-found":
                expect(page.get_by_role("alert")).to_contain_text("NO-SUCH-CDR")
        # A GET form (filter) and an action (Check, above; Retry is refused as nothing is dead
        # under this filter but still answers): all plain HTML forms.
        page.goto(f"{stage.cpo}/console/network")
        page.get_by_label("Search").fill("LOC2")
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(f"{stage.cpo}/console/network?q=LOC2&status=")
        expect(page.locator("tr[data-evse]")).to_have_count(14)
        page.goto(f"{stage.cpo}/console/cdrs/NO-SUCH-CDR")
        page.get_by_role("link", name="Back to the overview").click()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(f"{stage.cpo}/console/sign-in")
        page.goto(f"{stage.cpo}/console/")
        expect(page).to_have_url(f"{stage.cpo}/console/sign-in?next=/console/")
    finally:
        context.close()


def test_a_live_update_keeps_the_keyboard_focus(stage: Stage, operator_page: Page) -> None:
    """The Network page's live part is re-rendered when a status changes: the link that had the
    focus has it again afterwards (a keyboard user keeps their place)."""
    page = operator_page
    station = stage.station("ST16", "1.6")
    stage.loop.run(station.status(1, "Available"))
    page.goto(f"{stage.cpo}/console/network")
    row = page.locator('tr[data-evse="E1-1"]')
    expect(row.locator(".status")).to_have_text("AVAILABLE")
    link = row.get_by_role("link", name="LOC1", exact=True)
    link.focus()
    before = page.evaluate("document.getElementById('network-live').dataset.updated || ''")
    stage.loop.run(station.status(1, "Preparing"))
    expect(row.locator(".status")).to_have_text("CHARGING")
    assert page.evaluate("document.getElementById('network-live').dataset.updated") != before
    focused = page.evaluate(
        "[document.activeElement.closest('tr')?.dataset.evse, document.activeElement.textContent]"
    )
    assert focused == ["E1-1", "LOC1"]
