"""Console actions in a real browser: Retry a dead letter and see it delivered, Check a partner
and repair, Credit a CDR, preview a price; a viewer sees no action and a forged POST gets 403."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ocpi_cpo.sim import demo_data
from tests.e2e.console.conftest import PASSWORD, Stage, post_json, shoot, sign_in

pytestmark = pytest.mark.e2e


def _reload_until(page: Page, selector: str, timeout_s: float = 15) -> None:
    for _ in range(int(timeout_s * 2)):
        if page.locator(selector).count():
            return
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator(selector).first).to_be_visible()


def test_retry_a_dead_letter_and_see_it_delivered(stage: Stage, page: Page) -> None:
    station = stage.station("ST16", "1.6")
    post_json(f"{stage.hub}/_sim/fail", {"mode": "2001"})
    try:
        stage.loop.run(station.status(1, "Unavailable"))
        sign_in(page, stage, "olivia", PASSWORD)
        page.goto(f"{stage.cpo}/console/delivery?state=DEAD")
        _reload_until(page, "tr[data-message] .state.dead")
    finally:
        post_json(f"{stage.hub}/_sim/fail", {"mode": "ok"})
    shoot(stage, page, "delivery")
    page.locator("tr[data-message] a").first.click()
    expect(page.locator("h1 .state")).to_have_text("DEAD")
    expect(page.locator("main table")).to_contain_text("2001")
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status")).to_contain_text("Dead letters queued again")
    _reload_until(page, "h1 .state.delivered")
    shoot(stage, page, "message")


def test_check_a_partner_and_repair(stage: Stage, page: Page) -> None:
    stale = demo_data.location(7, datetime.now(UTC))
    stale["name"] = "A stale copy"
    request = urllib.request.Request(
        f"{stage.hub}/_sim/locations/{stale['country_code']}/{stale['party_id']}/LOC7",
        data=json.dumps(stale).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()
    sign_in(page, stage)
    page.goto(f"{stage.cpo}/console/delivery")
    page.get_by_role("button", name="Check gireve").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Locations checked with gireve: 1 out of sync"
    )
    expect(page.locator("main table")).to_contain_text("LOC7")
    shoot(stage, page, "check")
    checked = page.url
    page.goto(f"{stage.cpo}/console/")
    expect(page.locator(".alert.check")).to_contain_text("gireve: 1 Locations out of sync")
    page.goto(f"{stage.cpo}/console/locations/FR/AB1/LOC7")
    expect(page.locator("main")).to_contain_text("gireve: out of sync")
    page.goto(f"{stage.cpo}/console/delivery")
    page.get_by_role("button", name="Check gireve").click()
    assert page.url == checked
    page.get_by_role("button", name=re.compile("Repair")).click()
    expect(page.get_by_role("status")).to_contain_text("Queued 1 full PUTs")
    page.goto(f"{stage.cpo}/console/")
    expect(page.locator(".alert.check")).to_have_count(0)


def test_credit_a_cdr(stage: Stage, page: Page) -> None:
    sign_in(page, stage, "olivia", PASSWORD)
    page.goto(f"{stage.cpo}/console/cdrs")
    shoot(stage, page, "cdrs")
    page.locator("tr[data-cdr] a").first.click()
    expect(page.get_by_role("heading", name="Cost per dimension (EUR)")).to_be_visible()
    expect(page.locator("main")).to_contain_text("gireve")
    shoot(stage, page, "cdr")
    page.get_by_label("Reason (sent as the Credit CDR's remark)").fill("charger fault, refund")
    page.get_by_role("button", name="Credit").click()
    expect(page.get_by_role("status")).to_contain_text("Credit CDR created")
    expect(page.locator("main")).to_contain_text("Credited by")
    expect(page.get_by_role("button", name="Credit")).to_have_count(0)


def test_preview_a_price_as_ocpi_cpo_price_does(stage: Stage, page: Page, tmp_path: Path) -> None:
    sign_in(page, stage, "victor", PASSWORD)  # a viewer may preview: it changes nothing
    page.goto(f"{stage.cpo}/console/tariffs")
    expect(page.locator("#tariff-AC22").first).to_contain_text("connectors")
    page.get_by_label("Tariff").select_option("FR/AB1/AC22")
    page.get_by_label("Start (local time)").fill("2026-12-01T10:00")
    page.get_by_label("Duration (minutes)").fill("90")
    page.get_by_label("Energy (kWh)").fill("17.5")
    page.get_by_label("Power (kW)").fill("11")
    page.get_by_role("button", name="Preview").click()
    shown = page.locator("#preview .total-excl").inner_text()
    shoot(stage, page, "tariffs")
    tariff = tmp_path / "tariff.json"
    tariff.write_text(json.dumps(demo_data.tariff("AC22", "0.30")))
    charge = tmp_path / "cdr.json"
    charge.write_text(
        json.dumps(
            {
                "start_date_time": "2026-12-01T09:00:00Z",
                "end_date_time": "2026-12-01T10:30:00Z",
                "total_energy": 17.5,
                "charging_periods": [
                    {
                        "start_date_time": "2026-12-01T09:00:00Z",
                        "dimensions": [
                            {"type": "ENERGY", "volume": 17.5},
                            {"type": "MAX_POWER", "volume": 11},
                        ],
                    }
                ],
            }
        )
    )
    priced = stage.cli(
        "price", "--tariff", str(tariff), "--cdr", str(charge), "--time-zone", "Europe/Paris"
    )
    assert priced.returncode == 0, priced.stderr
    expected = json.loads(priced.stdout)["total_cost"]["excl_vat"]
    assert float(shown) == expected > 0


def test_viewer_sees_no_action_and_a_forged_post_is_refused(stage: Stage, page: Page) -> None:
    sign_in(page, stage, "victor", PASSWORD)
    expect(page.locator("text=victor (viewer)")).to_be_visible()
    page.goto(f"{stage.cpo}/console/cdrs")
    cdr_id = page.locator("tr[data-cdr] a").first.inner_text()
    for path in (
        "/console/",
        "/console/delivery?state=DEAD",
        "/console/cdrs",
        f"/console/cdrs/{cdr_id}",
    ):
        page.goto(f"{stage.cpo}{path}")
        expect(page.locator("button.action")).to_have_count(0)
    csrf = page.locator('input[name="csrf"]').first.get_attribute("value")
    assert csrf
    forged: list[tuple[str, dict[str, str | float | bool]]] = [
        (f"/console/cdrs/{cdr_id}/credit", {"csrf": csrf, "reason": "forged"}),
        ("/console/delivery/retry", {"csrf": csrf}),
        ("/console/delivery/check", {"csrf": csrf, "partner": "gireve", "fix": "1"}),
    ]
    for action, form in forged:
        answer = page.request.post(f"{stage.cpo}{action}", form=form, max_redirects=0)
        assert answer.status == 403, (action, answer.status)
        assert "viewers change nothing" in answer.text()


def test_sessions_page_and_phone_width(stage: Stage, page: Page) -> None:
    sign_in(page, stage)
    page.goto(f"{stage.cpo}/console/sessions")
    expect(page.locator("tr[data-session]").first).to_be_visible()
    shoot(stage, page, "sessions")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{stage.cpo}/console/")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the overview scrolls sideways at phone width ({width} px)"
    shoot(stage, page, "overview-phone")
