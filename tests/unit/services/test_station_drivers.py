"""StationDrivers: OCPP for EVSEs whose station is connected, simulated stations otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.stations import CommandOutcome, EvseStatus
from ocpi_cpo.services.simulated_stations import SimulatedStations
from ocpi_cpo.services.station_drivers import StationDrivers


class FakeOcpp:
    """An OCPP driver with one connected EVSE; records what it was asked."""

    def __init__(self, online: set[str]) -> None:
        self.online = online
        self.calls: list[str] = []

    def is_online(self, evse_uid: str) -> bool:
        return evse_uid in self.online

    def live_status(self, evse_uid: str) -> EvseStatus | None:
        return None

    async def start_session(
        self, evse_uid: str, connector_id: str | None, uid: str, token_type: str, rid: int
    ) -> CommandOutcome:
        self.calls.append(f"start {evse_uid}")
        return CommandOutcome.ACCEPTED if evse_uid in self.online else CommandOutcome.FAILED

    async def stop_session(self, station_id: str, transaction_id: str) -> CommandOutcome:
        self.calls.append(f"stop {transaction_id}")
        return CommandOutcome.ACCEPTED

    async def reserve_now(
        self,
        evse_uid: str | None,
        location_id: str,
        reservation_id: int,
        uid: str,
        token_type: str,
        expiry: datetime,
    ) -> CommandOutcome:
        self.calls.append(f"reserve {evse_uid}")
        return CommandOutcome.FAILED

    async def cancel_reservation(self, station_id: str, reservation_id: int) -> CommandOutcome:
        self.calls.append(f"cancel {reservation_id}")
        return CommandOutcome.UNKNOWN_RESERVATION

    async def unlock_connector(self, evse_uid: str, connector_id: str) -> CommandOutcome:
        self.calls.append(f"unlock {evse_uid}")
        return CommandOutcome.ACCEPTED

    async def set_charging_profile(
        self, station_id: str, transaction_id: str, evse_uid: str, profile: dict[str, Any]
    ) -> CommandOutcome:
        self.calls.append(f"profile {transaction_id}")
        return CommandOutcome.ACCEPTED


async def test_connected_stations_go_over_ocpp_the_others_are_simulated() -> None:
    ocpp, simulated = FakeOcpp({"CP1*1"}), SimulatedStations(SystemClock())
    drivers = StationDrivers(ocpp, simulated)
    assert drivers.is_online("CP1*1") and drivers.is_online("E1-1")
    assert await drivers.start_session("CP1*1", "1", "U", "RFID", 1) is CommandOutcome.ACCEPTED
    assert await drivers.start_session("E1-1", "1", "U", "RFID", 2) is CommandOutcome.ACCEPTED
    assert ocpp.calls == ["start CP1*1"]
    await simulated.idle()
    (transaction,) = simulated.transactions
    assert await drivers.stop_session("SIM:E1-1", transaction) is CommandOutcome.ACCEPTED
    assert await drivers.stop_session("CP1", "42") is CommandOutcome.ACCEPTED
    assert ocpp.calls[-1] == "stop 42"
    expiry = datetime(2099, 1, 1, tzinfo=UTC)
    assert await drivers.reserve_now(None, "LOC1", 7, "U", "RFID", expiry) is (
        CommandOutcome.ACCEPTED  # no OCPP station there: simulated
    )
    assert await drivers.cancel_reservation("SIM", 7) is CommandOutcome.ACCEPTED
    assert await drivers.cancel_reservation("CP1", 8) is CommandOutcome.UNKNOWN_RESERVATION
    await simulated.close()


async def test_without_simulation_offline_evses_fail() -> None:
    drivers = StationDrivers(FakeOcpp(set()))
    assert not drivers.is_online("E1-1")
    assert await drivers.start_session("E1-1", None, "U", "RFID", 1) is CommandOutcome.FAILED
    assert await StationDrivers().unlock_connector("E1-1", "1") is CommandOutcome.FAILED


async def test_a_profile_goes_where_its_transaction_is() -> None:
    ocpp, simulated = FakeOcpp({"CP1*1"}), SimulatedStations(SystemClock())
    drivers = StationDrivers(ocpp, simulated)
    plan = {"start": "2026-12-03T18:00:00+00:00", "periods": [], "phases": 3, "planned_wh": 0}
    assert await drivers.set_charging_profile("CP1", "7", "CP1*1", plan) is CommandOutcome.ACCEPTED
    assert ocpp.calls == ["profile 7"]
    assert await drivers.start_session("E1-1", "1", "U", "RFID", 2) is CommandOutcome.ACCEPTED
    await simulated.idle()
    [transaction] = simulated.transactions
    outcome = await drivers.set_charging_profile("SIM", transaction, "E1-1", plan)
    assert outcome is CommandOutcome.ACCEPTED and simulated.profiles[transaction] == plan
    assert ocpp.calls == ["profile 7"]
