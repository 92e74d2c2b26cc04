"""The Sender's hot path keeps callers and page totals a few seconds (docs/performance.md).

What must hold: a token revoked through this process stops working at once, and one revoked by
another process (the CLI, another instance) from the next request on (SQLite: the change counter is
looked at per request; PostgreSQL: once the NOTIFY has arrived, which the test waits for). The same
for a Location written here or elsewhere and the page total.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import orjson
import pytest

from ocpi_cpo.domain.locations import PARTNER_VISIBLE, LocationKey, LocationPage
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.ocpi.callers import CallerCache
from ocpi_cpo.services import partners as partner_service
from ocpi_cpo.services.locations import row_of
from ocpi_cpo.storage.sql import changes
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.repositories.page_totals import PageTotals
from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import imported, registered
from tests.support.locations import make_location

LOCATIONS = "/ocpi/2.2.1/locations"


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def other_process(database_url: str) -> AsyncIterator[SqlStorage]:
    """Another process's view of the same database: its own storage, nothing shared in memory."""
    other = SqlStorage(create_engine(database_url))
    yield other
    await other.close()


async def status_of(network: Network, token: str) -> int:
    return (await network.client.get(LOCATIONS, headers=auth(token))).status_code


async def test_a_token_revoked_in_this_process_stops_working_at_once(network: Network) -> None:
    token = await registered(network)
    for _ in range(3):
        assert await status_of(network, token) == 200
    assert len(network.app.state.ocpi.callers) >= 1  # kept: later requests skip the database
    async with network.storage.transaction() as uow:
        await partner_service.unregister(uow, await partner_service.get_partner(uow, "gireve"))
    assert await status_of(network, token) == 401


async def test_a_partner_state_change_in_this_process_is_seen_at_once(network: Network) -> None:
    token = await registered(network)
    assert await status_of(network, token) == 200
    async with network.storage.transaction() as uow:
        partner = await partner_service.get_partner(uow, "gireve")
        await uow.partners.set_state(partner.id, PartnerState.REGISTERING)  # token kept
    assert await status_of(network, token) == 401


async def heard(storage: SqlStorage, version: Callable[[], int], before: int) -> None:
    """PostgreSQL: wait until the NOTIFY has reached this process (SQLite: nothing to wait for,
    the counter is read at each look)."""
    if storage.is_sqlite:
        return
    for _ in range(500):
        if version() != before:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the change was never heard")


async def test_a_token_revoked_by_another_process_is_refused_from_the_next_request(
    network: Network, other_process: SqlStorage
) -> None:
    clock = FakeMonotonic()  # time stands still: only the change can drop the cache
    network.app.state.ocpi.callers = CallerCache(monotonic=clock)
    await network.storage.watch()
    token = await registered(network)
    assert await status_of(network, token) == 200
    assert await status_of(network, token) == 200
    assert len(network.app.state.ocpi.callers) >= 1  # kept
    before = network.storage.changes.version(changes.CREDENTIALS)
    async with other_process.transaction() as uow:
        partner = await partner_service.get_partner(uow, "gireve")
        await uow.tokens.revoke_all(partner.id)
    await heard(
        network.storage, lambda: network.storage.changes.version(changes.CREDENTIALS), before
    )
    assert await status_of(network, token) == 401


async def test_an_unknown_token_is_never_kept(network: Network) -> None:
    await registered(network)
    before = len(network.app.state.ocpi.callers)
    for n in range(5):
        assert await status_of(network, f"guess-{n}") == 401
    assert len(network.app.state.ocpi.callers) == before


async def total(network: Network, token: str, query: str = "") -> int:
    response = await network.client.get(f"{LOCATIONS}?limit=2{query}", headers=auth(token))
    assert response.status_code == 200, response.text
    return int(response.headers["x-total-count"])


async def test_a_location_written_in_this_process_counts_at_once(network: Network) -> None:
    token = await registered(network)
    await imported(network, [make_location(n) for n in range(3)])
    assert await total(network, token) == 3
    await imported(network, [make_location(3)])
    assert await total(network, token) == 4
    # A status change moves last_updated: date_from totals follow it too.
    since = "&date_from=2026-06-01T00:00:00Z"
    assert await total(network, token, since) == 0
    changed = {**make_location(1, last_updated="2026-07-01T00:00:00Z"), "name": "Renamed"}
    await imported(network, [changed])
    assert await total(network, token, since) == 1


