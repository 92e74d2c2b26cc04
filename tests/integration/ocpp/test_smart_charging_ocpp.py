"""Charging preferences reach a real simulated OCPP station (1.6 and 2.0.1) over a websocket as
SetChargingProfile (services.smart_charging): the station's limit, the meter values under it, the
session's periods, and every way it can go wrong with nothing stored half."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import uvicorn

from ocpi_cpo.api.app import create_app
from ocpi_cpo.config import Settings
from ocpi_cpo.domain.authorization import StoredToken, TokenKey, Whitelist
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.leases import SITE_PREFIX
from ocpi_cpo.domain.sessions import ChargeSession, SessionStatus
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.services import stations as station_service
from ocpi_cpo.services.locations import import_locations
from ocpi_cpo.services.smart_charging import SmartCharging
from ocpi_cpo.sim.station import SimStation
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade
from tests.support.factories import make_settings
from tests.support.locations import make_location
from tests.support.processes import free_port

EMSP = frozenset({("NL", "EMS")})
OTHER = frozenset({("DE", "OTH")})
BADGES = ("04A1B2C3D4E5F6", "04A1B2C3D4E5F7")


@dataclass
class World:
    storage: SqlStorage
    settings: Settings
    url: str = field(init=False)
    context: OcpiContext = field(init=False)
    server: uvicorn.Server = field(init=False)
    task: asyncio.Task[None] = field(init=False)

    async def session(self, evse_uid: str = "E1-1") -> ChargeSession:
        async with self.storage.read() as uow:
            found = [s for s in await uow.sessions.recent(10) if s.evse_uid == evse_uid]
        return found[0]

    async def put(self, session_id: str, body: dict[str, Any], seen_by: Any = EMSP) -> str | None:
        return await self.context.smart_charging.set_preferences(session_id, seen_by, body)

    async def stop(self) -> None:
        """serve stops (its lifespan ends: timers cancelled, the leader's lease released)."""
        self.server.should_exit = True
        await self.task

    async def start(self) -> None:
        """serve starts again over the same database (a new app, a new port)."""
        app = create_app(self.settings, clock=SystemClock(), storage=self.storage)
        port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)
        self.url = f"ws://127.0.0.1:{port}/ocpp"
        self.context = app.state.ocpi


def _token(uid: str) -> StoredToken:
    wire = {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": uid,
        "type": "RFID",
        "contract_id": f"NL-EMS-{uid[-4:]}",
        "issuer": "EMS",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2026-11-24T08:00:00Z",
    }
    return StoredToken(
        TokenKey("NL", "EMS", uid, "RFID"),
        str(wire["contract_id"]),
        True,
        Whitelist.ALWAYS,
        datetime(2026, 11, 24, 8, tzinfo=UTC),
        orjson.dumps(wire),
    )


@contextlib.asynccontextmanager
async def world(tmp_path: Path, **smart: Any) -> AsyncIterator[World]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'smart.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    storage = SqlStorage(engine)
    settings = make_settings(
        url,
        ocpp={"heartbeat_interval": 60, "command_timeout": 2.0, "status_trigger_delay": 0.3},
        commands={"timeout": 3.0},
        smart_charging={"min_interval": 0, **smart},
    )
    location = make_location(1, connectors=1)
    for evse in location["evses"]:
        evse["capabilities"].append("CHARGING_PREFERENCES_CAPABLE")
    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        await import_locations(
            uow,
            publisher(),
            [location],
            [OperatorId.parse("FR*AB1")],
            now,
            allow_unknown_tariffs=True,
        )
        await station_service.add_station(uow, "CP1", "LOC1", {1: "E1-1", 2: "E1-2"}, None, now)
        for badge in BADGES:
            await uow.emsp_tokens.put(_token(badge))
    w = World(storage, settings)
    await w.start()
    try:
        yield w
    finally:
        await w.stop()
        await storage.close()


async def _charging(station: SimStation, number: int = 1) -> None:
    await station.status(number, "Preparing")
    assert await station.start_transaction(number, BADGES[number - 1]) == "Accepted"
    await station.charging(number)
    await station.meter(number, 100, power_w=11000)


def _in(hours: float) -> str:
    moment = datetime.now(UTC) + timedelta(hours=hours)
    return moment.isoformat().replace("+00:00", "Z")


async def _profiles(station: SimStation) -> int:
    count = 0
    while not station.received.empty():
        what, _ = station.received.get_nowait()
        count += what == "SetChargingProfile"
    return count


