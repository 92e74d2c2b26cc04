"""Console sign-in in a real browser: redirect without the cookie, wrong password, the admin
token, a console user, the failed sign-in limit, the cookie's flags, sign-out."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.console.conftest import PASSWORD, Stage, shoot, sign_in

pytestmark = pytest.mark.e2e


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_without_the_cookie_every_page_sends_to_sign_in(stage: Stage, page: Page) -> None:
    opener = urllib.request.build_opener(_NoRedirect)
    for path in (
        "/console/",
        "/console/network",
        "/console/live/network",
        "/console/locations/FR/AB1/LOC1",
    ):
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(f"{stage.cpo}{path}", timeout=10)
        answer.value.close()
        assert answer.value.code == 303
        assert answer.value.headers["Location"].startswith("/console/sign-in?next=")
    page.goto(f"{stage.cpo}/console/network")
    expect(page).to_have_url(f"{stage.cpo}/console/sign-in?next=/console/network")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shoot(stage, page, "sign-in")


def test_wrong_password_then_the_admin_token(stage: Stage, page: Page) -> None:
    page.goto(f"{stage.cpo}/console/sign-in")
    page.get_by_label("Password or admin token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong name, password or admin token")
    sign_in(page, stage)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "ocpi_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"
    expect(page.get_by_role("navigation", name="Console sections")).to_be_visible()
    expect(page.locator("text=admin (operator)")).to_be_visible()
    expect(page.locator("#partners-title + .scroll")).to_contain_text("available")
    shoot(stage, page, "overview")


def test_console_user_signs_in_and_out(stage: Stage, page: Page) -> None:
    sign_in(page, stage, "olivia", PASSWORD)
    expect(page.locator("text=olivia (operator)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{stage.cpo}/console/sign-in")
    page.goto(f"{stage.cpo}/console/")
    expect(page).to_have_url(f"{stage.cpo}/console/sign-in?next=/console/")


def test_failed_sign_ins_are_limited(stage: Stage, page: Page) -> None:
    page.goto(f"{stage.cpo}/console/sign-in")
    for _ in range(5):
        page.get_by_label("User name").fill("lena")
        page.get_by_label("Password or admin token").fill("guessing-wrong-000")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("Wrong name")
    # Even the right password waits now: the name is locked for the window.
    page.get_by_label("User name").fill("lena")
    page.get_by_label("Password or admin token").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    # Another name from the same address is not locked out by lena's failures.
    sign_in(page, stage, "olivia", PASSWORD)