async def test_a_location_written_by_another_process_counts_at_once(
    network: Network, other_process: SqlStorage
) -> None:
    clock = FakeMonotonic()  # time stands still: only the change can drop the total
    storage = network.storage
    storage.page_totals = PageTotals(
        monotonic=clock, version=lambda: storage.changes.version(changes.LOCATIONS)
    )
    await storage.watch()
    token = await registered(network)
    await imported(network, [make_location(n) for n in range(3)])
    assert await total(network, token) == 3
    assert await total(network, token) == 3  # kept
    before = storage.changes.version(changes.LOCATIONS)
    document = orjson.loads(orjson.dumps(make_location(9)))
    async with other_process.transaction() as uow:
        await uow.locations.add([row_of(LocationKey.of(document), document)])
    await heard(storage, lambda: storage.changes.version(changes.LOCATIONS), before)
    assert await total(network, token) == 4
    listed = await network.client.get(f"{LOCATIONS}?offset=2&limit=5", headers=auth(token))
    assert [d["id"] for d in listed.json()["data"]] == ["LOC2", "LOC9"]


async def test_a_page_read_inside_a_writing_transaction_counts_its_own_writes(
    network: Network,
) -> None:
    query = LocationPage(visibilities=PARTNER_VISIBLE, offset=0, limit=10)
    async with network.storage.read() as uow:
        assert (await uow.locations.page(query))[0] == 0
    document = orjson.loads(orjson.dumps(make_location(1)))
    async with network.storage.transaction() as uow:
        await uow.locations.add([row_of(LocationKey.of(document), document)])
        assert (await uow.locations.page(query))[0] == 1
    async with network.storage.read(snapshot=False) as uow:
        assert (await uow.locations.page(query))[0] == 1


async def test_a_kept_page_follows_a_location_changed_here_and_elsewhere(
    network: Network, other_process: SqlStorage
) -> None:
    clock = FakeMonotonic()  # time stands still: only a change can drop the kept page
    storage = network.storage
    storage.page_totals = PageTotals(
        monotonic=clock, version=lambda: storage.changes.version(changes.LOCATIONS)
    )
    await storage.watch()
    token = await registered(network)
    await imported(network, [make_location(n) for n in range(3)])

    async def names() -> list[str]:
        response = await network.client.get(f"{LOCATIONS}?limit=5", headers=auth(token))
        assert response.status_code == 200, response.text
        return [d["name"] for d in response.json()["data"]]

    first = await names()
    assert await names() == first  # kept
    await imported(network, [{**make_location(1), "name": "Renamed here"}])
    assert (await names())[1] == "Renamed here"

    before = storage.changes.version(changes.LOCATIONS)
    key = LocationKey.of(orjson.loads(orjson.dumps(make_location(2))))
    document = orjson.loads(orjson.dumps({**make_location(2), "name": "Renamed elsewhere"}))
    async with other_process.transaction() as uow:
        stored = (await uow.locations.find([key]))[key]
        await uow.locations.replace([(stored.pk, row_of(key, document))])
    await heard(storage, lambda: storage.changes.version(changes.LOCATIONS), before)
    assert (await names())[2] == "Renamed elsewhere"


def test_kept_pages_stay_within_their_budget_and_expire() -> None:
    clock = FakeMonotonic()
    kept = PageTotals(monotonic=clock, budget=1000)
    page = [b"x" * 300]
    for offset in range(5):
        kept.put_page(("q", offset), kept.version, 5, page)
    assert kept.page(("q", 0)) is None  # the oldest went first
    assert kept.page(("q", 4)) == (5, page)
    kept.put_page(("big",), kept.version, 1, [b"x" * 2000])
    assert kept.page(("big",)) is None  # larger than the budget: never kept
    stale = kept.version
    kept.changed()
    assert kept.page(("q", 4)) is None
    kept.put_page(("q", 4), stale, 5, page)  # read before the change: not kept
    assert kept.page(("q", 4)) is None
    kept.put_page(("q", 4), kept.version, 5, page)
    clock.now += 2.5
    assert kept.page(("q", 4)) is None
