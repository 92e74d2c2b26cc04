"""The Network page in a real browser: a station's status change shows within 2 s, no reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.console.conftest import Stage, shoot, sign_in

pytestmark = pytest.mark.e2e


def test_station_status_change_shows_live(stage: Stage, page: Page) -> None:
    station = stage.station("ST16", "1.6")
    stage.loop.run(station.status(2, "Available"))
    sign_in(page, stage)
    page.goto(f"{stage.cpo}/console/network")
    row = page.locator('tr[data-evse="E1-2"]')
    expect(row.locator(".status")).to_have_text("AVAILABLE", timeout=5000)
    expect(row).to_contain_text("ST16")
    expect(row).to_contain_text("online")
    page.evaluate("window.notReloaded = true")
    stage.loop.run(station.status(2, "Faulted", "GroundFailure"))
    expect(row.locator(".status")).to_have_text("OUTOFORDER", timeout=2000)
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded"
    expect(page.locator("svg.map circle")).to_have_count(25)
    shoot(stage, page, "network")


def test_filter_and_location_page(stage: Stage, page: Page) -> None:
    sign_in(page, stage)
    page.goto(f"{stage.cpo}/console/network")
    page.get_by_label("Search").fill("LOC2")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{stage.cpo}/console/network?q=LOC2&status=")
    expect(page.locator("tr[data-evse]")).to_have_count(14)  # LOC2, LOC20 to LOC25
    page.get_by_role("link", name="LOC2", exact=True).first.click()
    expect(page.get_by_role("heading", name="Demo station 2")).to_be_visible()
    expect(page.locator("main")).to_contain_text("ST201")
    shoot(stage, page, "location")


def test_journal_finds_a_station_s_ocpp_messages(stage: Stage, page: Page) -> None:
    station = stage.station("ST201", "2.0.1")
    stage.loop.run(station.status(1, "Available"))
    sign_in(page, stage)
    page.goto(f"{stage.cpo}/console/journal")
    page.get_by_label("Search", exact=True).fill("E2-1")
    page.get_by_role("button", name="Search").click()
    table = page.locator("main table")
    expect(table).to_contain_text("StatusNotification")  # OCPP in, from the station
    expect(table).to_contain_text("ST201")
    expect(table).to_contain_text("/locations/FR/AB1/LOC2/E2-1")  # OCPI out, to the hub
    page.goto(f"{stage.cpo}/console/journal?kind=OCPI+out")
    expect(page.locator("tr.journal-entry").first).to_contain_text("HTTP 200")
    shoot(stage, page, "journal")
