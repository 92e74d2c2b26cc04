"""The LISTEN connections (the outbox worker's wake-ups, the change listener's cache versions) are
closed when what opens them is stopped half-way, between the connect and the LISTEN: left to
the garbage collector they were reported as an unclosed socket in whatever test ran next (a
flaky ResourceWarning failure in CI)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from ocpi_cpo.storage.sql.changes import Changes
from tests.integration.outbound.conftest import Delivery

POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def listening(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], asyncio.Event]:
    """``add_listener`` that never returns: what opened the connection is stopped there."""
    opened: list[Any] = []
    entered = asyncio.Event()

    async def stuck(self: Any, *args: Any) -> None:
        opened.append(self)
        entered.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(asyncpg.connection.Connection, "add_listener", stuck)
    return opened, entered


@POSTGRES_ONLY
async def test_a_worker_stopped_while_it_starts_listening_closes_its_connection(
    database_url: str, delivery: Delivery, listening: tuple[list[Any], asyncio.Event]
) -> None:
    opened, entered = listening
    task = asyncio.create_task(delivery.worker().run(asyncio.Event()))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(opened) == 1 and opened[0].is_closed()


@POSTGRES_ONLY
async def test_the_change_listener_stopped_while_it_connects_closes_its_connection(
    database_url: str, listening: tuple[list[Any], asyncio.Event]
) -> None:
    opened, entered = listening
    changes = Changes(make_url(database_url))
    task = asyncio.create_task(changes.start())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await changes.close()
    assert len(opened) == 1 and opened[0].is_closed()