async def test_preferences_become_the_station_limit(tmp_path: Path, version: str) -> None:
    async with world(tmp_path) as w:
        station = SimStation(w.url, "CP1", version, connectors=2, say=lambda _: None)
        async with station:
            await station.boot()
            await _charging(station)
            session = await w.session()
            assert station.limit_w(1) is None
            wanted = {"profile_type": "REGULAR", "departure_time": _in(4), "energy_need": 20.1}
            assert await w.put(session.key.id, wanted) == "ACCEPTED"
            # 20 kWh still to go (0.1 delivered) over 4 hours (less the time this took): 5 kW
            limit = station.limit_w(1)
            assert limit is not None and 5000 <= limit <= 5005
            drawn = await station.drive(1, 4 * 3600, step=900, ev_max_w=11000)
            assert set(drawn) == {int(limit)}
            await station.stop_transaction(1)
            done = await w.session()
        assert done.charging_preferences == wanted
        assert done.charging_profile is not None
        assert done.charging_profile["periods"][0] == {"start_s": 0, "limit_w": int(limit)}
        assert 100 + 20_000 <= done.metering.energy_wh <= 100 + 20_020
        periods = done.document()["charging_periods"]
        powers = [
            {d["type"]: d["volume"] for d in p["dimensions"]}.get("MAX_POWER") for p in periods
        ]
        assert powers[-2:] == [11, limit / 1000]  # before the profile, then under it
        assert done.status is SessionStatus.COMPLETED


async def test_what_the_spec_answers_without_a_profile(tmp_path: Path) -> None:
    async with world(tmp_path, profile_types=["FAST", "REGULAR", "CHEAP"]) as w:
        station = SimStation(w.url, "CP1", "1.6", connectors=2, say=lambda _: None)
        async with station:
            await station.boot()
            await _charging(station)
            session = await w.session()
            sid = session.key.id
            assert await w.put(sid, {"profile_type": "REGULAR", "energy_need": 5}) == (
                "DEPARTURE_REQUIRED"
            )
            regular = {"profile_type": "REGULAR", "departure_time": _in(2)}
            assert await w.put(sid, regular) == "ENERGY_NEED_REQUIRED"
            green = {"profile_type": "GREEN", "departure_time": _in(2), "energy_need": 5}
            assert await w.put(sid, green) == "PROFILE_TYPE_NOT_SUPPORTED"
            too_much = {"profile_type": "REGULAR", "departure_time": _in(1), "energy_need": 50}
            assert await w.put(sid, too_much) == "NOT_POSSIBLE"
            # another eMSP's session: as if it did not exist (the ownership rule)
            fast = {"profile_type": "FAST"}
            assert await w.put(sid, fast, OTHER) is None
            assert await _profiles(station) == 0
            untouched = await w.session()
            assert untouched.charging_preferences is None and untouched.charging_profile is None
            # a COMPLETED session
            await station.stop_transaction(1)
            assert await w.put(sid, fast) == "NOT_POSSIBLE"
            assert (await w.session()).charging_preferences is None


async def test_a_station_that_rejects_or_is_gone(tmp_path: Path, version: str) -> None:
    async with world(tmp_path) as w:
        station = SimStation(
            w.url,
            "CP1",
            version,
            connectors=2,
            replies={"SetChargingProfile": "Rejected"},
            late_delay=5.0,
            say=lambda _: None,
        )
        await station.connect()
        await station.boot()
        await _charging(station)
        session = await w.session()
        fast = {"profile_type": "FAST"}
        assert await w.put(session.key.id, fast) == "NOT_POSSIBLE"
        assert station.limit_w(1) is None
        # a CALLERROR, then no answer within the OCPP command timeout
        for reply in ("error", "late"):
            station.replies["SetChargingProfile"] = reply
            assert await w.put(session.key.id, fast) == "NOT_POSSIBLE"
        station.replies.clear()
        await station.disconnect()
        assert await w.put(session.key.id, fast) == "NOT_POSSIBLE"  # offline
        kept = await w.session()
        assert kept.charging_preferences is None and kept.charging_profile is None
        assert kept.document() == session.document()  # nothing pushed either


