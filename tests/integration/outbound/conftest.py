"""A registered partner whose endpoints are a FakePartner on 127.0.0.1, and a worker for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import pytest

from ocpi_cpo.config import Settings
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import NewMessage, Routing
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.factories import make_settings
from tests.support.partners import register_partner
from tests.support.receiver import FakePartner

ROUTING = Routing("FR", "AB1", "FR", "107")


@dataclass
class Delivery:
    settings: Settings
    storage: SqlStorage
    partner: Partner
    receiver: FakePartner
    transport: AiohttpTransport

    def worker(self, name: str | None = None, storage: SqlStorage | None = None) -> OutboxWorker:
        return OutboxWorker(
            storage or self.storage, self.transport, self.settings, SystemClock(), name=name
        )

    async def queue(
        self,
        count: int,
        *,
        keys: int = 1,
        method: str = "PATCH",
        full_replace: bool = False,
        start: int = 0,
        created_at: datetime | None = None,
    ) -> list[int]:
        ids = []
        async with self.storage.transaction() as uow:
            for seq in range(start, start + count):
                key = f"loc-{seq % keys}"
                ids.append(
                    await uow.outbox.add(
                        NewMessage(
                            partner_id=self.partner.id,
                            module="locations",
                            object_key=key,
                            method=method,
                            url=f"/FR/AB1/{key}",
                            body=orjson.dumps({"seq": seq, "key": key}),
                            routing=ROUTING,
                            full_replace=full_replace,
                        ),
                        created_at or datetime.now(UTC),
                    )
                )
        return ids

    async def until(
        self, condition: Callable[[], bool], worker: OutboxWorker, limit: float = 30
    ) -> None:
        """Drain until ``condition`` holds (bounded in time)."""
        deadline = time.monotonic() + limit
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not reached in time")
            if await worker.drain_once() == 0:
                await asyncio.sleep(0.01)


@pytest.fixture
async def delivery(storage: SqlStorage, database_url: str) -> AsyncIterator[Delivery]:
    settings = make_settings(
        database_url,
        outbox={
            "backoff_base_seconds": 0.01,
            "backoff_cap_seconds": 0.05,
            "probe_base_seconds": 0.01,
            "probe_cap_seconds": 0.05,
            "lease_seconds": 5,
        },
    )
    receiver = FakePartner()
    await receiver.start()
    partner = await register_partner(storage, receiver.base_url)
    transport = AiohttpTransport()
    yield Delivery(settings, storage, partner, receiver, transport)
    await transport.close()
    await receiver.stop()
