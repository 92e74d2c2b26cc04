"""CPU per station message, in process (issue 21: serve spent several ms of CPU per message).

The services a station's messages reach (``StationEventsService``, the heartbeat flusher), driven
with many messages against a fresh SQLite database, a hub registered for Locations, Sessions and
CDRs (a Gireve profile: every session change a whole PUT), no worker sending. Phases, each
counted alone: StatusNotifications, starts (with the CHARGING state a 2.0.1 station sends),
MeterValues (register and power), heartbeats, stops (each with its priced CDR). Stations report
together as they do in ``serve``: each round's messages are started at once and share the group
commit's transactions. Each charge has its own badge (whitelisted, decided locally); one whole
charge on a station of its own first, so modules imported on first use and SQLAlchemy's first
compiles are not counted.

Figures: CPU microseconds per message, the whole process (``time.process_time``: the event loop
and SQLite's thread) and the event loop's thread alone (``time.thread_time``: the part that holds
the GIL, what saturates a core first). No network, no OCPP parsing: what the services and storage
cost. ``python -m bench.station_cpu [--stations N] [--rounds N] [--repeat N]``; repeat runs and
take the lowest figure of each phase (the machine is shared: the lowest is the least disturbed).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiosqlite
import orjson
from sqlalchemy import event

from ocpi_cpo.config import Settings, load_settings
from ocpi_cpo.domain.authorization import StoredToken, TokenKey, Whitelist
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.partners import Direction, Endpoint, PartnerState, PartyRole
from ocpi_cpo.domain.stations import (
    ChargingState,
    EvseStatus,
    MeterReading,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.journal import Journal
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.transport import OcpiReply, TransportError
from ocpi_cpo.ocpi.v2_2_1.tariffs.mapping import our_parties, read_tariffs
from ocpi_cpo.ocpp_gateway.heartbeats import Heartbeats
from ocpi_cpo.services import locations as location_service
from ocpi_cpo.services import stations as station_service
from ocpi_cpo.services import tariffs as tariff_service
from ocpi_cpo.services.station_events import StationEventsService
from ocpi_cpo.sim import demo_data
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade


def uid(n: int) -> str:
    """Charge ``n``'s badge (one each, as a network's drivers have)."""
    return f"04A23BC15D{n:04X}"


MODULES = ("locations", "sessions", "cdrs", "tariffs")


#: what ``--dump`` writes, in order: every row a station's messages may write or queue
DUMPED = (
    "outbox",
    "sessions",
    "cdrs",
    "authorizations",
    "locations",
    "location_evses",
    "stations",
)


class _FixedClock:
    """``--dump``: one moment for everything, so two runs store the same bytes."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def dump(database: Path, into: Path) -> None:
    """The rows of ``DUMPED`` as JSON lines, comparable between runs: session ids (random) named
    by their transaction; the outbox in queue order per object (the order that is kept: starts
    made together may be decided in another order), other tables sorted, without row numbers."""
    connection = sqlite3.connect(database)
    try:
        names = dict(connection.execute("SELECT session_id, transaction_id FROM sessions"))
        lines: list[str] = []
        for table in DUMPED:
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608
            columns = [d[0] for d in cursor.description]
            rows = []
            for row in cursor:
                values = [v.decode() if isinstance(v, bytes) else v for v in row]
                found = dict(zip(columns, values, strict=True))
                text = orjson.dumps(found).decode()
                for session_id, transaction_id in names.items():
                    text = text.replace(session_id, f"<session {transaction_id}>")
                rows.append(orjson.loads(text))
            if table == "outbox":
                rows.sort(key=lambda r: (r["object_key"], r["id"]))
            for found in rows:
                found.pop("id" if table in ("outbox", "authorizations") else "pk", None)
                found.pop("latency_ms", None)  # the time a decision took
            texts = [orjson.dumps([table, r], option=orjson.OPT_SORT_KEYS).decode() for r in rows]
            lines.extend(texts if table == "outbox" else sorted(texts))
        into.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    finally:
        connection.close()


class _NoTransport:
    """Nothing is sent here (no worker runs, tokens are whitelisted); the context wants one."""

    async def send(self, method: str, url: str, **_: Any) -> OcpiReply:
        raise TransportError("refused", f"bench.station_cpu sends nothing ({method} {url})")

    async def close(self) -> None:
        return None


def _settings(url: str) -> Settings:
    return load_settings(
        database_url=url,
        public_url="http://cpo.bench",
        admin_token="admin-token-0123456789abcdef",
        business_details={"name": "Bench CPO"},
        operations=[
            {"operator_id": operator, "name": operator, "network_group": "g"}
            for operator in demo_data.OPERATIONS
        ],
        reconcile={"enabled": False},
    )


