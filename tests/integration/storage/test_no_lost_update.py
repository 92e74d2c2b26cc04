"""Concurrent changes of one Location from several connections: none lost, all pushed in order.

Issue 18, point 0: on PostgreSQL a status change read the Location's document, edited it and
wrote it back without a lock, so two changes of different EVSEs of one Location overwrote each
other (16 of 100 lost). Here four storages (four connection pools, as four instances or a server
and the CLI would have) change the 10 EVSEs of one Location at once, through the station path
(group commit) and through one transaction per change (the admin API and the CLI).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from ocpi_cpo.domain.delivery import QueueFilter
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.stations import EvseStatus
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.services import locations
from ocpi_cpo.services.group_commit import GroupCommit
from ocpi_cpo.storage.protocols import UnitOfWork
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from tests.support.locations import make_location
from tests.support.partners import register_partner

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
EVSES = 10
CHANGES_PER_EVSE = 10
#: each EVSE walks these statuses in turn (none is the initial AVAILABLE): each step changes it
WALK = [EvseStatus.CHARGING, EvseStatus.BLOCKED, EvseStatus.RESERVED]


@pytest.fixture
async def storages(database_url: str) -> AsyncIterator[list[SqlStorage]]:
    opened = [SqlStorage(create_engine(database_url, pool_size=4)) for _ in range(4)]
    yield opened
    for storage in opened:
        await storage.close()


def _statuses(evse: int) -> list[EvseStatus]:
    return [WALK[(evse + step) % len(WALK)] for step in range(CHANGES_PER_EVSE)]


async def test_concurrent_changes_of_one_location_are_all_stored_and_pushed(
    storages: list[SqlStorage],
) -> None:
    first = storages[0]
    partner = await register_partner(first, "http://hub.test")
    async with first.transaction() as uow:
        await locations.import_locations(
            uow,
            publisher(),
            [make_location(1, evses=EVSES)],
            [OperatorId.parse("FR*AB1")],
            NOW,
            allow_unknown_tariffs=True,
        )
    groups = [GroupCommit(storage) for storage in storages]

    async def change(evse: int, step: int, status: EvseStatus) -> bool:
        uid = f"E1-{evse + 1}"
        at = NOW + timedelta(seconds=step + 1)
        storage = storages[(evse + step) % len(storages)]

        async def apply(uow: UnitOfWork) -> bool:
            return await locations.set_evse_status(uow, publisher(), uid, status, at)

        if step % 2 == 0:  # a station's status, grouped with others arriving together
            return await groups[(evse + step) % len(groups)].run(apply)
        async with storage.transaction() as uow:  # one change, one transaction (admin API, CLI)
            return await apply(uow)

    async def walk(evse: int) -> list[bool]:
        return [await change(evse, step, s) for step, s in enumerate(_statuses(evse))]

    results = await asyncio.gather(*(walk(evse) for evse in range(EVSES)))

    assert all(all(changed) for changed in results), results  # each was a real change
    async with first.read() as uow:
        [stored] = await uow.locations.by_evse_uid("E1-1")
        summary = (await uow.locations.summaries(0, 10))[0]
        pushed = await uow.outbox.find(QueueFilter(partner_id=partner.id), limit=1000)
    document = orjson.loads(stored.document)
    final = {evse["uid"]: evse["status"] for evse in document["evses"]}
    assert final == {f"E1-{e + 1}": _statuses(e)[-1].value for e in range(EVSES)}
    expected_rows: dict[str, int] = {}
    for e in range(EVSES):
        expected_rows[_statuses(e)[-1].value] = expected_rows.get(_statuses(e)[-1].value, 0) + 1
    assert summary.statuses == expected_rows  # the EVSE rows agree with the document
    patches = [m for m in sorted(pushed, key=lambda m: m.id) if m.method == "PATCH"]
    assert len(patches) == EVSES * CHANGES_PER_EVSE
    assert {m.object_key for m in patches} == {patches[0].object_key}  # one Location, one queue
    for e in range(EVSES):
        uid = f"E1-{e + 1}"
        sent = [
            orjson.loads(m.body or b"{}")["status"]
            for m in patches
            if m.url.rstrip("/").endswith(f"/{uid}")
        ]
        assert sent == [s.value for s in _statuses(e)], uid  # this EVSE's changes, in order
