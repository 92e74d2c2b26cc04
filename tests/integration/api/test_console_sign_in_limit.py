"""The failed sign-in limit is one for every ``serve`` instance on the database (docs/console.md,
"Signing in"): two apps, each with its own engine on one database as two instances behind a load
balancer, share the counts at once, a restarted instance keeps them, and concurrent tries spread
over both get no more than the limit checked. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from sqlalchemy import text

from ocpi_cpo.api.app import create_app
from ocpi_cpo.config import Settings
from ocpi_cpo.domain.clock import Clock, SystemClock
from ocpi_cpo.services import console_users
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from tests.support.asgi import AsgiTransport
from tests.support.clock import SteppedClock
from tests.support.factories import CPO_HOST, make_settings

ADMIN_TOKEN = "admin-token-0123456789abcdef"
PASSWORD = "a-long-enough-password"
WRONG = "not-the-password"
ADDRESS = ("203.0.113.7", 51000)

Instance = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def instance(database_url: str) -> AsyncIterator[Instance]:
    """Makes a client of a new app with its own storage (engine) on the database: one more
    ``serve`` instance; all are closed at the end."""
    settings: Settings = make_settings(database_url)
    async with AsyncExitStack() as stack:

        def start(clock: Clock | None = None) -> httpx.AsyncClient:
            storage = SqlStorage(create_engine(database_url))
            stack.push_async_callback(storage.close)
            app = create_app(
                settings, clock=clock or SystemClock(), storage=storage, transport=AsgiTransport()
            )
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=ADDRESS),
                base_url=f"http://{CPO_HOST}",
            )
            stack.push_async_callback(client.aclose)
            return client

        storage = SqlStorage(create_engine(database_url))
        stack.push_async_callback(storage.close)
        async with storage.transaction() as uow:
            await console_users.add(uow, "olivia", "operator", PASSWORD, SystemClock().now())
        yield start


async def _sign_in(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await client.post("/console/sign-in", data={"name": name, "password": password})


def _wait_of(answer: httpx.Response) -> int:
    assert answer.status_code == 429, answer.status_code
    found = re.search(r"Too many failed sign-ins: try again in (\d+) s\.", answer.text)
    assert found, answer.text
    return int(found[1])


async def _rows(database_url: str) -> int:
    storage = SqlStorage(create_engine(database_url))
    try:
        async with storage.read() as uow:
            found = await uow.connection.execute(text("SELECT count(*) FROM sign_in_failures"))
            return int(found.scalar_one())
    finally:
        await storage.close()


async def test_two_instances_share_the_limit_per_name(instance: Instance) -> None:
    a, b = instance(), instance()
    for client in (a, b, a, b, a):  # 5 failures, spread over both
        assert (await _sign_in(client, "olivia", WRONG)).status_code == 401
    # Each instance saw 2 or 3 failures only, yet both refuse even the right password now.
    for client in (a, b):
        assert 0 < _wait_of(await _sign_in(client, "olivia", PASSWORD)) <= 301
    restarted = instance()  # an instance started after the failures counts them too
    assert _wait_of(await _sign_in(restarted, "olivia", PASSWORD)) <= 301
    # Another name from the same address is not locked out by olivia's failures.
    assert (await _sign_in(b, "", ADMIN_TOKEN)).status_code == 303


async def test_two_instances_share_the_limit_per_address(instance: Instance) -> None:
    a, b = instance(), instance()
    for n in range(20):  # 20 names, one failure each: no name is locked, the address is
        client = (a, b)[n % 2]
        assert (await _sign_in(client, f"guess{n}", WRONG)).status_code == 401
    for client in (a, b):
        _wait_of(await _sign_in(client, "olivia", PASSWORD))


async def test_concurrent_tries_over_two_instances_get_the_limit_checked(
    instance: Instance,
) -> None:
    """Twelve wrong tries at once, six per instance: each is counted before its password is
    checked, so no more than five are checked (401) and the others wait (429); the waiting ones
    count for nothing after (when all are counted before any looks, none is checked)."""
    a, b = instance(), instance()
    answers = await asyncio.gather(*(_sign_in(client, "olivia", WRONG) for client in (a, b) * 6))
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {401, 429}, statuses
    checked = statuses.count(401)
    assert checked <= 5, statuses
    for n in range(5 - checked):  # the failures left before the limit
        assert (await _sign_in((a, b)[n % 2], "olivia", WRONG)).status_code == 401
    _wait_of(await _sign_in(a, "olivia", PASSWORD))


async def test_the_window_passes_and_old_failures_are_dropped(
    instance: Instance, database_url: str
) -> None:
    clock = SteppedClock()
    a, b = instance(clock), instance(clock)
    for client in (a, b, a, b, a):
        assert (await _sign_in(client, "olivia", WRONG)).status_code == 401
    assert await _rows(database_url) == 10  # a row per failure and key (address, name)
    clock.advance(120)
    assert _wait_of(await _sign_in(b, "olivia", PASSWORD)) == 181  # 300 - 120, rounded up
    assert await _rows(database_url) == 10  # a refused try is not a failure
    clock.advance(181)
    assert (await _sign_in(b, "olivia", PASSWORD)).status_code == 303
    # The next try dropped every row older than the window (the address's ones too).
    assert await _rows(database_url) == 0


async def test_a_sign_in_forgets_its_names_failures_on_every_instance(
    instance: Instance, database_url: str
) -> None:
    a, b = instance(), instance()
    for client in (a, b, a, b):
        assert (await _sign_in(client, "olivia", WRONG)).status_code == 401
    assert (await _sign_in(b, "olivia", PASSWORD)).status_code == 303
    for client in (a, b, a, b, a):  # five failures again before the limit
        assert (await _sign_in(client, "olivia", WRONG)).status_code == 401
    _wait_of(await _sign_in(b, "olivia", PASSWORD))
    assert await _rows(database_url) == 9 + 5  # the address's 9 failures, the name's 5