async def test_the_site_limit_holds_every_profile(tmp_path: Path) -> None:
    async with world(tmp_path, site_limits={"LOC1": 15}) as w:
        station = SimStation(w.url, "CP1", "2.0.1", connectors=2, say=lambda _: None)
        async with station:
            await station.boot()
            await _charging(station, 1)
            await _charging(station, 2)
            first, second = await w.session("E1-1"), await w.session("E1-2")
            regular = {"profile_type": "REGULAR", "departure_time": _in(4), "energy_need": 20.1}
            assert await w.put(first.key.id, regular) == "ACCEPTED"
            assert await w.put(second.key.id, {"profile_type": "FAST"}) == "ACCEPTED"
            one, two = station.limit_w(1), station.limit_w(2)
            assert one is not None and two is not None
            assert 5000 <= one <= 5005 and two == 15_000 - one  # what 15 kW leaves
            # FAST again on the first: the second's peak leaves the same
            assert await w.put(first.key.id, {"profile_type": "FAST"}) == "ACCEPTED"
            assert station.limit_w(1) == one
            # and a need that 5 kW cannot meet is refused, the 5 kW profile kept
            need = {"profile_type": "REGULAR", "departure_time": _in(1), "energy_need": 8}
            assert await w.put(first.key.id, need) == "NOT_POSSIBLE"
            assert station.limit_w(1) == one


async def test_preferences_at_once_at_one_site_share_its_limit(tmp_path: Path) -> None:
    """Two drivers' preferences at one Location at the same moment (different sessions, so the
    per-session order does not serialise them): each planned with what the other's running
    profile left, both got the whole 15 kW, and the site drew 30. Planned one after the other
    (one site at a time, across instances too), the second gets what the first leaves."""
    async with world(tmp_path, site_limits={"LOC1": 15}) as w:
        station = SimStation(w.url, "CP1", "2.0.1", connectors=2, say=lambda _: None)
        station.late_delay = 0.5  # each SetChargingProfile accepted half a second later
        async with station:
            await station.boot()
            await _charging(station, 1)
            await _charging(station, 2)
            first, second = await w.session("E1-1"), await w.session("E1-2")
            station.replies["SetChargingProfile"] = "late"
            fast = {"profile_type": "FAST"}
            answers = await asyncio.gather(w.put(first.key.id, fast), w.put(second.key.id, fast))
            assert sorted(answers, key=str) == ["ACCEPTED", "NOT_POSSIBLE"], answers
            one, two = station.limit_w(1), station.limit_w(2)
            assert sorted([one or 0, two or 0]) == [0, 15_000]  # the site limit, not twice it


async def test_another_instance_planning_at_the_site_is_waited_for(tmp_path: Path) -> None:
    """The site's turn is a lease in the database: preferences planned by another instance
    (which holds it) are waited for; one that died frees it when its lease ends."""
    async with world(tmp_path, site_limits={"LOC1": 15}) as w:
        station = SimStation(w.url, "CP1", "2.0.1", connectors=2, say=lambda _: None)
        async with station:
            await station.boot()
            await _charging(station, 1)
            session = await w.session("E1-1")
            async with w.storage.transaction() as uow:  # another instance, planning (or dead)
                assert await uow.leases.take(SITE_PREFIX + "LOC1", "elsewhere/1", 1.0)
            putting = asyncio.create_task(w.put(session.key.id, {"profile_type": "FAST"}))
            await asyncio.sleep(0.3)
            assert not putting.done()  # waits for the other instance's turn
            assert await putting == "ACCEPTED"
            assert station.limit_w(1) == 15_000
            async with w.storage.read() as uow:
                assert await uow.leases.get(SITE_PREFIX + "LOC1") is None  # released after


async def test_preferences_in_a_burst_reach_the_station_once(tmp_path: Path) -> None:
    async with world(tmp_path, min_interval=1.0) as w:
        station = SimStation(w.url, "CP1", "1.6", connectors=2, say=lambda _: None)
        async with station:
            await station.boot()
            await _charging(station)
            sid = (await w.session()).key.id
            assert await w.put(sid, {"profile_type": "FAST"}) == "ACCEPTED"
            assert await _profiles(station) == 1 and station.limit_w(1) == 22_000
            for kwh in (10.1, 15.1, 20.1):
                wanted = {"profile_type": "REGULAR", "departure_time": _in(4), "energy_need": kwh}
                assert await w.put(sid, wanted) == "ACCEPTED"
            assert await _profiles(station) == 0  # within the interval: none sent yet
            assert w.context.smart_charging.pending() == 1
            assert (await w.session()).charging_preferences == wanted  # recorded at once
            async with asyncio.timeout(10):
                while w.context.smart_charging.pending():
                    await asyncio.sleep(0.05)
            assert await _profiles(station) == 1  # one profile, from the latest preferences
            limit = station.limit_w(1)
            assert limit is not None and 5000 <= limit <= 5005  # 20 kWh in 4 h, not 10 or 15
            assert (await w.session()).charging_profile is not None


