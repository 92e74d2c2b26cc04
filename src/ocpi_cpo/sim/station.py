"""A simulated charging station (OCPP 1.6J or 2.0.1) on the ``ocpp`` library's client side.

Scripted rather than autonomous: a scenario (``sim/scenarios.py``) or a test calls ``boot``,
``status``, ``authorize``, ``start_transaction``, ``meter``, ``stop_transaction``, ``disconnect``
and ``reconnect``. Commands from the central system are answered as ``replies`` says (a status
word, ``"late"`` to answer after ``late_delay`` seconds, ``"error"`` for a CALLERROR); an accepted
remote start or stop then plays out by itself. It only ever talks to the URL it is given.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ocpi_cpo.ocpp_gateway._lib import (
    ChargePoint16,
    ChargePoint201,
    call16,
    call201,
    on,
    result16,
    result201,
)
from ocpi_cpo.sim.errors import SimError as SimError

LOG = logging.getLogger(__name__)
ENERGY = "Energy.Active.Import.Register"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Schedule:
    """A charging profile's schedule as the station keeps it: limits (W) from ``start``."""

    start: datetime
    periods: list[tuple[int, float]]  # (seconds after start, limit in W)

    def limit_at(self, moment: datetime) -> float | None:
        offset = (moment - self.start).total_seconds()
        current: float | None = None
        for start_period, limit in self.periods:
            if start_period <= offset:
                current = limit
        return current


@dataclass
class Connector:
    number: int
    status: str = "Available"
    register_wh: int = 0
    transaction_id: str | None = None
    id_tag: str | None = None
    seq_no: itertools.count[int] = field(default_factory=itertools.count)
    schedule: Schedule | None = None


class _Client16(ChargePoint16):
    sim: SimStation

    @on("RemoteStartTransaction")
    async def on_remote_start(self, id_tag: str, **kwargs: Any) -> Any:
        status = await self.sim._reply("RemoteStartTransaction")
        if status == "Accepted":
            number = kwargs.get("connector_id") or 1
            self.sim._later(self.sim._remote_start(number, id_tag, None))
        return result16.RemoteStartTransaction(status=status)

    @on("RemoteStopTransaction")
    async def on_remote_stop(self, transaction_id: int, **_: Any) -> Any:
        status = await self.sim._reply("RemoteStopTransaction")
        if status == "Accepted":
            self.sim._later(self.sim._remote_stop(str(transaction_id)))
        return result16.RemoteStopTransaction(status=status)

    @on("ReserveNow")
    async def on_reserve_now(self, connector_id: int, **_: Any) -> Any:
        return result16.ReserveNow(status=await self.sim._reply("ReserveNow"))

    @on("CancelReservation")
    async def on_cancel_reservation(self, **_: Any) -> Any:
        return result16.CancelReservation(status=await self.sim._reply("CancelReservation"))

    @on("UnlockConnector")
    async def on_unlock(self, connector_id: int, **_: Any) -> Any:
        return result16.UnlockConnector(status=await self.sim._reply("UnlockConnector", "Unlocked"))

    @on("SetChargingProfile")
    async def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ) -> Any:
        status = await self.sim._reply("SetChargingProfile")
        if status == "Accepted":
            self.sim._limit(connector_id, cs_charging_profiles["charging_schedule"])
        return result16.SetChargingProfile(status=status)

    @on("TriggerMessage")
    async def on_trigger(self, requested_message: str, **kwargs: Any) -> Any:
        await self.sim.received.put(("TriggerMessage", requested_message))
        if requested_message != "StatusNotification":
            return result16.TriggerMessage(status="NotImplemented")
        self.sim._later(self.sim._report_all(kwargs.get("connector_id")))
        return result16.TriggerMessage(status="Accepted")


