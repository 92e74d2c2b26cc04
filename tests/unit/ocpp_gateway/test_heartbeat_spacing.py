"""Heartbeats are written off the answer path, at most one write per ``SPACING``: a lone heartbeat
at once, those arriving during a write or the spacing after it together in the next; closing
writes what is noted without waiting out the spacing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ocpi_cpo.ocpp_gateway import heartbeats as module
from ocpi_cpo.ocpp_gateway.heartbeats import Heartbeats

AT = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)


class Storage:
    def __init__(self) -> None:
        self.writes: list[tuple[float, list[str]]] = []

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        yield self


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch) -> Storage:
    storage = Storage()

    async def record(uow: Storage, batch: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)  # a write takes a while: heartbeats arrive meanwhile
        uow.writes.append((time.monotonic(), sorted(batch)))

    monkeypatch.setattr(module, "record_heartbeats", record)
    monkeypatch.setattr(module, "SPACING", 0.3)
    return storage


async def test_one_write_per_spacing_and_a_lone_heartbeat_at_once(storage: Storage) -> None:
    beats = Heartbeats(storage)  # type: ignore[arg-type]
    started = time.monotonic()
    beats.note("S1", AT, 1)
    await asyncio.sleep(0)
    for n in range(2, 6):  # during the first write and the spacing after it
        beats.note(f"S{n}", AT, 1)
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.5)
    assert [names for _, names in storage.writes] == [["S1"], ["S2", "S3", "S4", "S5"]]
    first, second = (at - started for at, _ in storage.writes)
    assert first < module.SPACING <= second
    await asyncio.sleep(0.3)  # a quiet spacing: the flusher ended, the next is written at once
    beats.note("S6", AT, 1)
    await asyncio.sleep(0.05)
    assert storage.writes[-1][1] == ["S6"]
    await beats.close()


async def test_closing_writes_what_is_noted_without_waiting_out_the_spacing(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "SPACING", 30.0)
    beats = Heartbeats(storage)  # type: ignore[arg-type]
    beats.note("S1", AT, 1)
    await asyncio.sleep(0.05)
    beats.note("S2", AT, 1)
    began = time.monotonic()
    await beats.close()
    assert time.monotonic() - began < 10  # not the 30 s spacing
    assert [names for _, names in storage.writes] == [["S1"], ["S2"]]
