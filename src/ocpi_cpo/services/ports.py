"""Ports between the station side and the use cases (driver-neutral).

* ``StationEvents``: what a station driver (the OCPP gateway, the simulated driver) reports; the
  session, location and token services implement it.
* ``StationDriver``: how use cases (commands) act on stations; the OCPP gateway and the simulated
  driver implement it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from ocpi_cpo.domain.stations import (
    AuthorizationDecision,
    AuthorizationRequest,
    ChargingState,
    CommandOutcome,
    EvseStatus,
    MeterReading,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.services.ownership import Parties


class StationEvents(Protocol):
    async def station_online(self, station_id: str, at: datetime) -> None: ...

    async def station_offline(
        self, station_id: str, at: datetime, epoch: int | None = None
    ) -> None:
        """The connection dropped or heartbeats were missed: its EVSEs become UNKNOWN. With
        ``epoch`` (the connection's, ``stations.connected``), only while no newer connection of
        the station exists: a station back at once keeps the statuses it has just reported."""
        ...

    async def evse_status(self, evse_uid: str, status: EvseStatus, at: datetime) -> None: ...

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision: ...

    async def transaction_started(self, event: TransactionStarted) -> AuthorizationDecision:
        """Open the session; the decision tells the station whether the token may charge."""
        ...

    async def meter_values(self, *readings: MeterReading) -> None:
        """The readings of one message, in order (one write: the session's update is queued
        once for them)."""
        ...

    async def charging_state(
        self, station_id: str, transaction_id: str, state: ChargingState, at: datetime
    ) -> None: ...

    async def transaction_stopped(self, event: TransactionStopped) -> None: ...


class SessionDirectory(Protocol):
    """What commands need to know of sessions (implemented by the session service)."""

    async def transaction_of(
        self, session_id: str, parties: Parties, operation: tuple[str, str] | None = None
    ) -> tuple[str, str] | None:
        """(station_id, transaction_id) of an ACTIVE or PENDING session of a token of one of
        ``parties`` (None: of any party), at ``operation`` when given (a partner bound to one
        operation), else None (services.ownership)."""
        ...


class StationDriver(Protocol):
    def is_online(self, evse_uid: str) -> bool: ...

    def live_status(self, evse_uid: str) -> EvseStatus | None:
        """The EVSE's status as its station said it last on its connection to this instance;
        None when it said none there. Newer than the stored status, which follows it: a
        StatusNotification is answered before its status is stored (ocpp_gateway.link)."""
        ...

    async def start_session(
        self,
        evse_uid: str,
        connector_id: str | None,
        uid: str,
        token_type: str,
        remote_start_id: int,
    ) -> CommandOutcome: ...

    async def stop_session(self, station_id: str, transaction_id: str) -> CommandOutcome: ...

    async def reserve_now(
        self,
        evse_uid: str | None,
        location_id: str,
        reservation_id: int,
        uid: str,
        token_type: str,
        expiry: datetime,
    ) -> CommandOutcome: ...

    async def cancel_reservation(self, station_id: str, reservation_id: int) -> CommandOutcome: ...

    async def unlock_connector(self, evse_uid: str, connector_id: str) -> CommandOutcome: ...

    async def set_charging_profile(
        self, station_id: str, transaction_id: str, evse_uid: str, profile: dict[str, Any]
    ) -> CommandOutcome:
        """A TxProfile on the transaction: ``profile`` is a ``domain.smart_charging``
        ChargingPlan as JSON (power limits in W from its start)."""
        ...
