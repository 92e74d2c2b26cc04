"""The station registry and OCPP counters on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ocpi_cpo.services import stations as service
from ocpi_cpo.services.dropped_stations import DroppedStations
from ocpi_cpo.services.errors import ConflictError, NotFoundError, RuleViolation
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.clock import SteppedClock

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def test_add_get_list_remove(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        added = await service.add_station(
            uow, "CP1", "LOC1", {1: "FR*AB1*E1", 2: "FR*AB1*E2"}, "a-station-password-16+", NOW
        )
        await service.add_station(uow, "CP0", "LOC2", {1: "FR*AB1*E3"}, None, NOW)
    assert added.evses == {1: "FR*AB1*E1", 2: "FR*AB1*E2"}
    assert added.needs_password and added.created_at == NOW and not added.online
    async with storage.read() as uow:
        listed = await service.list_stations(uow)
    assert [(s.station_id, s.needs_password) for s in listed] == [("CP0", False), ("CP1", True)]
    async with storage.read() as uow:
        assert await uow.stations.count() == 2
    async with storage.transaction() as uow:
        await service.remove_station(uow, "CP1")
    async with storage.read() as uow:
        assert await uow.stations.get("CP1") is None
        assert await uow.stations.count() == 1
        assert await uow.stations.owner_of(["FR*AB1*E1"]) == {}
    async with storage.transaction() as uow:
        with pytest.raises(NotFoundError, match="no station 'CP1'"):
            await service.remove_station(uow, "CP1")


async def test_conflicts_and_rules(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        await service.add_station(uow, "CP1", "LOC1", {1: "E1"}, None, NOW)
    async with storage.transaction() as uow:
        with pytest.raises(ConflictError, match="already exists"):
            await service.add_station(uow, "CP1", "LOC1", {1: "E9"}, None, NOW)
        with pytest.raises(ConflictError, match="EVSE E1 is already mapped to station CP1"):
            await service.add_station(uow, "CP2", "LOC1", {1: "E1"}, None, NOW)
        with pytest.raises(RuleViolation, match="16 to 40"):
            await service.add_station(uow, "CP3", "LOC1", {1: "E3"}, "short", NOW)


async def test_connection_state_and_counters(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        await service.add_station(uow, "CP1", "LOC1", {1: "E1"}, None, NOW)
        await service.add_station(uow, "CP2", "LOC1", {1: "E2"}, None, NOW)
    async with storage.transaction() as uow:
        await uow.stations.connected("CP1", "2.0.1", NOW)
        await uow.stations.booted(
            "CP1", vendor="V", model="M", firmware_version="1.2", now=NOW + timedelta(seconds=1)
        )
        counters = [await uow.stations.next_remote_start_id("CP1") for _ in range(3)]
        other = await uow.stations.next_remote_start_id("CP2")
        ids = [await uow.stations.new_transaction_id(s, 1, "TAG", NOW) for s in ("CP1", "CP2")]
    assert counters == [1, 2, 3] and other == 1  # per station
    assert ids[1] > ids[0] > 0  # one sequence for all 1.6 stations
    async with storage.read() as uow:
        station = await uow.stations.get("CP1")
    assert station is not None
    assert (station.ocpp_version, station.vendor, station.firmware_version) == ("2.0.1", "V", "1.2")
    grace = timedelta(seconds=600)
    assert station.is_connected(NOW, grace)
    assert not station.is_connected(NOW + timedelta(hours=1), grace)  # stale flag
    async with storage.transaction() as uow:
        await uow.stations.disconnected("CP1", NOW + timedelta(seconds=5))
    async with storage.read() as uow:
        gone = await uow.stations.get("CP1")
    assert gone is not None and not gone.is_connected(NOW, grace)
    assert gone.disconnected_at == NOW + timedelta(seconds=5)


async def test_a_closed_connection_does_not_mark_a_newer_one_offline(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        await service.add_station(uow, "CP1", "LOC1", {1: "E1"}, None, NOW)
    async with storage.transaction() as uow:
        old = await uow.stations.connected("CP1", "1.6", NOW)
        new = await uow.stations.connected("CP1", "1.6", NOW + timedelta(seconds=1))
    assert new == old + 1
    async with storage.transaction() as uow:
        assert not await uow.stations.disconnected("CP1", NOW + timedelta(seconds=2), old)
        assert await uow.stations.connection_epoch("CP1", for_update=True) == new
    async with storage.read() as uow:
        station = await uow.stations.get("CP1")
    assert station is not None and station.online
    async with storage.transaction() as uow:
        assert await uow.stations.disconnected("CP1", NOW + timedelta(seconds=3), new)
        assert await uow.stations.connection_epoch("nobody") is None
    async with storage.read() as uow:
        station = await uow.stations.get("CP1")
    assert station is not None and not station.online


async def test_heartbeats_of_many_stations_in_one_write(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        for n in (1, 2, 3):
            await service.add_station(uow, f"CP{n}", "LOC1", {1: f"E{n}"}, None, NOW)
    async with storage.transaction() as uow:
        epochs = {n: await uow.stations.connected(f"CP{n}", "1.6", NOW) for n in (1, 2)}
        await uow.stations.connected("CP2", "1.6", NOW)  # CP2 connected again since
    later = NOW + timedelta(seconds=30)
    async with storage.transaction() as uow:
        await uow.stations.heartbeats(
            {"CP1": (later, epochs[1]), "CP2": (later, epochs[2]), "CP3": (later, None)}
        )
    async with storage.read() as uow:
        seen = {n: await uow.stations.get(f"CP{n}") for n in (1, 2, 3)}
    assert seen[1] is not None and seen[1].last_heartbeat_at == later
    assert seen[2] is not None and seen[2].last_heartbeat_at is None  # the old connection's
    assert seen[3] is not None and seen[3].last_heartbeat_at == later
    assert not seen[3].online  # online is written by connections, not heartbeats


async def test_a_heartbeat_written_after_its_connection_closed_leaves_the_station_offline(
    storage: SqlStorage,
) -> None:
    async with storage.transaction() as uow:
        await service.add_station(uow, "CP1", "LOC1", {1: "E1"}, None, NOW)
        epoch = await uow.stations.connected("CP1", "1.6", NOW)
    async with storage.transaction() as uow:
        assert await uow.stations.disconnected("CP1", NOW + timedelta(seconds=2), epoch)
    async with storage.transaction() as uow:  # the flusher's batch, noted before the close
        await uow.stations.heartbeats({"CP1": (NOW + timedelta(seconds=1), epoch)})
    async with storage.read() as uow:
        station = await uow.stations.get("CP1")
    assert station is not None and not station.online


async def test_stations_offline_past_the_grace_until_their_end_is_reported(
    storage: SqlStorage,
) -> None:
    async with storage.transaction() as uow:
        for n in (1, 2, 3, 4):
            await service.add_station(uow, f"CP{n}", "LOC1", {1: f"E{n}"}, None, NOW)
        epochs = {n: await uow.stations.connected(f"CP{n}", "1.6", NOW) for n in (1, 2, 3)}
        await uow.stations.disconnected("CP1", NOW + timedelta(seconds=10), epochs[1])
        await uow.stations.disconnected("CP2", NOW + timedelta(seconds=5), epochs[2])
    # CP3 stays online, CP4 never connected: neither is due
    async with storage.read() as uow:
        assert await uow.stations.offline_unreported(NOW + timedelta(seconds=4), 10) == []
        due = await uow.stations.offline_unreported(NOW + timedelta(seconds=60), 10)
        assert due == [("CP2", epochs[2]), ("CP1", epochs[1])]  # the longest offline first
        assert await uow.stations.offline_unreported(NOW + timedelta(seconds=60), 1) == due[:1]
        assert await uow.stations.online_since_before(NOW + timedelta(seconds=1)) == [
            ("CP3", epochs[3])
        ]
        assert await uow.stations.online_since_before(NOW) == []
    async with storage.transaction() as uow:
        await uow.stations.offline_reported("CP2", epochs[2])
        await uow.stations.offline_reported("CP1", epochs[1] - 1)  # an older epoch: nothing
    async with storage.read() as uow:
        due = await uow.stations.offline_unreported(NOW + timedelta(seconds=60), 10)
    assert due == [("CP1", epochs[1])]
    # CP2 back and dropped again: its new connection's end is due in turn
    async with storage.transaction() as uow:
        again = await uow.stations.connected("CP2", "1.6", NOW + timedelta(seconds=20))
        await uow.stations.disconnected("CP2", NOW + timedelta(seconds=21), again)
    async with storage.read() as uow:
        due = await uow.stations.offline_unreported(NOW + timedelta(seconds=60), 10)
    assert due == [("CP1", epochs[1]), ("CP2", again)]


async def test_a_drop_that_cannot_be_reported_holds_back_no_other(storage: SqlStorage) -> None:
    """The leader's look (services.dropped_stations): a station whose report fails is tried
    again at the next look, the others are reported and not asked again."""
    asked: list[str] = []

    class Events:
        async def station_offline(self, station_id: str, at: datetime, epoch: int) -> None:
            asked.append(station_id)
            if station_id == "CP1" and asked.count("CP1") == 1:
                raise RuntimeError("the database went away")

    async with storage.transaction() as uow:
        for n in (1, 2):
            await service.add_station(uow, f"CP{n}", "LOC1", {1: f"E{n}"}, None, NOW)
            epoch = await uow.stations.connected(f"CP{n}", "1.6", NOW)
            await uow.stations.disconnected(f"CP{n}", NOW, epoch)
    later = NOW + timedelta(seconds=120)
    dropped = DroppedStations(storage, Events(), SteppedClock(later), 60.0)  # type: ignore[arg-type]
    assert await dropped.look() == 1  # CP2; CP1 failed
    assert await dropped.look() == 1  # CP1 again, CP2 not asked again
    assert await dropped.look() == 0
    assert asked == ["CP1", "CP2", "CP1"]
