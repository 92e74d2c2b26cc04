"""The console's sign-in rules through the app in process (the browser tests cover the pages):
redirects, the cookie's flags, CSRF, the viewer's 403, the failed sign-in limit, console users."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import text

from ocpi_cpo.api.app import create_app
from ocpi_cpo.api.console.auth import COOKIE, SESSION_HOURS
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.console_users import csrf_of, session_digest
from ocpi_cpo.services import console_users
from ocpi_cpo.services.errors import ConflictError, NotFoundError, RuleViolation
from tests.integration.api.conftest import Network
from tests.support.asgi import AsgiTransport
from tests.support.clock import SteppedClock
from tests.support.factories import CPO_HOST

ADMIN_TOKEN = "admin-token-0123456789abcdef"
PASSWORD = "a-long-enough-password"


async def _add(network: Network, name: str, role: str) -> None:
    async with network.storage.transaction() as uow:
        await console_users.add(uow, name, role, PASSWORD, SystemClock().now())


async def _sign_in(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await client.post(
        "/console/sign-in", data={"name": name, "password": password, "next": "/console/network"}
    )


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found[1]


async def test_no_cookie_redirects_to_sign_in(network: Network) -> None:
    answer = await network.client.get("/console/network?q=LOC1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in?next=/console/network%3Fq%3DLOC1"
    assert (await network.client.get("/console")).status_code == 308


async def test_admin_token_signs_in_with_a_strict_http_only_cookie(network: Network) -> None:
    wrong = await _sign_in(network.client, "", "not-the-admin-token")
    assert wrong.status_code == 401
    assert "Wrong name, password or admin token" in wrong.text
    answer = await _sign_in(network.client, "", ADMIN_TOKEN)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/network"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    assert "secure" not in cookie  # plain HTTP here; over TLS it is Secure (next test)
    page = await network.client.get("/console/")
    assert page.status_code == 200 and "<h1>Overview</h1>" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


async def test_cookie_is_secure_behind_tls(network: Network) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=network.app), base_url=f"https://{CPO_HOST}"
    ) as client:
        answer = await _sign_in(client, "", ADMIN_TOKEN)
    assert "secure" in answer.headers["set-cookie"].lower()


async def test_no_open_redirect_after_sign_in(network: Network) -> None:
    answer = await network.client.post(
        "/console/sign-in",
        data={"name": "", "password": ADMIN_TOKEN, "next": "https://evil.example/"},
    )
    assert answer.headers["location"] == "/console/"


async def test_csrf_is_checked_on_every_post(network: Network) -> None:
    await _sign_in(network.client, "", ADMIN_TOKEN)
    page = await network.client.get("/console/")
    refused = await network.client.post("/console/sign-out", data={"csrf": "forged"})
    assert refused.status_code == 403 and "CSRF" in refused.text
    cross_site = await network.client.post(
        "/console/sign-out",
        data={"csrf": _csrf(page.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    done = await network.client.post("/console/sign-out", data={"csrf": _csrf(page.text)})
    assert done.status_code == 303
    assert (await network.client.get("/console/")).status_code == 303


async def test_a_removed_user_is_signed_out(network: Network) -> None:
    await _add(network, "olivia", "operator")
    assert (await _sign_in(network.client, "olivia", PASSWORD)).status_code == 303
    assert (await network.client.get("/console/")).status_code == 200
    async with network.storage.transaction() as uow:
        await console_users.remove(uow, "olivia")
    assert (await network.client.get("/console/")).status_code == 303
    async with network.storage.read() as uow:  # and their sessions are gone
        assert (await uow.connection.execute(text("SELECT * FROM console_sessions"))).all() == []


async def test_a_session_made_by_one_app_is_accepted_by_another(network: Network) -> None:
    """Two apps on one database, as two ``serve`` instances behind a load balancer: the session
    is in the database (by its digest only), so the second accepts it and its sign-out counts
    for the first (tests/e2e/test_console_instances.py does it with two real processes)."""
    await _add(network, "olivia", "operator")
    assert (await _sign_in(network.client, "olivia", PASSWORD)).status_code == 303
    session_id = network.client.cookies[COOKIE]
    async with network.storage.read() as uow:
        rows = (await uow.connection.execute(text("SELECT * FROM console_sessions"))).all()
    assert [(r.digest, r.name, r.role, bool(r.admin)) for r in rows] == [
        (session_digest(session_id), "olivia", "operator", False)
    ]
    assert session_id not in repr(rows)  # only the digest is stored
    other = create_app(
        network.settings, clock=SystemClock(), storage=network.storage, transport=AsgiTransport()
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other),
        base_url=f"http://{CPO_HOST}",
        cookies={COOKIE: session_id},
    ) as second:
        page = await second.get("/console/")
        assert page.status_code == 200 and "olivia" in page.text
        assert _csrf(page.text) == csrf_of(session_id)
        signed_out = await second.post("/console/sign-out", data={"csrf": _csrf(page.text)})
        assert signed_out.status_code == 303
    assert (await network.client.get("/console/")).status_code == 303
    async with network.storage.read() as uow:
        assert (await uow.connection.execute(text("SELECT * FROM console_sessions"))).all() == []


async def test_a_session_ends_after_its_hours(network: Network) -> None:
    clock = SteppedClock()
    app = create_app(
        network.settings, clock=clock, storage=network.storage, transport=AsgiTransport()
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{CPO_HOST}"
    ) as client:
        assert (await _sign_in(client, "", ADMIN_TOKEN)).status_code == 303
        clock.advance(SESSION_HOURS * 3600 - 1)
        assert (await client.get("/console/")).status_code == 200
        clock.advance(2)
        assert (await client.get("/console/")).status_code == 303
        # The next sign-in drops the expired row.
        assert (await _sign_in(client, "", ADMIN_TOKEN)).status_code == 303
    async with network.storage.read() as uow:
        rows = await uow.connection.execute(text("SELECT expires_at FROM console_sessions"))
        assert len(rows.all()) == 1


async def test_a_forged_or_oversized_cookie_is_no_session(network: Network) -> None:
    for value in ("x" * 43, "y" * 5000):
        network.client.cookies.set(COOKIE, value)
        assert (await network.client.get("/console/")).status_code == 303


async def test_failed_sign_ins_are_limited_per_name(network: Network) -> None:
    await _add(network, "victor", "viewer")
    for _ in range(5):
        assert (await _sign_in(network.client, "victor", "wrong-password!")).status_code == 401
    locked = await _sign_in(network.client, "victor", PASSWORD)
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert (await _sign_in(network.client, "", ADMIN_TOKEN)).status_code == 303


async def test_console_user_rules(network: Network) -> None:
    async with network.storage.transaction() as uow:
        with pytest.raises(RuleViolation, match="12 to 256 characters"):
            await console_users.add(uow, "ann", "viewer", "short", SystemClock().now())
        with pytest.raises(RuleViolation, match="expected viewer or operator"):
            await console_users.add(uow, "ann", "boss", PASSWORD, SystemClock().now())
        with pytest.raises(RuleViolation, match="user name"):
            await console_users.add(uow, "a b", "viewer", PASSWORD, SystemClock().now())
        user = await console_users.add(uow, "ann", "viewer", PASSWORD, SystemClock().now())
        assert user.password_hash.startswith("scrypt$") and PASSWORD not in user.password_hash
        with pytest.raises(ConflictError):
            await console_users.add(uow, "ann", "viewer", PASSWORD, SystemClock().now())
    async with network.storage.read() as uow:
        assert await console_users.authenticate(uow, "ann", PASSWORD) == user
        assert await console_users.authenticate(uow, "ann", PASSWORD + "x") is None
        assert await console_users.authenticate(uow, "nobody", PASSWORD) is None
    async with network.storage.transaction() as uow:
        with pytest.raises(NotFoundError):
            await console_users.remove(uow, "nobody")


async def test_admin_docs_load_nothing_from_outside(network: Network) -> None:
    docs = await network.client.get("/admin/docs")
    assert docs.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith("/admin/docs/static/") for s in sources), sources
    for source in sources:
        assert (await network.client.get(source)).status_code == 200


async def test_error_pages_keep_the_navigation_when_signed_in(network: Network) -> None:
    missing = await network.client.get("/console/cdrs/NO-SUCH-CDR")
    assert missing.status_code == 303  # not signed in: to the sign-in page first
    await _sign_in(network.client, "", ADMIN_TOKEN)
    missing = await network.client.get("/console/cdrs/NO-SUCH-CDR")
    assert missing.status_code == 404 and "NO-SUCH-CDR" in missing.text
    assert 'aria-label="Console sections"' in missing.text
    refused = await network.client.post("/console/sign-out", data={"csrf": "forged"})
    assert refused.status_code == 403 and 'aria-label="Console sections"' in refused.text
