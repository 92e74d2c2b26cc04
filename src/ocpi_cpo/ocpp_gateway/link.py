"""One connected station: its state, its ordered pipe to ``StationEvents``, its heartbeat watch.

Why a pipe: a StatusNotification must be answered without waiting for the services (the hub push
happens behind them), yet a station's events must reach them in the order the station sent them.
So every ``StationEvents`` call of a station goes through one queue served by one task:
``emit`` (fire and forget: statuses, online/offline) or ``ask`` (the handler awaits the answer:
authorizations, transactions, meter values, so a failure becomes a CALLERROR the station retries).
The queue is bounded by ``[ocpp] events_per_station``: once it holds that many, the gateway reads
no further frame of that station (``room``) until the services have taken one, so a station that
floods (or whose events are slow to apply) waits on its own socket while the others are read on.

Commands to the station (``send``) never run on the station's receive loop or its event pipe: the
reply they wait for would be read by that very loop (ocpp-bridge.md §1, pitfall 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import orjson

from ocpi_cpo import metrics
from ocpi_cpo.config import OcppSettings
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.station_registry import Station
from ocpi_cpo.domain.stations import ChargingState, CommandOutcome, EvseStatus, SignedValue
from ocpi_cpo.ocpp_gateway._lib import OCPPError, error_code
from ocpi_cpo.ocpp_gateway.heartbeats import Heartbeats
from ocpi_cpo.ocpp_gateway.mapping import call_error_outcome, command_outcome
from ocpi_cpo.ocpp_gateway.meter import Sample
from ocpi_cpo.ocpp_gateway.status import StatusBoard
from ocpi_cpo.services.group_commit import GroupCommit
from ocpi_cpo.services.ports import StationEvents
from ocpi_cpo.services.stations import numbers_to_ask
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

LOG = logging.getLogger(__name__)
T = TypeVar("T")

#: how long a START_SESSION stays linkable to the transaction it causes (mod_commands: an RFID
#: token started remotely is not authorized again within 15 minutes)
REMOTE_START_WINDOW = 15 * 60.0


@dataclass
class PendingStart:
    remote_start_id: int  # the caller's id, reported back in TransactionStarted
    uid: str
    token_type: str
    number: int | None  # OCPP connectorId / evseId, None for "any"
    station_counter: int | None  # the 2.0.1 remoteStartId we sent
    expires: float


@dataclass
class Transaction:
    transaction_id: str
    number: int | None
    connector_id: str
    started: bool
    opened_at: datetime | None = None
    uid: str | None = None
    charging_state: ChargingState | None = None
    last_register: Decimal | None = None
    seq_nos: set[int] = field(default_factory=set)
    buffered: list[Sample] = field(default_factory=list)
    signed: list[SignedValue] = field(default_factory=list)


def _is_boot(message: str) -> bool:
    try:
        parsed = orjson.loads(message)
    except orjson.JSONDecodeError:
        return False
    return isinstance(parsed, list) and parsed[:1] == [2] and parsed[2:3] == ["BootNotification"]


class StationProtocol(Protocol):
    """What the version-specific endpoint offers the driver."""

    async def trigger_status(self, numbers: list[int] | None = None) -> None: ...


class StationLink:
    def __init__(
        self,
        station: Station,
        version: str,
        *,
        events: StationEvents,
        storage: Storage,
        clock: Clock,
        options: OcppSettings,
        close: Callable[[], Awaitable[None]],
        heartbeats: Heartbeats | None = None,
        writes: GroupCommit | None = None,
    ) -> None:
        self.station = station
        self.station_id = station.station_id
        self.version = version
        self.events = events
        self.storage = storage
        self.clock = clock
        self.options = options
        #: where heartbeats are noted for a shared write (None: each written at once)
        self.heartbeats = heartbeats
        #: the transactions shared with other stations' writes (None: each its own)
        self.writes = writes
        self.board = StatusBoard(station.evses)
        self.transactions: dict[str, Transaction] = {}
        self.pending: list[PendingStart] = []
        self.online = True
        #: this connection's epoch (``stations.connected``); None until recorded
        self.epoch: int | None = None
        #: the station's previous connection never recorded its end (its instance died, or it is
        #: still open elsewhere): what it reported last may not be stored, so all are asked
        self.statuses_in_doubt = False
        self.closed = asyncio.Event()
        self.finished = asyncio.Event()  # closed and its last events delivered
        self.first_message = asyncio.Event()
        self.booted = False
        self.endpoint: Any = None  # the version's ChargePoint subclass, set by the gateway
        self._close = close
        self._last_seen = time.monotonic()
        self._queue: asyncio.Queue[
            tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any] | None] | None
        ] = asyncio.Queue()
        self._room = asyncio.Event()  # set while the queue holds fewer than events_per_station
        self._room.set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._own: set[asyncio.Task[Any]] = set()

    # -- numbering ---------------------------------------------------------------------------

    def evse_uid(self, number: int | None) -> str | None:
        return self.station.evses.get(number) if number is not None else None

    def number_of(self, evse_uid: str) -> int | None:
        for number, uid in self.station.evses.items():
            if uid == evse_uid:
                return number
        return None

    def evse_state(self, evse_uid: str) -> EvseStatus:
        return self.board.status_of(evse_uid)

    # -- the ordered pipe to StationEvents ----------------------------------------------------

    def start(self) -> None:
        self._worker = asyncio.create_task(self._work(), name=f"ocpp-events-{self.station_id}")
        self._own.add(self._worker)

    def mark_receive_loop(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._own.add(task)

    def emit(self, job: Callable[[], Awaitable[Any]]) -> None:
        self._queue.put_nowait((job, None))
        self._count()

    async def ask(self, job: Callable[[], Coroutine[Any, Any, T]]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((job, future))
        self._count()
        return await future

    def _count(self) -> None:
        if self._queue.qsize() >= self.options.events_per_station:
            self._room.clear()

    async def room(self) -> None:
        """Return once the station's queue has room for what its next frame may bring."""
        if self._room.is_set():
            return
        metrics.OCPP_READS_PAUSED.inc()
        await self._room.wait()

    async def _work(self) -> None:
        while (item := await self._queue.get()) is not None:
            if self._queue.qsize() < self.options.events_per_station:
                self._room.set()
            job, future = item
            try:
                result = await job()
            except Exception as exc:
                if future is None:
                    LOG.exception("station %s: station event failed", self.station_id)
                elif not future.done():
                    future.set_exception(exc)
            else:
                if future is not None and not future.done():
                    future.set_result(result)

    async def drain(self, timeout: float = 10.0) -> None:
        """Deliver what is queued, then stop the pipe. Events the station was answered for are
        stored however long that takes (a saturated server takes more than ``timeout``: said
        once); only a shutdown cuts it short, and then the connection's end is not recorded, so
        the station's next connection asks for every status (``statuses_in_doubt``)."""
        self._room.set()
        self._queue.put_nowait(None)
        if self._worker is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), timeout)
            except TimeoutError:
                LOG.warning(
                    "station %s: its events are still being stored %g s after its close",
                    self.station_id,
                    timeout,
                )
                await self._worker

    # -- liveness --------------------------------------------------------------------------

    @property
    def grace(self) -> float:
        return self.options.heartbeat_interval * self.options.heartbeat_grace

    def touch(self, message: str) -> None:
        """Any message counts as a heartbeat (OCPP); a station back from silence is online again."""
        self._last_seen = time.monotonic()
        if not self.first_message.is_set():
            self.booted = _is_boot(message)
            self.first_message.set()
        if not self.online:
            self.online = True
            LOG.info("station %s is back", self.station_id)
            at = self.clock.now()
            self.emit(lambda: self.events.station_online(self.station_id, at))
            self.spawn(self._persist_online(), self.trigger_status_later(0.0, after_boot=True))

    async def watch(self) -> None:
        """Report the station offline when it has been silent longer than the grace period."""
        while not self.closed.is_set():
            silent = time.monotonic() - self._last_seen
            if silent >= self.grace and self.online:
                self.went_offline("missed heartbeats")
                await self._persist(self._record_disconnected)
            await asyncio.sleep(max(self.grace - silent, 0.05) if self.online else 0.2)

    def went_offline(self, why: str, *, report: bool = True) -> None:
        """Offline here; ``report``: its EVSEs set UNKNOWN now (else the leader does it once the
        station is not back within ``offline_grace``: ``services.dropped_stations``)."""
        if not self.online:
            return
        self.online = False
        LOG.warning("station %s offline: %s", self.station_id, why)
        self.board.forget()
        if report:
            at, epoch = self.clock.now(), self.epoch
            self.emit(lambda: self.events.station_offline(self.station_id, at, epoch))

    async def record_connected(self, uow: Any) -> None:
        """Online in the database, under a new epoch (a newer connection wins over this one's
        earlier offline writes: ``station_offline``)."""
        self.epoch = await uow.stations.connected(self.station_id, self.version, self.clock.now())

    async def _record_disconnected(self, uow: Any) -> None:
        await uow.stations.disconnected(self.station_id, self.clock.now(), self.epoch)

    async def _persist_online(self) -> None:
        await self._persist(self.record_connected)

    async def write(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Apply ``work`` in a transaction shared with the writes of other stations arriving
        meanwhile (``writes``: one commit for many, issue 21); committed when this returns, so
        before the message it belongs to is answered."""
        if self.writes is not None:
            return await self.writes.run(work)
        async with self.storage.transaction() as uow:
            return await work(uow)

    async def _persist(self, write: Callable[[Any], Awaitable[None]]) -> None:
        try:
            await self.write(write)
        except Exception:
            LOG.exception("station %s: could not record its state", self.station_id)

    async def trigger_status_later(self, delay: float, *, after_boot: bool = False) -> None:
        """Ask for fresh statuses, unless the connection opened with a BootNotification (the
        station then reports them itself). A new connection asks only for the EVSEs whose status
        is unknown (its previous connection's close marked them UNKNOWN, or nothing is stored):
        after a reconnect storm, stations whose statuses were kept are asked nothing. A station
        back from silence on the same connection (``after_boot``), or whose previous connection
        never recorded its end (``statuses_in_doubt``), is asked for all."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.first_message.wait(), delay)
        if (self.booted and not after_boot) or self.closed.is_set() or self.endpoint is None:
            return
        numbers: list[int] | None = None
        try:
            if self.statuses_in_doubt:
                LOG.info(
                    "station %s back after a connection whose end was never recorded: every"
                    " status asked",
                    self.station_id,
                )
            elif not after_boot:
                async with self.storage.read() as uow:
                    numbers = await numbers_to_ask(uow, self.station)
                if not numbers:
                    LOG.info("station %s back: its statuses are known, none asked", self.station_id)
                    return
            await self.endpoint.trigger_status(numbers)
        except Exception as exc:
            LOG.warning("station %s: TriggerMessage failed (%s)", self.station_id, exc)

    # -- background tasks ----------------------------------------------------------------------

    def spawn(self, *coroutines: Coroutine[Any, Any, Any]) -> None:
        for coroutine in coroutines:
            task = asyncio.create_task(coroutine)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close(self) -> None:
        await self._close()

    # -- remote starts -------------------------------------------------------------------------

    def remember_start(self, pending: PendingStart) -> None:
        now = time.monotonic()
        self.pending = [p for p in self.pending if p.expires > now]
        self.pending.append(pending)

    def pending_for(
        self, *, uid: str | None = None, number: int | None = None, counter: int | None = None
    ) -> PendingStart | None:
        now = time.monotonic()
        for p in self.pending:
            if p.expires <= now:
                continue
            if counter is not None and p.station_counter == counter:
                return p
            if uid is not None and p.uid == uid and (p.number in (None, number) or number is None):
                return p
        return None

    def consume(self, pending: PendingStart) -> None:
        if pending in self.pending:
            self.pending.remove(pending)

    # -- commands ------------------------------------------------------------------------------

    async def send(
        self, request: Any, command: str, evse: EvseStatus | None = None
    ) -> CommandOutcome:
        """Send a CSMS->station CALL and map the way it ended to a CommandOutcome.

        A late reply after the timeout is TIMEOUT (the library drops it when it arrives).
        """
        if asyncio.current_task() in self._own:
            raise RuntimeError(
                f"station {self.station_id}: a command was sent from inside a station message"
                " handler or its event pipe; run it in its own task (asyncio.create_task)"
            )
        if self.closed.is_set() or self.endpoint is None:
            return CommandOutcome.FAILED
        call = asyncio.ensure_future(self.endpoint.call(request, suppress=False))
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            done, _ = await asyncio.wait(
                {call, closed},
                timeout=self.options.command_timeout + 1.0,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            closed.cancel()
        if call not in done:
            call.cancel()
            return CommandOutcome.FAILED if self.closed.is_set() else CommandOutcome.TIMEOUT
        try:
            reply = call.result()
        except TimeoutError:
            return CommandOutcome.TIMEOUT
        except OCPPError as exc:
            return call_error_outcome(error_code(exc))
        except Exception as exc:
            LOG.warning("station %s: %s failed (%s)", self.station_id, command, exc)
            return CommandOutcome.FAILED
        return command_outcome(command, str(reply.status), evse)
