"""Partner syncs (issue 16 item 3) through the services: who gets one on registration (not the
Gireve profiles, which pull), the order and batches a sync queues, and two drivers never queuing
the same batch (compare-and-set on the sync's cursor), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import orjson
import pytest

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import MessageState, QueueFilter
from ocpi_cpo.domain.stations import EvseStatus
from ocpi_cpo.domain.sync import PartnerSync, SyncProgress, SyncReason
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.outbound.partner_sync import ready
from ocpi_cpo.services import partner_sync
from ocpi_cpo.services.errors import ConflictError
from ocpi_cpo.services.locations import set_evse_status
from ocpi_cpo.storage.sql.repositories.syncs import SqlSyncRepository
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import imported
from tests.support.locations import make_location
from tests.support.pauses import pause_first_call, unless_held


async def _register(network: Network, profile: str) -> int:
    await network.hub_registers(await network.invite(profile, profile))
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name(profile)
    assert partner is not None
    return partner.id


async def test_gireve_waits_for_its_pull_a_plain_partner_gets_a_sync(network: Network) -> None:
    await imported(network, [make_location(n) for n in range(1, 6)])
    gireve = await _register(network, "gireve-preprod")
    async with network.storage.read() as uow:
        assert gireve not in await uow.syncs.latest()
    plain = await _register(network, "ocpi-2.2.1")
    async with network.storage.read() as uow:
        sync = (await uow.syncs.latest())[plain]
    assert sync.reason is SyncReason.REGISTRATION
    assert sync.modules == ("tariffs", "locations")  # the simulated hub hosts both Receivers
    assert sync.phase == "tariffs" and sync.queued == 0  # queued by the driver, not here


async def test_batches_in_order_and_one_driver_per_batch(network: Network) -> None:
    await imported(network, [make_location(n) for n in range(1, 6)])
    partner = await _register(network, "ocpi-2.2.1")
    now, wire = SystemClock().now(), publisher()
    async with network.storage.read() as uow:
        sync = (await uow.syncs.latest())[partner]
    # Two drivers read the same state; the second one's batch is refused and rolled back.
    async with network.storage.transaction() as uow:
        assert await partner_sync.step(uow, wire, sync, 2, now) == 0  # no tariffs: next phase
    with pytest.raises(ConflictError):
        async with network.storage.transaction() as uow:
            await partner_sync.step(uow, wire, sync, 2, now)
    async with network.storage.read() as uow:
        sync = (await uow.syncs.latest())[partner]
    assert (sync.phase, sync.cursor) == ("locations", 0)
    sizes = []
    while sync.phase is not None:
        async with network.storage.transaction() as uow:
            sizes.append(await partner_sync.step(uow, wire, sync, 2, now))
        async with network.storage.read() as uow:
            found = await uow.syncs.get(sync.id)
        assert found is not None
        sync = found
    assert sizes == [2, 2, 1]
    async with network.storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner), limit=100)
        progress = await uow.syncs.progress(sync)
    assert [m.url for m in sorted(messages, key=lambda m: m.id)] == [
        f"/FR/AB1/LOC{n}" for n in range(1, 6)
    ]
    assert all(m.method == "PUT" and m.state is MessageState.PENDING for m in messages)
    assert (progress.pending, sync.queued, progress.settled) == (5, 5, False)


def test_ready_paces_batches_and_waits_between_modules() -> None:
    base = PartnerSync(
        1,
        1,
        ("tariffs", "locations"),
        SyncReason.ON_DEMAND,
        SystemClock().now(),
        "tariffs",
        0,
        0,
        None,
    )
    assert ready(SyncProgress(base), 100)
    assert ready(SyncProgress(replace(base, cursor=100), pending=50), 100)
    assert not ready(SyncProgress(replace(base, cursor=100), pending=51), 100)
    moved = replace(base, phase="locations", cursor=0)
    assert not ready(SyncProgress(moved, pending=1), 100)  # tariffs not landed yet
    assert ready(SyncProgress(moved, pending=0), 100)
    assert not ready(SyncProgress(replace(base, phase=None)), 100)


async def test_a_status_change_during_a_batch_is_neither_lost_nor_overwritten(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch renders its Locations and queues them as full PUTs, which supersede what is
    queued for those Locations. A status change committed in between (PostgreSQL: its own
    transaction, while the batch's is open) was superseded by a PUT of the Location as it was
    before it: the partner kept the old status (seen in CI: the 2.1.1 e2e test's eMSP never got
    CHARGING). The batch now holds its Locations' rows, so the change waits for its commit and
    is queued after its PUTs."""
    await imported(network, [make_location(n) for n in range(1, 4)])
    partner = await _register(network, "ocpi-2.2.1")
    now, wire = SystemClock().now(), publisher()
    async with network.storage.read() as uow:
        sync = (await uow.syncs.latest())[partner]
    async with network.storage.transaction() as uow:
        await partner_sync.step(uow, wire, sync, 10, now)  # no tariffs: on to the Locations
    async with network.storage.read() as uow:
        found = await uow.syncs.get(sync.id)
    assert found is not None and found.phase == "locations"

    # the batch stops once it has read and rendered its Locations
    rendered = pause_first_call(monkeypatch, SqlSyncRepository, "advance")

    async def batch() -> None:
        async with network.storage.transaction() as uow:
            assert await partner_sync.step(uow, wire, found, 10, now) == 3

    async def status_change() -> None:
        async with network.storage.transaction() as uow:
            assert await set_evse_status(uow, wire, "E2-1", EvseStatus.CHARGING, now)

    batching = asyncio.create_task(batch())
    await rendered.reached.wait()
    changing = asyncio.create_task(status_change())
    await unless_held(changing)
    rendered.resume.set()
    await asyncio.gather(batching, changing)

    # What the partner ends up holding: its queue for LOC2 applied in order.
    async with network.storage.read() as uow:
        queued = await uow.outbox.find(QueueFilter(partner_id=partner), limit=100)
    live = [m for m in sorted(queued, key=lambda m: m.id) if m.object_key.endswith("/LOC2")]
    live = [m for m in live if m.state is MessageState.PENDING]
    assert [m.method for m in live] == ["PUT", "PATCH"]
    assert live[-1].body is not None and orjson.loads(live[-1].body)["status"] == "CHARGING"
