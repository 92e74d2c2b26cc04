"""A light OCPP load generator: many stations over real websockets from one asyncio loop.

Each station is a websocket and a few fields (no OCPP library, no per-station tasks beyond the
reader): it boots (BootNotification, retried after the interval when Pending or Rejected). Then a
set number of stations start a transaction on connector 2, spread over a ramp; with
``--settle-url`` it then waits until the hub has heard nothing new for a moment (what the ramp
queued at serve is delivered). The steady phase that follows is what is judged: Heartbeats at a
compressed interval, StatusNotifications at a set rate over all stations (connector 1 alternates
Available / Unavailable), MeterValues from every charging station once per interval, and sessions
ending at a set rate (a station whose session ended starts the next one a little later, so the
number charging stays put). Half the stations speak OCPP 1.6J, half 2.0.1. An optional reconnect
storm follows: every station drops its connection and comes back (websocket, BootNotification,
its connector statuses) at a random moment within a window.

Every answer's latency (CALL sent to CALLRESULT read) is measured, per phase; a summary is printed
as JSON on stdout, and with ``--events FILE`` every status and stop sent, with its wall-clock time,
for matching against what the hub received.

    python -m bench.scale_load --url ws://127.0.0.1:8080/ocpp --stations 500 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import random
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

BADGE = "04A1B2C3D4E5F6"
ENERGY = "Energy.Active.Import.Register"
#: connector 1's words, alternating (1.6 and 2.0.1 share them)
WORDS = ("Unavailable", "Available")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class OcppError(Exception):
    pass


@dataclass(slots=True)
class Station:
    """What one simulated station keeps: its socket, its pending calls, its connectors."""

    station_id: str
    version: str
    ws: ClientConnection | None = None
    pending: dict[str, tuple[asyncio.Future[Any], str, float]] = field(default_factory=dict)
    #: connector -> last status word sent
    status: dict[int, str] = field(default_factory=lambda: {1: "Available", 2: "Available"})
    transaction: str | None = None
    #: between the end of one session and the start of the next (no MeterValues then)
    busy: bool = False
    register_wh: int = 1000
    seq: int = 0
    reader: asyncio.Task[None] | None = None


class Load:
    def __init__(self, options: argparse.Namespace) -> None:
        self.o = options
        self.url = options.url.rstrip("/")
        self.stations = [
            Station(f"{options.prefix}{n}", "1.6" if n % 2 or options.version == "1.6" else "2.0.1")
            for n in range(options.first, options.first + options.stations)
        ]
        if options.version == "2.0.1":
            for station in self.stations:
                station.version = "2.0.1"
        self.ids = itertools.count()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.sent: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.boots: Counter[str] = Counter()
        self.starts: Counter[str] = Counter()
        self.charging = self.stations[: options.charging]
        self.restarts = 0
        self.triggers = 0
        self.connect_failures = 0
        self.events: dict[str, list[Any]] = {"status": [], "stop": [], "storm_status": []}
        self.running = True

    # -- the wire -------------------------------------------------------------------------------

    async def call(self, station: Station, action: str, payload: dict[str, Any]) -> Any:
        if station.ws is None:
            raise OcppError(f"{station.station_id} not connected")
        message_id = str(next(self.ids))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        station.pending[message_id] = (future, action, started)
        self.sent[action] += 1
        try:
            await station.ws.send(orjson.dumps([2, message_id, action, payload]).decode())
            return await asyncio.wait_for(future, self.o.timeout)
        except Exception:
            self.errors[action] += 1
            raise
        finally:
            station.pending.pop(message_id, None)

    async def read(self, station: Station, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                frame = orjson.loads(raw)
                if frame[0] == 2:  # the central system asks something
                    await self.answer(station, ws, frame)
                    continue
                entry = station.pending.get(frame[1])
                if entry is None:
                    continue
                future, action, started = entry
                if future.done():
                    continue
                if frame[0] == 3:
                    self.latency[action].append(time.perf_counter() - started)
                    self.answered[action] += 1
                    future.set_result(frame[2])
                else:
                    future.set_exception(OcppError(f"{action}: {frame[2]} {frame[3]}"))
        for future, _, _ in list(station.pending.values()):
            if not future.done():
                future.set_exception(OcppError("connection closed"))

    async def answer(self, station: Station, ws: ClientConnection, frame: list[Any]) -> None:
        action = frame[2]
        self.sent[f"answered {action}"] += 1
        reply: dict[str, Any] = {"status": "Accepted"}
        if action in ("GetConfiguration", "GetVariables", "GetBaseReport"):
            reply = {} if action == "GetConfiguration" else {"status": "Accepted"}
        await ws.send(orjson.dumps([3, frame[1], reply]).decode())
        if action == "TriggerMessage" and frame[3].get("requestedMessage") == "StatusNotification":
            self.triggers += 1
            evse = (frame[3].get("evse") or {}).get("id") or frame[3].get("connectorId")
            for number in [evse] if evse else list(station.status):
                self.spawn(self.send_status(station, number, station.status[number], None))

    async def quiet(self, work: Any) -> None:
        with contextlib.suppress(Exception):
            await work

    # -- what a station says --------------------------------------------------------------------

    async def open(self, station: Station) -> None:
        subprotocol = "ocpp1.6" if station.version == "1.6" else "ocpp2.0.1"
        ws = await connect(
            f"{self.url}/{station.station_id}",
            subprotocols=[Subprotocol(subprotocol)],
            open_timeout=self.o.timeout,
            compression=None,
            ping_interval=None,
            max_queue=4,
        )
        station.ws = ws
        station.reader = asyncio.get_running_loop().create_task(self.read(station, ws))

    async def close(self, station: Station) -> None:
        ws, station.ws = station.ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if station.reader is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await station.reader

    async def boot(self, station: Station) -> None:
        """BootNotification until Accepted (Pending / Rejected: again after its interval)."""
        for _ in range(20):
            if station.version == "1.6":
                payload: dict[str, Any] = {
                    "chargePointVendor": "ocpi-cpo",
                    "chargePointModel": "ScaleLoad",
                }
            else:
                payload = {
                    "chargingStation": {"vendorName": "ocpi-cpo", "model": "ScaleLoad"},
                    "reason": "PowerUp",
                }
            reply = await self.call(station, "BootNotification", payload)
            self.boots[reply["status"]] += 1
            if reply["status"] == "Accepted":
                return
            await asyncio.sleep(min(float(reply.get("interval") or 5), 30.0))
        raise OcppError(f"{station.station_id}: never accepted")

    async def send_status(
        self, station: Station, number: int, word: str, kind: str | None = "status"
    ) -> None:
        station.status[number] = word
        event = [station.station_id, number, word, time.time()]
        if kind is not None:
            self.events[kind].append(event)
        if station.version == "1.6":
            payload = {
                "connectorId": number,
                "errorCode": "NoError",
                "status": word,
                "timestamp": _now(),
            }
        else:
            payload = {
                "timestamp": _now(),
                "connectorStatus": word if word in ("Available", "Unavailable") else "Occupied",
                "evseId": number,
                "connectorId": 1,
            }
        try:
            await self.call(station, "StatusNotification", payload)
        except Exception:
            # never answered (timed out, or the connection dropped first): the central system
            # may or may not have taken it; the analysis does not judge this EVSE's order
            event.append("unanswered")
            raise

    async def start(self, station: Station) -> None:
        at = _now()
        if station.version == "1.6":
            reply = await self.call(
                station,
                "StartTransaction",
                {
                    "connectorId": 2,
                    "idTag": BADGE,
                    "meterStart": station.register_wh,
                    "timestamp": at,
                },
            )
            self.starts[reply["idTagInfo"]["status"]] += 1
            if reply["idTagInfo"]["status"] != "Accepted":
                raise OcppError(f"{station.station_id}: start {reply['idTagInfo']['status']}")
            station.transaction = str(reply["transactionId"])
            await self.send_status(station, 2, "Charging", None)
            return
        station.transaction = f"{station.station_id}-2-{time.time_ns()}"
        station.seq = 0
        reply = await self.call(
            station,
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": at,
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": {
                    "transactionId": station.transaction,
                    "chargingState": "Charging",
                },
                "evse": {"id": 2, "connectorId": 1},
                "idToken": {"idToken": BADGE, "type": "ISO14443"},
                "meterValue": [self._sample201(station, "Transaction.Begin")],
            },
        )
        status = (reply.get("idTokenInfo") or {}).get("status", "Accepted")
        self.starts[status] += 1
        if status != "Accepted":
            raise OcppError(f"{station.station_id}: start {status}")
        await self.send_status(station, 2, "Occupied", None)

    def _sample201(self, station: Station, context: str) -> dict[str, Any]:
        return {
            "timestamp": _now(),
            "sampledValue": [
                {"value": station.register_wh, "context": context, "measurand": ENERGY}
            ],
        }

    async def meter(self, station: Station) -> None:
        station.register_wh += 120  # 7.2 kW for a minute
        if station.version == "1.6":
            await self.call(
                station,
                "MeterValues",
                {
                    "connectorId": 2,
                    "transactionId": int(station.transaction or 0),
                    "meterValue": [
                        {
                            "timestamp": _now(),
                            "sampledValue": [
                                {
                                    "value": f"{station.register_wh / 1000:.3f}",
                                    "measurand": ENERGY,
                                    "unit": "kWh",
                                },
                                {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"},
                            ],
                        }
                    ],
                },
            )
            return
        station.seq += 1
        await self.call(
            station,
            "TransactionEvent",
            {
                "eventType": "Updated",
                "timestamp": _now(),
                "triggerReason": "MeterValuePeriodic",
                "seqNo": station.seq,
                "transactionInfo": {"transactionId": station.transaction},
                "meterValue": [self._sample201(station, "Sample.Periodic")],
            },
        )

    async def stop(self, station: Station) -> None:
        self.events["stop"].append([station.station_id, 2, station.transaction, time.time()])
        station.register_wh += 60
        if station.version == "1.6":
            await self.call(
                station,
                "StopTransaction",
                {
                    "meterStop": station.register_wh,
                    "timestamp": _now(),
                    "transactionId": int(station.transaction or 0),
                    "reason": "EVDisconnected",
                    "idTag": BADGE,
                },
            )
        else:
            station.seq += 1
            await self.call(
                station,
                "TransactionEvent",
                {
                    "eventType": "Ended",
                    "timestamp": _now(),
                    "triggerReason": "EVDeparted",
                    "seqNo": station.seq,
                    "transactionInfo": {
                        "transactionId": station.transaction,
                        "stoppedReason": "EVDisconnected",
                        "chargingState": "Idle",
                    },
                    "meterValue": [self._sample201(station, "Transaction.End")],
                },
            )
        station.transaction = None
        await self.send_status(station, 2, "Available", None)

    # -- the phases -----------------------------------------------------------------------------

    async def bring_up(self, station: Station) -> bool:
        try:
            await self.open(station)
            await self.boot(station)
            for number, word in list(station.status.items()):
                await self.send_status(station, number, word, None)
            return True
        except Exception:
            self.connect_failures += 1
            await self.close(station)
            return False

    async def connect_all(self) -> float:
        started = time.monotonic()
        rate = self.o.connect_rate
        semaphore = asyncio.Semaphore(self.o.concurrency)

        async def one(index: int, station: Station) -> bool:
            await asyncio.sleep(index / rate)
            for attempt in range(5):  # a refused or failed connection is tried again
                async with semaphore:
                    if await self.bring_up(station):
                        return True
                await asyncio.sleep(1.0 + attempt)
            return False

        await asyncio.gather(*(one(i, s) for i, s in enumerate(self.stations)))
        return time.monotonic() - started

    async def paced(
        self,
        stations: list[Station],
        spacing: float,
        act: Callable[[Station], None],
        *,
        offset: float = 0.0,
        stride: int = 1,
    ) -> None:
        """Every ``spacing`` seconds from ``offset`` into the phase, the next of ``stations``
        (taken ``stride`` apart) is handed to ``act`` while it is connected, until the phase
        ends. ``act`` starts its work without waiting for it."""
        n = len(stations)
        if spacing <= 0 or n == 0:
            return
        for k in itertools.count():
            station = stations[(k * stride) % n]
            await asyncio.sleep(max(0.0, self.t0 + offset + k * spacing - time.monotonic()))
            if not self.running:
                return
            if station.ws is not None:
                act(station)

    def spawn(self, work: Any) -> None:
        """Start ``work`` without waiting for it (its failure is counted by ``call``)."""
        asyncio.get_running_loop().create_task(self.quiet(work))

    async def heartbeats(self) -> None:
        await self.paced(
            self.stations,
            self.o.heartbeat_interval / len(self.stations),
            lambda station: self.spawn(self.call(station, "Heartbeat", {})),
        )

    async def statuses(self) -> None:
        rate = self.o.status_rate

        def change(station: Station) -> None:
            word = WORDS[0] if station.status[1] == "Available" else WORDS[1]
            self.spawn(self.send_status(station, 1, word))

        # a prime stride spreads the changes over the stations
        await self.paced(
            self.stations, 1 / rate if rate > 0 else 0, change, offset=0.5, stride=7919
        )

    async def ramp(self) -> float:
        """The charging stations start their transactions, spread over ``--ramp`` seconds."""
        started = time.monotonic()
        n = max(1, len(self.charging))

        async def one(index: int, station: Station) -> None:
            await asyncio.sleep(self.o.ramp * index / n)
            try:
                await self.start(station)
            except Exception:
                self.errors["transaction"] += 1

        await asyncio.gather(*(one(i, s) for i, s in enumerate(self.charging)))
        return time.monotonic() - started

    def _charging(self, station: Station) -> bool:
        """In a session, not between two."""
        return station.transaction is not None and not station.busy

    async def meters(self) -> None:
        """MeterValues from each charging station once per ``--meter-interval``, spread evenly."""

        def meter(station: Station) -> None:
            if self._charging(station):
                self.spawn(self.meter(station))

        spacing = self.o.meter_interval / max(1, len(self.charging))
        await self.paced(self.charging, spacing, meter)

    async def sessions(self, tasks: list[asyncio.Task[None]]) -> None:
        """Sessions end at ``--stop-rate`` per second, the charging stations in turn; each starts
        its next session ``--restart-after`` seconds later."""
        rate = self.o.stop_rate

        def end(station: Station) -> None:
            if self._charging(station):
                tasks.append(asyncio.get_running_loop().create_task(self.turn(station)))

        await self.paced(self.charging, 1 / rate if rate > 0 else 0, end, offset=0.5)

    async def turn(self, station: Station) -> None:
        """One session ends, the next starts."""
        station.busy = True
        try:
            await self.stop(station)
            await asyncio.sleep(self.o.restart_after)
            await self.start(station)
            self.restarts += 1
        except Exception:
            self.errors["transaction"] += 1
        finally:
            station.busy = False

    async def steady(self) -> float:
        self.t0 = time.monotonic()
        turns: list[asyncio.Task[None]] = []
        background = [
            asyncio.get_running_loop().create_task(self.heartbeats()),
            asyncio.get_running_loop().create_task(self.statuses()),
            asyncio.get_running_loop().create_task(self.meters()),
            asyncio.get_running_loop().create_task(self.sessions(turns)),
        ]
        await asyncio.sleep(self.o.duration)
        self.running = False
        for task in background:
            task.cancel()
        await asyncio.gather(*turns)  # a session ending as the phase ends starts its next
        await asyncio.sleep(min(2.0, self.o.timeout))  # the last answers
        return time.monotonic() - self.t0

    async def storm(self) -> dict[str, Any]:
        """All stations drop at once; each comes back at a random moment within the window."""
        window = self.o.storm_window
        self.events["storm_at"] = [time.time()]
        await asyncio.gather(*(self.close(s) for s in self.stations))
        started = time.monotonic()
        back: list[float] = []
        home: set[str] = set()
        rng = random.Random(21)
        semaphore = asyncio.Semaphore(self.o.concurrency)

        async def one(station: Station) -> None:
            await asyncio.sleep(rng.uniform(0, window))
            async with semaphore:
                for attempt in range(10):
                    if await self.bring_up(station):
                        back.append(time.monotonic() - started)
                        home.add(station.station_id)
                        for number, word in station.status.items():
                            self.events["storm_status"].append(
                                [station.station_id, number, word, time.time()]
                            )
                        return
                    await asyncio.sleep(1.0 + attempt)

        # The target is every station back within ``storm_limit`` (2 minutes): the storm is
        # judged then and ends there, so a saturated server cannot stretch the run; a station
        # still on its way is dropped and counted as not back.
        limit = max(window, self.o.storm_limit)
        tasks = [asyncio.get_running_loop().create_task(one(s)) for s in self.stations]
        _, late = await asyncio.wait(tasks, timeout=limit)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        # a station cut off mid-way may hold a half-open connection: closed, it stays away
        await asyncio.gather(*(self.close(s) for s in self.stations if s.station_id not in home))
        return {
            "window_s": window,
            "limit_s": limit,
            "back": len(back),
            "not_back": len(self.stations) - len(back),
            "all_back_s": max(back) if len(back) == len(self.stations) else None,
            "last_back_s": max(back) if back else None,
        }


async def settle(url: str, quiet: float = 1.0, limit: float = 120.0) -> float:
    """Until the hub has heard nothing new for ``quiet`` seconds (``url`` counts what it read):
    what the ramp queued at serve (sessions PUT, statuses PATCHed) is delivered before the steady
    phase begins, so that its figures are the steady state's, not the ramp's backlog. The
    seconds it took; at most ``limit``."""
    started = time.monotonic()
    last, since = -1, started
    heard = False
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        while time.monotonic() - started < limit:
            try:
                async with session.get(url) as reply:
                    count = int((await reply.json())["count"])
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
                # a busy hub's slow or odd answer: asked again; never answering ends the wait
                print(
                    f"settle: the hub's count did not come ({exc!r}); asking again", file=sys.stderr
                )
                await asyncio.sleep(0.5)
                continue
            heard = True
            now = time.monotonic()
            if count != last:
                last, since = count, now
            elif now - since >= quiet:
                break
            await asyncio.sleep(0.2)
    if not heard:
        raise RuntimeError(f"settle: the hub never said how many requests it read ({url})")
    return time.monotonic() - started


def _answers(latency: dict[str, list[float]]) -> dict[str, float]:
    """Percentiles of every answer of a phase, whatever its action."""
    return _percentiles([x for samples in latency.values() for x in samples])


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)
    p99 = ordered[max(0, int(len(ordered) * 0.99 + 0.5) - 1)]
    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": p99 * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def raise_open_files(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        soft = min(hard, max(needed, soft)) if hard != resource.RLIM_INFINITY else needed
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)


def _phase(options: argparse.Namespace, name: str) -> None:
    if options.progress:
        print(f"phase {name}", file=sys.stderr, flush=True)


async def run(options: argparse.Namespace) -> dict[str, Any]:
    limit = raise_open_files(options.stations + 100)
    if limit < options.stations + 100:
        raise SystemExit(f"open-file limit {limit} is below {options.stations + 100}")
    load = Load(options)
    cpu = time.process_time()
    # The generator is the instrument: its own collector's pauses (up to 2.4 s with 10,000
    # connections) would be counted as serve's answer time. It collects between phases instead.
    gc.disable()
    connect_s = await load.connect_all()
    gc.collect()
    gc.freeze()  # the stations' connections live for the run
    _phase(options, "connected")
    connected = sum(1 for s in load.stations if s.ws is not None)
    boot_latency = list(load.latency["BootNotification"])
    load.latency.clear()
    ramp = None
    if load.charging:
        _phase(options, "ramp_start")
        ramp_s = await load.ramp()
        _phase(options, "ramp_end")
        ramp = {
            "s": ramp_s,
            "answers": _answers(load.latency),
        }
        if options.settle_url:
            ramp["settle_s"] = await settle(options.settle_url)
            _phase(options, "ramp_settled")
        load.latency.clear()
        gc.collect()
    _phase(options, "steady_start")
    steady_s = await load.steady()
    _phase(options, "steady_end")
    gc.collect()
    steady_answers = _answers(load.latency)
    per_action = {action: _percentiles(v) for action, v in load.latency.items()}
    storm = None
    if options.storm_window > 0:
        load.latency.clear()
        load.running = True
        _phase(options, "storm_start")
        storm = await load.storm()
        _phase(options, "storm_end")
        storm["boot"] = _percentiles(load.latency["BootNotification"])
        storm["answers"] = _answers(load.latency)
    await asyncio.sleep(options.linger)  # the last statuses reach the hub before the drop
    load.events["closed_at"] = [time.time()]
    await asyncio.gather(*(load.close(s) for s in load.stations))
    result = {
        "stations": len(load.stations),
        "versions": dict(Counter(s.version for s in load.stations)),
        "connected": connected,
        "connect_failures": load.connect_failures,
        "connect_s": connect_s,
        "boot": _percentiles(boot_latency),
        "ramp": ramp,
        "steady_s": steady_s,
        "heartbeat_interval_s": options.heartbeat_interval,
        "heartbeats_per_s": len(load.stations) / options.heartbeat_interval
        if options.heartbeat_interval > 0
        else 0,
        "status_rate": options.status_rate,
        "charging": options.charging,
        "meter_interval_s": options.meter_interval,
        "meters_per_s": len(load.charging) / options.meter_interval
        if options.meter_interval > 0
        else 0,
        "stop_rate": options.stop_rate,
        "restart_after_s": options.restart_after,
        "restarts": load.restarts,
        "answers": steady_answers,
        "per_action": per_action,
        "sent": dict(load.sent),
        "answered": dict(load.answered),
        "errors": dict(load.errors),
        "boots": dict(load.boots),
        "starts": dict(load.starts),
        "triggers_answered": load.triggers,
        "status_changes": len(load.events["status"]),
        "stops": len(load.events["stop"]),
        "storm": storm,
        "cpu_s": time.process_time() - cpu,
    }
    if options.events:
        _write(options.events, orjson.dumps(load.events))
    return result


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.scale_load", description=__doc__.split("\n")[0]
    )
    p.add_argument("--url", required=True, help="the gateway, e.g. ws://127.0.0.1:8080/ocpp")
    p.add_argument("--stations", type=int, default=100)
    p.add_argument("--prefix", default="S", help="station ids are PREFIX1, PREFIX2, ...")
    p.add_argument("--first", type=int, default=1)
    p.add_argument("--version", choices=("mixed", "1.6", "2.0.1"), default="mixed")
    p.add_argument("--duration", type=float, default=30.0, help="steady phase, seconds")
    p.add_argument("--heartbeat-interval", type=float, default=30.0, help="per station, seconds")
    p.add_argument("--status-rate", type=float, default=10.0, help="changes/s, all stations")
    p.add_argument("--charging", type=int, default=0, help="stations running a transaction")
    p.add_argument(
        "--ramp", type=float, default=10.0, help="seconds over which the charging stations start"
    )
    p.add_argument(
        "--meter-interval", type=float, default=60.0, help="MeterValues per charging station"
    )
    p.add_argument(
        "--stop-rate", type=float, default=0.0, help="sessions ending per second (steady phase)"
    )
    p.add_argument(
        "--restart-after", type=float, default=2.0, help="seconds from a session's end to the next"
    )
    p.add_argument("--connect-rate", type=float, default=200.0, help="new stations/s at start")
    p.add_argument("--concurrency", type=int, default=200, help="handshakes in flight at once")
    p.add_argument("--storm-window", type=float, default=0.0, help="0: no reconnect storm")
    p.add_argument(
        "--storm-limit",
        type=float,
        default=120.0,
        help="seconds after the drop by which every station must be back; the storm ends then",
    )
    p.add_argument(
        "--settle-url",
        help="after the ramp, wait until this count of what the hub read stops growing",
    )
    p.add_argument("--linger", type=float, default=3.0, help="seconds connected at the end")
    p.add_argument("--timeout", type=float, default=30.0, help="per answer, seconds")
    p.add_argument("--progress", action="store_true", help="'phase NAME' lines on stderr")
    p.add_argument("--events", help="write every status and stop sent (JSON) here")
    return p


if __name__ == "__main__":
    options = parser().parse_args()
    summary = asyncio.run(run(options))
    sys.stdout.write(orjson.dumps(summary).decode() + "\n")