class _Client201(ChargePoint201):
    sim: SimStation

    @on("RequestStartTransaction")
    async def on_request_start(
        self, id_token: dict[str, Any], remote_start_id: int, **kwargs: Any
    ) -> Any:
        status = await self.sim._reply("RequestStartTransaction")
        if status == "Accepted":
            number = kwargs.get("evse_id") or 1
            self.sim._later(self.sim._remote_start(number, id_token["id_token"], remote_start_id))
        return result201.RequestStartTransaction(status=status)

    @on("RequestStopTransaction")
    async def on_request_stop(self, transaction_id: str, **_: Any) -> Any:
        status = await self.sim._reply("RequestStopTransaction")
        if status == "Accepted":
            self.sim._later(self.sim._remote_stop(transaction_id))
        return result201.RequestStopTransaction(status=status)

    @on("ReserveNow")
    async def on_reserve_now(self, **_: Any) -> Any:
        return result201.ReserveNow(status=await self.sim._reply("ReserveNow"))

    @on("CancelReservation")
    async def on_cancel_reservation(self, **_: Any) -> Any:
        return result201.CancelReservation(status=await self.sim._reply("CancelReservation"))

    @on("UnlockConnector")
    async def on_unlock(self, **_: Any) -> Any:
        status = await self.sim._reply("UnlockConnector", "Unlocked")
        return result201.UnlockConnector(status=status)

    @on("SetChargingProfile")
    async def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **_: Any
    ) -> Any:
        status = await self.sim._reply("SetChargingProfile")
        if status == "Accepted":
            self.sim._limit(evse_id, charging_profile["charging_schedule"][0])
        return result201.SetChargingProfile(status=status)

    @on("TriggerMessage")
    async def on_trigger(self, requested_message: str, **kwargs: Any) -> Any:
        await self.sim.received.put(("TriggerMessage", requested_message))
        if requested_message != "StatusNotification":
            return result201.TriggerMessage(status="NotImplemented")
        evse = kwargs.get("evse") or {}
        self.sim._later(self.sim._report_all(evse.get("id")))
        return result201.TriggerMessage(status="Accepted")


