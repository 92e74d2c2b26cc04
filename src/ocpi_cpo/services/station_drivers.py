"""``StationDrivers``: the one ``StationDriver`` commands use, over the OCPP gateway's driver and,
when ``[commands] simulate_stations`` is on, simulated stations.

An EVSE whose station is connected over OCPP to this instance is always driven over OCPP; one
whose station another instance holds is driven through that instance (``relay``,
services.station_relay); any other EVSE is driven by the simulated stations when there are some,
else by the OCPP driver (which answers FAILED: no station connected). A transaction or
reservation the simulated stations made stays theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocpi_cpo.domain.stations import CommandOutcome, EvseStatus
from ocpi_cpo.services.ports import StationDriver
from ocpi_cpo.services.simulated_stations import SimulatedStations
from ocpi_cpo.services.station_relay import StationRelay


class StationDrivers:
    def __init__(
        self,
        ocpp: StationDriver | None = None,
        simulated: SimulatedStations | None = None,
        relay: StationRelay | None = None,
    ) -> None:
        self.ocpp = ocpp
        self.simulated = simulated
        self.relay = relay

    async def prepare(self) -> None:
        """Learn which stations other instances hold (before a command is planned)."""
        if self.relay is not None:
            await self.relay.refresh()

    def _for_evse(self, evse_uid: str) -> StationDriver | None:
        if self.ocpp is not None and self.ocpp.is_online(evse_uid):
            return self.ocpp
        if self.relay is not None and self.relay.is_online(evse_uid):
            return self.relay
        return self.simulated if self.simulated is not None else self.ocpp

    def _for_station(self, station_id: str) -> StationDriver | None:
        if self.relay is not None and self.relay.holds(station_id):
            return self.relay
        return self.ocpp

    def is_online(self, evse_uid: str) -> bool:
        driver = self._for_evse(evse_uid)
        return driver is not None and driver.is_online(evse_uid)

    def live_status(self, evse_uid: str) -> EvseStatus | None:
        """The status the EVSE's station said last, when it is connected to this instance
        (``StationDriver.live_status``); None otherwise."""
        return self.ocpp.live_status(evse_uid) if self.ocpp is not None else None

    async def start_session(
        self,
        evse_uid: str,
        connector_id: str | None,
        uid: str,
        token_type: str,
        remote_start_id: int,
    ) -> CommandOutcome:
        driver = self._for_evse(evse_uid)
        if driver is None:
            return CommandOutcome.FAILED
        return await driver.start_session(evse_uid, connector_id, uid, token_type, remote_start_id)

    async def stop_session(self, station_id: str, transaction_id: str) -> CommandOutcome:
        if self.simulated is not None and self.simulated.has_transaction(transaction_id):
            return await self.simulated.stop_session(station_id, transaction_id)
        driver = self._for_station(station_id)
        if driver is None:
            return CommandOutcome.FAILED
        return await driver.stop_session(station_id, transaction_id)

    async def reserve_now(
        self,
        evse_uid: str | None,
        location_id: str,
        reservation_id: int,
        uid: str,
        token_type: str,
        expiry: datetime,
    ) -> CommandOutcome:
        if evse_uid is not None:
            driver = self._for_evse(evse_uid)
            if driver is None:
                return CommandOutcome.FAILED
            return await driver.reserve_now(
                evse_uid, location_id, reservation_id, uid, token_type, expiry
            )
        outcome = CommandOutcome.FAILED
        if self.ocpp is not None:
            outcome = await self.ocpp.reserve_now(
                None, location_id, reservation_id, uid, token_type, expiry
            )
        if outcome is CommandOutcome.FAILED and self.relay is not None:
            outcome = await self.relay.reserve_now(
                None, location_id, reservation_id, uid, token_type, expiry
            )
        if outcome is CommandOutcome.FAILED and self.simulated is not None:
            outcome = await self.simulated.reserve_now(
                None, location_id, reservation_id, uid, token_type, expiry
            )
        return outcome

    async def cancel_reservation(self, station_id: str, reservation_id: int) -> CommandOutcome:
        if self.simulated is not None and self.simulated.has_reservation(reservation_id):
            return await self.simulated.cancel_reservation(station_id, reservation_id)
        driver = self._for_station(station_id)
        if driver is None:
            return CommandOutcome.FAILED
        return await driver.cancel_reservation(station_id, reservation_id)

    async def unlock_connector(self, evse_uid: str, connector_id: str) -> CommandOutcome:
        driver = self._for_evse(evse_uid)
        if driver is None:
            return CommandOutcome.FAILED
        return await driver.unlock_connector(evse_uid, connector_id)

    async def set_charging_profile(
        self, station_id: str, transaction_id: str, evse_uid: str, profile: dict[str, Any]
    ) -> CommandOutcome:
        if self.simulated is not None and self.simulated.has_transaction(transaction_id):
            return await self.simulated.set_charging_profile(
                station_id, transaction_id, evse_uid, profile
            )
        driver = self._for_station(station_id)
        if driver is None:
            return CommandOutcome.FAILED
        return await driver.set_charging_profile(station_id, transaction_id, evse_uid, profile)