async def test_a_waiting_profile_outlives_the_instance_that_accepted_it(tmp_path: Path) -> None:
    """Nothing accepted is lost: preferences answered ACCEPTED within the interval reach the
    station from a restarted instance when the one that accepted them died before its timer."""
    async with world(tmp_path, min_interval=1.0) as w:
        station = SimStation(w.url, "CP1", "2.0.1", connectors=2, say=lambda _: None)
        async with station:
            await station.boot()
            await _charging(station)
            sid = (await w.session()).key.id
            assert await w.put(sid, {"profile_type": "FAST"}) == "ACCEPTED"
            assert await _profiles(station) == 1
            for kwh in (10.1, 20.1):
                wanted = {"profile_type": "REGULAR", "departure_time": _in(4), "energy_need": kwh}
                assert await w.put(sid, wanted) == "ACCEPTED"
            waiting = await w.session()
            assert waiting.profile_due_at is not None and waiting.profile_sent_at is not None
            assert waiting.profile_due_at == waiting.profile_sent_at + timedelta(seconds=1)
            # the instance dies: its timer never fires
            await w.context.smart_charging.close()
            await asyncio.sleep(1.5)  # past the due time: nothing was sent
            assert await _profiles(station) == 0
            # a restart: a new service over the same database and stations
            again = SmartCharging(
                w.storage,
                w.context.clock,
                w.context.settings,
                w.context.commands.drivers,
                w.context.sessions,
            )
            try:
                assert await again.resume() == 1
                assert await again.resume() == 0  # already scheduled: not twice
                async with asyncio.timeout(15):
                    while again.pending():
                        await asyncio.sleep(0.05)
                assert await _profiles(station) == 1  # from the latest preferences
                limit = station.limit_w(1)
                assert limit is not None and 5000 <= limit <= 5005  # 20 kWh in 4 h
                sent = await w.session()
                assert sent.profile_due_at is None and sent.charging_preferences == wanted
                assert sent.charging_profile is not None
                assert sent.profile_sent_at is not None
                assert sent.profile_sent_at > waiting.profile_sent_at
                # once sent, nothing is sent again: not by a look, not by another restart
                assert await again.resume() == 0
                assert again.pending() == 0
                await asyncio.sleep(0.2)
                assert await _profiles(station) == 0
            finally:
                await again.close()


async def test_a_waiting_profile_ends_with_its_session(tmp_path: Path) -> None:
    async with world(tmp_path, min_interval=30.0) as w:
        station = SimStation(w.url, "CP1", "1.6", connectors=2, say=lambda _: None)
        async with station:
            await station.boot()
            await _charging(station)
            sid = (await w.session()).key.id
            assert await w.put(sid, {"profile_type": "FAST"}) == "ACCEPTED"
            wanted = {"profile_type": "REGULAR", "departure_time": _in(4), "energy_need": 20.1}
            assert await w.put(sid, wanted) == "ACCEPTED"
            assert (await w.session()).profile_due_at is not None
            await station.stop_transaction(1)
            ended = await w.session()
            assert ended.profile_due_at is None and ended.charging_preferences == wanted
            assert await w.context.smart_charging.resume() == 0


async def test_a_waiting_profile_is_sent_after_serve_restarts(tmp_path: Path) -> None:
    """serve stops with a profile waiting (its timer cancelled) and starts again: the new
    instance's start-up look (the leader job) sends it once the station is back."""
    async with world(tmp_path, min_interval=1.0) as w:
        station = SimStation(w.url, "CP1", "1.6", connectors=2, say=lambda _: None)
        await station.connect()
        await station.boot()
        await _charging(station)
        sid = (await w.session()).key.id
        assert await w.put(sid, {"profile_type": "FAST"}) == "ACCEPTED"
        wanted = {"profile_type": "REGULAR", "departure_time": _in(4), "energy_need": 20.1}
        assert await w.put(sid, wanted) == "ACCEPTED"
        await w.stop()
        await station.disconnect()
        assert await _profiles(station) == 1  # the FAST one only
        assert (await w.session()).profile_due_at is not None
        await w.start()
        station.url = f"{w.url}/CP1"
        await station.connect()
        try:
            await station.boot()
            async with asyncio.timeout(15):
                while station.limit_w(1) == 22_000:
                    await asyncio.sleep(0.05)
            limit = station.limit_w(1)
            assert limit is not None and 5000 <= limit <= 5005  # 20 kWh in 4 h
            # the station applies the profile before it answers; serve records it as sent once
            # the answer is back, a moment later
            async with asyncio.timeout(15):
                while (await w.session()).profile_due_at is not None:
                    await asyncio.sleep(0.05)
            assert await w.context.smart_charging.resume() == 0
            assert await _profiles(station) == 1
        finally:
            await station.disconnect()
