"""``OcppDriver``: the ``StationDriver`` port over the connected OCPP stations (ocpp-bridge.md §2.3).

Each command is one CALL on the station's connection, awaited in the caller's task (never in a
message handler); its end becomes a ``CommandOutcome``: the reply by the mapping table, a CALLERROR
NotImplemented/NotSupported -> NOT_SUPPORTED, another CALLERROR or a dropped connection -> FAILED,
no reply within ``ocpp.command_timeout`` -> TIMEOUT (a late reply is dropped). A station that is
not connected (no connected station has that EVSE, station or location) -> FAILED; an EVSE not at
the given location, or a transaction id that cannot be one -> REJECTED.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ocpi_cpo.domain.stations import CommandOutcome, EvseStatus
from ocpi_cpo.ocpp_gateway._lib import call16, call201
from ocpi_cpo.ocpp_gateway.heartbeats import Heartbeats
from ocpi_cpo.ocpp_gateway.link import REMOTE_START_WINDOW, PendingStart, StationLink
from ocpi_cpo.ocpp_gateway.mapping import ID_TOKEN_TYPE, V16, Command

LOG = logging.getLogger(__name__)
#: chargingProfileId of the TxProfile of connector/EVSE n: PROFILE_ID_BASE + n (a new profile
#: with the same id replaces the previous one at the station)
PROFILE_ID_BASE = 100


def _id_token(uid: str, token_type: str) -> dict[str, str]:
    return {"id_token": uid, "type": ID_TOKEN_TYPE.get(token_type, "Central")}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


class OcppDriver:
    """Registry of connected stations and the commands they can be sent."""

    def __init__(self) -> None:
        self._links: dict[str, StationLink] = {}
        #: told when a station connects or leaves (station presence across instances)
        self.on_change: Callable[[], None] | None = None
        #: the gateway's shared heartbeat writes, finished at close
        self.heartbeats: Heartbeats | None = None

    # -- the registry of connections (used by the gateway) ----------------------------------

    def attach(self, link: StationLink) -> StationLink | None:
        """Register a new connection; return the one it replaces, if any."""
        previous = self._links.get(link.station_id)
        self._links[link.station_id] = link
        if self.on_change is not None:
            self.on_change()
        return previous

    def detach(self, link: StationLink) -> bool:
        """Forget a closed connection; False when a newer one has replaced it already."""
        if self._links.get(link.station_id) is link:
            del self._links[link.station_id]
            if self.on_change is not None:
                self.on_change()
            return True
        return False

    def link(self, station_id: str) -> StationLink | None:
        return self._links.get(station_id)

    def connected(self) -> list[str]:
        return sorted(self._links)

    def _by_evse(self, evse_uid: str) -> tuple[StationLink, int] | None:
        for link in self._links.values():
            number = link.number_of(evse_uid)
            if number is not None:
                return link, number
        return None

    async def close(self, timeout: float = 10.0) -> None:
        """Close every station connection and wait until their last events are delivered."""
        links = list(self._links.values())
        for link in links:
            await link.close()
        if links:
            waits = [asyncio.create_task(link.finished.wait()) for link in links]
            _, pending = await asyncio.wait(waits, timeout=timeout)
            for task in pending:
                task.cancel()
        if self.heartbeats is not None:
            await self.heartbeats.close()

    # -- StationDriver ------------------------------------------------------------------------

    def is_online(self, evse_uid: str) -> bool:
        found = self._by_evse(evse_uid)
        return found is not None and found[0].online

    def live_status(self, evse_uid: str) -> EvseStatus | None:
        """What the station said last on this connection (its StatusBoard), before it is stored."""
        found = self._by_evse(evse_uid)
        if found is None or not found[0].online:
            return None
        status = found[0].evse_state(evse_uid)
        return None if status is EvseStatus.UNKNOWN else status

    async def start_session(
        self,
        evse_uid: str,
        connector_id: str | None,
        uid: str,
        token_type: str,
        remote_start_id: int,
    ) -> CommandOutcome:
        found = self._by_evse(evse_uid)
        if found is None:
            return CommandOutcome.FAILED
        link, number = found
        counter: int | None = None
        if link.version == V16:
            request: object = call16.RemoteStartTransaction(id_tag=uid, connector_id=number)
        else:
            async with link.storage.transaction() as uow:
                counter = await uow.stations.next_remote_start_id(link.station_id)
            request = call201.RequestStartTransaction(
                id_token=_id_token(uid, token_type), remote_start_id=counter, evse_id=number
            )
        pending = PendingStart(
            remote_start_id,
            uid,
            token_type,
            number,
            counter,
            time.monotonic() + REMOTE_START_WINDOW,
        )
        link.remember_start(pending)
        outcome = await link.send(request, Command.START, link.evse_state(evse_uid))
        if outcome is not CommandOutcome.ACCEPTED:
            link.consume(pending)
        return outcome

    async def stop_session(self, station_id: str, transaction_id: str) -> CommandOutcome:
        link = self._links.get(station_id)
        if link is None:
            return CommandOutcome.FAILED
        if link.version == V16:
            if not transaction_id.isdigit():
                return CommandOutcome.REJECTED
            request: object = call16.RemoteStopTransaction(transaction_id=int(transaction_id))
        else:
            request = call201.RequestStopTransaction(transaction_id=transaction_id)
        return await link.send(request, Command.STOP)

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
            found = self._by_evse(evse_uid)
            if found is None:
                return CommandOutcome.FAILED
            link, number = found
            if link.station.location_id != location_id:
                return CommandOutcome.REJECTED
        else:
            at_location = [
                link
                for link in self._links.values()
                if link.station.location_id == location_id and link.online
            ]
            if not at_location:
                return CommandOutcome.FAILED
            link, number = at_location[0], 0  # 1.6 connectorId 0: any connector
        if link.version == V16:
            request: object = call16.ReserveNow(
                connector_id=number,
                expiry_date=_iso(expiry),
                id_tag=uid,
                reservation_id=reservation_id,
            )
        else:
            request = call201.ReserveNow(
                id=reservation_id,
                expiry_date_time=_iso(expiry),
                id_token=_id_token(uid, token_type),
                evse_id=number or None,
            )
        return await link.send(request, Command.RESERVE)

    async def cancel_reservation(self, station_id: str, reservation_id: int) -> CommandOutcome:
        link = self._links.get(station_id)
        if link is None:
            return CommandOutcome.FAILED
        module = call16 if link.version == V16 else call201
        return await link.send(
            module.CancelReservation(reservation_id=reservation_id), Command.CANCEL
        )

    async def unlock_connector(self, evse_uid: str, connector_id: str) -> CommandOutcome:
        found = self._by_evse(evse_uid)
        if found is None:
            return CommandOutcome.FAILED
        link, number = found
        if link.version == V16:
            request: object = call16.UnlockConnector(connector_id=number)
        else:
            if not connector_id.isdigit():
                return CommandOutcome.REJECTED
            request = call201.UnlockConnector(evse_id=number, connector_id=int(connector_id))
        return await link.send(request, Command.UNLOCK)

    async def set_charging_profile(
        self, station_id: str, transaction_id: str, evse_uid: str, profile: dict[str, Any]
    ) -> CommandOutcome:
        """SetChargingProfile, a TxProfile on the transaction (1.6: on its connector with the
        integer transactionId; 2.0.1: on its EVSE with the transactionId string), limits in W."""
        link = self._links.get(station_id)
        if link is None or not link.online:
            return CommandOutcome.FAILED
        number = link.number_of(evse_uid)
        if number is None:
            return CommandOutcome.REJECTED
        schedule: dict[str, Any] = {
            "start_schedule": _iso(datetime.fromisoformat(profile["start"])),
            "charging_rate_unit": "W",
            "charging_schedule_period": [
                {
                    "start_period": int(p["start_s"]),
                    "limit": float(p["limit_w"]),
                    "number_phases": int(profile["phases"]),
                }
                for p in profile["periods"]
            ],
        }
        body: dict[str, Any] = {
            "stack_level": 0,
            "charging_profile_purpose": "TxProfile",
            "charging_profile_kind": "Absolute",
        }
        if link.version == V16:
            if not transaction_id.isdigit():
                return CommandOutcome.REJECTED
            request: object = call16.SetChargingProfile(
                connector_id=number,
                cs_charging_profiles={
                    "charging_profile_id": PROFILE_ID_BASE + number,
                    "transaction_id": int(transaction_id),
                    **body,
                    "charging_schedule": schedule,
                },
            )
        else:
            request = call201.SetChargingProfile(
                evse_id=number,
                charging_profile={
                    "id": PROFILE_ID_BASE + number,
                    "transaction_id": transaction_id,
                    **body,
                    "charging_schedule": [{"id": PROFILE_ID_BASE + number, **schedule}],
                },
            )
        return await link.send(request, Command.PROFILE)