def _token(n: int) -> StoredToken:
    wire = {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": uid(n),
        "type": "RFID",
        "contract_id": f"NL-EMS-C{n:08d}",
        "issuer": "EMS",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2026-11-24T08:00:00Z",
    }
    return StoredToken(
        TokenKey("NL", "EMS", uid(n), "RFID"),
        f"NL-EMS-C{n:08d}",
        True,
        Whitelist.ALWAYS,
        datetime(2026, 11, 24, 8, tzinfo=UTC),
        orjson.dumps(wire),
    )


async def _network(storage: SqlStorage, context: OcpiContext, stations: int) -> None:
    now = context.clock.now()
    async with storage.transaction() as uow:
        partner = await uow.partners.create(
            "bench-hub", "gireve-preprod", PartnerState.INVITED, now
        )
        await uow.partners.save_connection(
            partner.id,
            state=PartnerState.REGISTERED,
            direction=Direction.FROM_PARTNER,
            versions_url="http://127.0.0.1:9/ocpi/versions",
            version="2.2.1",
            endpoints=[Endpoint(m, "RECEIVER", f"http://127.0.0.1:9/{m}") for m in MODULES],
            roles=[PartyRole("HUB", "FR", "107")],
            outbound_token="unused",
            registered_at=now,
        )
        documents = [{**t, "start_date_time": "2026-01-01T00:00:00Z"} for t in demo_data.tariffs()]
        tariffs = read_tariffs(documents, owner=None, now=now)
        await tariff_service.publish(
            uow, context.publisher, tariffs, our_parties(context.settings), now
        )
        await location_service.import_locations(
            uow,
            context.publisher,
            demo_data.locations(stations, now),
            [OperatorId.parse(o) for o in demo_data.OPERATIONS],
            now,
        )
        for n in range(1, stations + 1):
            evses = {1: f"E{n}-1", 2: f"E{n}-2"}
            await station_service.add_station(uow, f"S{n}", f"LOC{n}", evses, None, now)
        for n in range(1, stations + 1):
            await uow.emsp_tokens.put(_token(n))


Phase = Callable[[], Iterable[Awaitable[Any]]]
#: per message: CPU us of the process, of the loop's thread; statements; hops to SQLite's thread
Figures = tuple[float, float, float, float]


async def _rounds(rounds: Iterable[Phase]) -> int:
    count = 0
    for messages in rounds:
        started = list(messages())
        count += len(started)
        await asyncio.gather(*started)
    return count