class SimStation:
    """One simulated station. ``url`` is the gateway's base, e.g. ``ws://127.0.0.1:8080/ocpp``."""

    def __init__(
        self,
        url: str,
        station_id: str,
        version: str = "1.6",
        *,
        password: str | None = None,
        connectors: int = 1,
        meter_start_wh: int = 1000,
        replies: dict[str, str] | None = None,
        late_delay: float = 2.0,
        auto_heartbeat: bool = True,
        say: Callable[[str], None] | None = None,
    ) -> None:
        if version not in ("1.6", "2.0.1"):
            raise ValueError("version must be 1.6 or 2.0.1")
        self.url = url.rstrip("/") + "/" + station_id
        self.station_id = station_id
        self.version = version
        self.password = password
        self.connectors = {
            n: Connector(n, register_wh=meter_start_wh) for n in range(1, connectors + 1)
        }
        self.replies = replies or {}
        self.late_delay = late_delay
        self.auto_heartbeat = auto_heartbeat
        self.heartbeat_interval: int | None = None
        #: how far ``drive`` moved the station's clock ahead of the real time
        self.offset = timedelta(0)
        self.say = say or (lambda line: LOG.info("%s", line))
        self.received: asyncio.Queue[tuple[str, str]] = asyncio.Queue()  # (what, detail)
        self._ws: ClientConnection | None = None
        self._cp: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[Any] | None = None
        self._heartbeat_task: asyncio.Task[Any] | None = None

    # -- connection --------------------------------------------------------------------------

    async def connect(self) -> None:
        subprotocol = "ocpp1.6" if self.version == "1.6" else "ocpp2.0.1"
        headers = {}
        if self.password is not None:
            token = base64.b64encode(f"{self.station_id}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self._ws = await connect(
            self.url,
            subprotocols=[Subprotocol(subprotocol)],
            additional_headers=headers,
            open_timeout=10,
        )
        client = _Client16 if self.version == "1.6" else _Client201
        self._cp = client(self.station_id, self._ws, response_timeout=10)
        self._cp.sim = self
        self._loop_task = asyncio.create_task(self._run())
        self.say(f"{self.station_id}: connected to {self.url} ({subprotocol})")

    async def _run(self) -> None:
        with contextlib.suppress(Exception):
            await self._cp.start()

    async def disconnect(self) -> None:
        """Drop the connection (a network failure, as far as the central system can tell)."""
        for task in [self._heartbeat_task, self._loop_task, *self._tasks]:
            if task is not None:
                task.cancel()
        if self._ws is not None:
            await self._ws.close()
        for task in [self._heartbeat_task, self._loop_task, *self._tasks]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._ws = self._cp = self._loop_task = self._heartbeat_task = None
        self._tasks.clear()
        self.say(f"{self.station_id}: connection dropped")

    async def reconnect(self) -> None:
        """Come back without rebooting: the central system should ask for statuses."""
        await self.connect()
        self._start_heartbeats()

    async def __aenter__(self) -> SimStation:
        await self.connect()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._ws is not None:
            await self.disconnect()

    # -- messages the station sends ------------------------------------------------------------

    async def call(self, payload: Any) -> Any:
        if self._cp is None:
            raise SimError(f"{self.station_id} is not connected")
        return await self._cp.call(payload)

    async def boot(self) -> str:
        if self.version == "1.6":
            reply = await self.call(
                call16.BootNotification(
                    charge_point_vendor="ocpi-cpo",
                    charge_point_model="SimStation",
                    firmware_version="sim-1.0",
                )
            )
        else:
            reply = await self.call(
                call201.BootNotification(
                    charging_station={
                        "vendor_name": "ocpi-cpo",
                        "model": "SimStation",
                        "firmware_version": "sim-1.0",
                    },
                    reason="PowerUp",
                )
            )
        self.heartbeat_interval = int(reply.interval)
        self.say(f"{self.station_id}: BootNotification -> {reply.status}")
        self._start_heartbeats()
        return str(reply.status)

    def _start_heartbeats(self) -> None:
        if self.auto_heartbeat and self.heartbeat_interval and self._heartbeat_task is None:
            self._heartbeat_task = asyncio.create_task(self._heartbeats(self.heartbeat_interval))

    async def _heartbeats(self, interval: int) -> None:
        while True:
            await asyncio.sleep(interval)
            await self.heartbeat()

    def stop_heartbeats(self) -> None:
        """Go silent while keeping the connection (the central system should notice)."""
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
            self._heartbeat_task = None

    async def heartbeat(self) -> None:
        await self.call(call16.Heartbeat() if self.version == "1.6" else call201.Heartbeat())

    async def status(self, number: int, status: str, error_code: str = "NoError") -> None:
        """Report a connector status. 2.0.1 words: Available, Occupied, Reserved, Unavailable,
        Faulted; 1.6 words are mapped to them (Preparing/Charging/... -> Occupied)."""
        if number in self.connectors:
            self.connectors[number].status = status
        if self.version == "1.6":
            await self.call(
                call16.StatusNotification(
                    connector_id=number,
                    error_code=error_code,
                    status=status,
                    timestamp=self._stamp(),
                )
            )
        else:
            await self.call(
                call201.StatusNotification(
                    timestamp=self._stamp(),
                    connector_status=_status_201(status),
                    evse_id=number,
                    connector_id=1,
                )
            )
        self.say(f"{self.station_id}: connector {number} {status}")

    async def _report_all(self, number: int | None) -> None:
        for connector in self.connectors.values():
            if number in (None, 0, connector.number):
                await self.status(connector.number, connector.status)

    async def authorize(self, id_tag: str) -> str:
        if self.version == "1.6":
            reply = await self.call(call16.Authorize(id_tag=id_tag))
            status = str(reply.id_tag_info["status"])
        else:
            reply = await self.call(call201.Authorize(id_token=_token(id_tag)))
            status = str(reply.id_token_info["status"])
        self.say(f"{self.station_id}: Authorize {id_tag} -> {status}")
        return status

    async def start_transaction(
        self, number: int, id_tag: str, remote_start_id: int | None = None
    ) -> str:
        """Start charging; return the authorization status the central system gave."""
        connector = self.connectors[number]
        if self.version == "1.6":
            reply = await self.call(
                call16.StartTransaction(
                    connector_id=number,
                    id_tag=id_tag,
                    meter_start=connector.register_wh,
                    timestamp=self._stamp(),
                )
            )
            connector.transaction_id = str(reply.transaction_id)
            status = str(reply.id_tag_info["status"])
        else:
            connector.transaction_id = f"{self.station_id}-{number}-{self._stamp()}"
            connector.seq_no = itertools.count()
            info: dict[str, Any] = {
                "transaction_id": connector.transaction_id,
                "charging_state": "EVConnected",
            }
            if remote_start_id is not None:
                info["remote_start_id"] = remote_start_id
            reply = await self.call(
                call201.TransactionEvent(
                    event_type="Started",
                    timestamp=self._stamp(),
                    trigger_reason="RemoteStart" if remote_start_id is not None else "Authorized",
                    seq_no=next(connector.seq_no),
                    transaction_info=info,
                    evse={"id": number, "connector_id": 1},
                    id_token=_token(id_tag),
                    meter_value=[
                        _sample_201(connector.register_wh, "Transaction.Begin", self._stamp())
                    ],
                )
            )
            status = str((reply.id_token_info or {}).get("status", "Accepted"))
        connector.id_tag = id_tag
        self.say(
            f"{self.station_id}: transaction {connector.transaction_id} on {number} -> {status}"
        )
        return status

    async def charging(self, number: int, state: str = "Charging") -> None:
        """Energy flows (Charging) or not (SuspendedEV, SuspendedEVSE)."""
        connector = self.connectors[number]
        if self.version == "1.6":
            await self.status(number, state)
            return
        await self._event(connector, "Updated", "ChargingStateChanged", {"charging_state": state})
        self.say(f"{self.station_id}: connector {number} {state}")

    async def meter(self, number: int, add_wh: int, power_w: int | None = None) -> None:
        connector = self.connectors[number]
        connector.register_wh += add_wh
        at = self._stamp()
        if self.version == "1.6":
            sample = _sample_16(connector.register_wh, at, 7400 if power_w is None else power_w)
            await self.call(
                call16.MeterValues(
                    connector_id=number,
                    transaction_id=int(connector.transaction_id or 0),
                    meter_value=[sample],
                )
            )
        else:
            sample = _sample_201(
                connector.register_wh, "Sample.Periodic", at, kwh=True, power_w=power_w
            )
            await self._event(connector, "Updated", "MeterValuePeriodic", {}, meter_value=[sample])
        self.say(f"{self.station_id}: meter {connector.register_wh} Wh")

    # -- time and power: the station's clock can be driven ahead ---------------------------------

    def now(self) -> datetime:
        """The station's clock: the real time plus what ``drive`` has moved it on."""
        return datetime.now(UTC) + self.offset

    def _stamp(self) -> str:
        return _stamp(self.now())

    def limit_w(self, number: int) -> float | None:
        """The charging profile's limit on the connector now (None: no profile)."""
        schedule = self.connectors[number].schedule
        return None if schedule is None else schedule.limit_at(self.now())

    def _limit(self, number: int, schedule: dict[str, Any]) -> None:
        """Keep a SetChargingProfile's schedule (limits in W, or in A per phase at 230 V)."""
        start = schedule.get("start_schedule")
        begin = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else self.now()
        per_amp = 1.0 if schedule.get("charging_rate_unit", "W") == "W" else 230.0
        periods = [
            (
                int(p["start_period"]),
                float(p["limit"]) * per_amp * (1 if per_amp == 1.0 else p.get("number_phases", 3)),
            )
            for p in schedule["charging_schedule_period"]
        ]
        if number in self.connectors:
            self.connectors[number].schedule = Schedule(begin, periods)
        self.say(f"{self.station_id}: connector {number} profile {periods}")

    async def drive(
        self, number: int, seconds: int, *, step: int = 900, ev_max_w: int = 11000
    ) -> list[int]:
        """Charge one connector for ``seconds`` of station time (``drive_together``)."""
        drawn = await self.drive_together((number,), seconds, step=step, ev_max_w=ev_max_w)
        return drawn[number]

    async def drive_together(
        self, numbers: tuple[int, ...], seconds: int, *, step: int = 900, ev_max_w: int = 11000
    ) -> dict[int, list[int]]:
        """Charge these connectors for ``seconds`` of station time in ``step``-second steps
        without waiting for them: each step every car draws its maximum or its profile's limit,
        whichever is lower, the station's clock moves on and each connector sends a meter value
        (register and power). The powers drawn, per connector."""
        drawn: dict[int, list[int]] = {number: [] for number in numbers}
        left = seconds
        while left > 0:
            length = min(step, left)
            powers = {}
            for number in numbers:
                limit = self.limit_w(number)
                powers[number] = ev_max_w if limit is None else int(min(ev_max_w, limit))
            self.offset += timedelta(seconds=length)
            for number, power in powers.items():
                await self.meter(number, round(power * length / 3600), power_w=power)
                drawn[number].append(power)
            left -= length
        return drawn

    async def stop_transaction(self, number: int, reason: str = "EVDisconnected") -> None:
        connector = self.connectors[number]
        if connector.transaction_id is None:
            raise SimError(f"no transaction on connector {number}")
        if self.version == "1.6":
            await self.call(
                call16.StopTransaction(
                    meter_stop=connector.register_wh,
                    timestamp=self._stamp(),
                    transaction_id=int(connector.transaction_id),
                    reason=reason,
                    id_tag=connector.id_tag,
                )
            )
        else:
            await self._event(
                connector,
                "Ended",
                _trigger_201(reason),
                {"stopped_reason": reason, "charging_state": "Idle"},
                meter_value=[_sample_201(connector.register_wh, "Transaction.End", self._stamp())],
            )
        self.say(f"{self.station_id}: transaction {connector.transaction_id} stopped ({reason})")
        connector.transaction_id = connector.id_tag = None

    async def _event(
        self,
        connector: Connector,
        event_type: str,
        trigger: str,
        info: dict[str, Any],
        meter_value: list[dict[str, Any]] | None = None,
    ) -> Any:
        return await self.call(
            call201.TransactionEvent(
                event_type=event_type,
                timestamp=self._stamp(),
                trigger_reason=trigger,
                seq_no=next(connector.seq_no),
                transaction_info={"transaction_id": connector.transaction_id, **info},
                meter_value=meter_value,
            )
        )

    # -- what happens after an accepted command ------------------------------------------------

    async def _reply(self, action: str, accepted: str = "Accepted") -> str:
        await self.received.put((action, "received"))
        reply = self.replies.get(action, accepted)
        if reply == "late":
            await asyncio.sleep(self.late_delay)
            return accepted
        if reply == "error":
            raise SimError(f"{action} failed inside the station")
        return reply

    def _later(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _remote_start(self, number: int, id_tag: str, remote_start_id: int | None) -> None:
        await self.status(number, "Preparing")
        await self.start_transaction(number, id_tag, remote_start_id)
        await self.charging(number)
        await self.meter(number, 500)
        await self.received.put(("started", self.connectors[number].transaction_id or ""))

    async def _remote_stop(self, transaction_id: str) -> None:
        for connector in self.connectors.values():
            if connector.transaction_id == transaction_id:
                await self.stop_transaction(connector.number, "Remote")
                await self.status(connector.number, "Finishing")
                await self.status(connector.number, "Available")
                await self.received.put(("stopped", transaction_id))
                return

    async def wait_for(self, what: str, timeout: float = 10.0) -> str:
        """Wait until the central system made us do ``what`` (an action name, started, stopped)."""
        async with asyncio.timeout(timeout):
            while True:
                got, detail = await self.received.get()
                if got == what:
                    return detail


def _status_201(status: str) -> str:
    if status in ("Available", "Reserved", "Unavailable", "Faulted"):
        return status
    return "Occupied"


def _trigger_201(reason: str) -> str:
    return {"Remote": "RemoteStop", "EVDisconnected": "EVDeparted", "Local": "StopAuthorized"}.get(
        reason, "AbnormalCondition"
    )


def _token(id_tag: str) -> dict[str, str]:
    return {"id_token": id_tag, "type": "ISO14443"}


def _sample_16(register_wh: int, at: str, power_w: int = 7400) -> dict[str, Any]:
    """A 1.6 MeterValue: the register in kWh (a string), a per-phase sample to be skipped, and
    the power drawn."""
    return {
        "timestamp": at,
        "sampled_value": [
            {"value": f"{register_wh / 1000:.3f}", "measurand": ENERGY, "unit": "kWh"},
            {"value": "1", "measurand": ENERGY, "unit": "Wh", "phase": "L1"},
            {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"},
        ],
    }


def _sample_201(
    register_wh: int, context: str, at: str, *, kwh: bool = False, power_w: int | None = None
) -> dict[str, Any]:
    """A 2.0.1 MeterValue; periodic ones in kWh via the multiplier, plus an EV-side SoC and,
    when given, the power drawn."""
    value: float = register_wh / 1000 if kwh else register_wh
    power: list[dict[str, Any]] = []
    if power_w is not None:
        power.append(
            {
                "value": power_w,
                "context": context,
                "measurand": "Power.Active.Import",
                "unit_of_measure": {"unit": "W", "multiplier": 0},
            }
        )
    return {
        "timestamp": at,
        "sampled_value": [
            *power,
            {
                "value": value,
                "context": context,
                "measurand": ENERGY,
                "unit_of_measure": {"unit": "Wh", "multiplier": 3 if kwh else 0},
            },
            {"value": 55, "context": context, "measurand": "SoC", "location": "EV"},
        ],
    }
