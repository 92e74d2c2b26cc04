"""A real gateway on 127.0.0.1 (uvicorn in this event loop) with a recording StationEvents fake."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from ocpi_cpo.api.app import create_app
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.stations import (
    AuthorizationDecision,
    AuthorizationOutcome,
    AuthorizationRequest,
    ChargingState,
    EvseStatus,
    MeterReading,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpp_gateway import OcppDriver
from ocpi_cpo.services import stations as station_service
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade
from tests.support.factories import make_settings
from tests.support.processes import free_port

GOOD_BADGE = "04A1B2C3D4E5F6"
BAD_BADGE = "DEADBEEF"
PASSWORD = "a-station-password-16+"


@dataclass
class RecordingEvents:
    """StationEvents that records every call; authorizations come from ``table`` (else UNKNOWN)."""

    table: dict[str, AuthorizationOutcome] = field(
        default_factory=lambda: {GOOD_BADGE: AuthorizationOutcome.ALLOWED}
    )
    calls: list[tuple[str, Any]] = field(default_factory=list)
    fail_next: set[str] = field(default_factory=set)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def _record(self, name: str, value: Any) -> None:
        if name in self.fail_next:
            self.fail_next.discard(name)
            raise RuntimeError(f"{name} failed (test)")
        self.calls.append((name, value))
        self.changed.set()

    def _decide(self, uid: str) -> AuthorizationDecision:
        return AuthorizationDecision(self.table.get(uid, AuthorizationOutcome.UNKNOWN))

    async def station_online(self, station_id: str, at: datetime) -> None:
        self._record("station_online", station_id)

    async def station_offline(
        self, station_id: str, at: datetime, epoch: int | None = None
    ) -> None:
        self._record("station_offline", station_id)

    async def evse_status(self, evse_uid: str, status: EvseStatus, at: datetime) -> None:
        self._record("evse_status", (evse_uid, status))

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        self._record("authorize", request)
        return self._decide(request.uid)

    async def transaction_started(self, event: TransactionStarted) -> AuthorizationDecision:
        self._record("transaction_started", event)
        return self._decide(event.uid)

    async def meter_values(self, *readings: MeterReading) -> None:
        for reading in readings:
            self._record("meter_values", reading)

    async def charging_state(
        self, station_id: str, transaction_id: str, state: ChargingState, at: datetime
    ) -> None:
        self._record("charging_state", (transaction_id, state))

    async def transaction_stopped(self, event: TransactionStopped) -> None:
        self._record("transaction_stopped", event)

    def named(self, name: str) -> list[Any]:
        return [value for n, value in self.calls if n == name]

    def statuses(self, evse_uid: str) -> list[EvseStatus]:
        return [s for uid, s in self.named("evse_status") if uid == evse_uid]

    async def wait(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not check():
                self.changed.clear()
                await self.changed.wait()


@dataclass
class Gateway:
    url: str
    events: RecordingEvents
    driver: OcppDriver
    storage: SqlStorage
    context: OcpiContext

    async def add_station(
        self,
        station_id: str,
        evses: dict[int, str] | None = None,
        password: str | None = None,
        location_id: str = "LOC1",
    ) -> None:
        async with self.storage.transaction() as uow:
            await station_service.add_station(
                uow,
                station_id,
                location_id,
                evses or {1: f"{station_id}*1"},
                password,
                datetime.now(UTC),
            )


@contextlib.asynccontextmanager
async def serve_gateway(
    tmp_path: Path, events: RecordingEvents, **ocpp: Any
) -> AsyncIterator[Gateway]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    storage = SqlStorage(engine)
    options = {
        "heartbeat_interval": 1,
        "heartbeat_grace": 2.0,
        "command_timeout": 1.0,
        "status_trigger_delay": 0.3,
        # a closed connection reported offline at once (the grace: tests/e2e/test_offline_grace)
        "offline_grace": 0.0,
        **ocpp,
    }
    settings = make_settings(url, ocpp=options)
    app = create_app(settings, clock=SystemClock(), storage=storage, station_events=events)
    context: OcpiContext = app.state.ocpi
    driver: OcppDriver = app.state.ocpp_driver
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Gateway(f"ws://127.0.0.1:{port}/ocpp", events, driver, storage, context)
    finally:
        await driver.close()
        server.should_exit = True
        await task
        await storage.close()


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with serve_gateway(tmp_path, RecordingEvents()) as running:
        yield running


@pytest.fixture(params=["1.6", "2.0.1"])
def version(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value