class _Counted:
    """Statements SQLite ran and hops to its thread (each a hand-off the loop waits for)."""

    statements = 0
    hops = 0

    @classmethod
    def install(cls, storage: SqlStorage) -> None:
        def seen(*_: object) -> None:
            cls.statements += 1

        for engine in storage.sync_engines:
            event.listen(engine, "before_cursor_execute", seen)
        if getattr(aiosqlite.Connection, "_counted", False):
            return
        handing: Any = aiosqlite.Connection._execute

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            cls.hops += 1
            return await handing(self, fn, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
        aiosqlite.Connection._counted = True  # type: ignore[attr-defined]


async def _measured(name: str, rounds: Iterable[Phase], figures: dict[str, Figures]) -> None:
    gc.collect()
    statements, hops = _Counted.statements, _Counted.hops
    process, thread = time.process_time(), time.thread_time()
    count = await _rounds(rounds)
    process, thread = time.process_time() - process, time.thread_time() - thread
    figures[name] = (
        process / count * 1e6,
        thread / count * 1e6,
        (_Counted.statements - statements) / count,
        (_Counted.hops - hops) / count,
    )


async def _warm_up(events: StationEventsService, n: int, t0: datetime) -> None:
    """One whole charge on the last station's second EVSE (no measured charge uses it): modules
    imported on first use and SQLAlchemy's first compiles are not counted in the phases."""
    await events.evse_status(f"E{n}-1", EvseStatus.AVAILABLE, t0)
    await events.transaction_started(
        TransactionStarted(f"S{n}", f"E{n}-2", "1", "WARM", uid(n), "RFID", Decimal(0), t0)
    )
    await events.charging_state(f"S{n}", "WARM", ChargingState.CHARGING, t0)
    at = t0 + timedelta(seconds=60)
    await events.meter_values(MeterReading(f"S{n}", "WARM", at, register_wh=Decimal(500)))
    await events.transaction_stopped(TransactionStopped(f"S{n}", "WARM", Decimal(900), at))


async def run(stations: int, rounds: int, into: Path | None = None) -> dict[str, Figures]:
    """CPU microseconds per message by phase: (process, event loop's thread); ``into``: the
    rows stored and queued, written there (``dump``), with one fixed moment for the clock."""
    figures: dict[str, Figures] = {}
    charging = stations // 2
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'station_cpu.db'}"
        engine = create_engine(url)
        await upgrade(engine)
        storage = SqlStorage(engine)
        try:
            moment = datetime(2026, 12, 3, 12, tzinfo=UTC)
            clock = _FixedClock(moment) if into is not None else SystemClock()
            context = OcpiContext(
                _settings(url),
                clock,
                storage,
                _NoTransport(),
                Journal(),
            )
            await _network(storage, context, stations)
            _Counted.install(storage)
            events = StationEventsService(storage, context.authorization, context.sessions)
            t0 = clock.now().replace(microsecond=0)
            await _warm_up(events, stations, t0)
            statuses = (EvseStatus.AVAILABLE, EvseStatus.CHARGING)

            def status_round(r: int) -> Phase:
                return lambda: (
                    events.evse_status(f"E{n}-1", statuses[(r + n) % 2], t0)
                    for n in range(1, stations + 1)
                )

            await _measured("StatusNotification", (status_round(r) for r in range(rounds)), figures)

            def start_one(n: int) -> Awaitable[Any]:
                async def started() -> None:
                    await events.transaction_started(
                        TransactionStarted(
                            f"S{n}", f"E{n}-2", "1", f"TX{n}", uid(n), "RFID", Decimal(1000), t0
                        )
                    )
                    await events.charging_state(f"S{n}", f"TX{n}", ChargingState.CHARGING, t0)

                return started()

            start_rounds = [
                (lambda k=k: (start_one(n) for n in range(k + 1, min(k + 20, charging) + 1)))
                for k in range(0, charging, 20)
            ]
            await _measured("start (and CHARGING)", start_rounds, figures)

            def meter_round(r: int) -> Phase:
                at = t0 + timedelta(seconds=60 * (r + 1))
                return lambda: (
                    events.meter_values(
                        MeterReading(
                            f"S{n}",
                            f"TX{n}",
                            at,
                            register_wh=Decimal(1000 + 183 * (r + 1)),
                            power_w=Decimal(11000 + r % 7),
                        )
                    )
                    for n in range(1, charging + 1)
                )

            await _measured("MeterValues", (meter_round(r) for r in range(rounds * 2)), figures)

            heartbeats = Heartbeats(storage)

            def heartbeat_round(r: int) -> Phase:
                def noted() -> Iterable[Awaitable[Any]]:
                    at = t0 + timedelta(seconds=r)
                    for n in range(1, stations + 1):
                        heartbeats.note(f"S{n}", at, None)
                    return [heartbeats.close()]  # one flush writes the round

                return noted

            await _measured("Heartbeat", (heartbeat_round(r) for r in range(rounds)), figures)
            process, thread, statements, hops = figures["Heartbeat"]  # per round
            figures["Heartbeat"] = (
                process / stations,
                thread / stations,
                statements / stations,
                hops / stations,
            )

            stop_at = t0 + timedelta(seconds=60 * (rounds * 2 + 1))
            stop_rounds = [
                (
                    lambda k=k: (
                        events.transaction_stopped(
                            TransactionStopped(f"S{n}", f"TX{n}", Decimal(90_000), stop_at)
                        )
                        for n in range(k + 1, min(k + 20, charging) + 1)
                    )
                )
                for k in range(0, charging, 20)
            ]
            await _measured("stop (and CDR)", stop_rounds, figures)
        finally:
            await storage.close()
        if into is not None:
            dump(Path(folder) / "station_cpu.db", into)
    return figures


def best_of(runs: Iterable[dict[str, Figures]]) -> dict[str, Figures]:
    """Per phase, the lowest of each run's two CPU figures (a shared machine only adds to them);
    the counts, exact, from the last run."""
    best: dict[str, Figures] = {}
    for figures in runs:
        for name, found in figures.items():
            was = best.get(name)
            if was is not None:
                found = (min(was[0], found[0]), min(was[1], found[1]), found[2], found[3])
            best[name] = found
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dump", type=Path, help="write the rows stored and queued here (once)")
    options = parser.parse_args()
    if options.dump is not None:
        asyncio.run(run(options.stations, options.rounds, options.dump))
        return
    best = best_of(
        asyncio.run(run(options.stations, options.rounds)) for _ in range(options.repeat)
    )
    print(
        f"{'phase':<24} {'process us/msg':>15} {'loop thread us/msg':>19} {'statements':>11} {'hops':>6}"
    )
    for name, (process, thread, statements, hops) in best.items():
        print(f"{name:<24} {process:>15,.0f} {thread:>19,.0f} {statements:>11.2f} {hops:>6.1f}")


if __name__ == "__main__":
    main()
