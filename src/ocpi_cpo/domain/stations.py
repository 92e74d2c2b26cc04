"""What stations tell us and what we ask of them, independent of OCPP versions.

The OCPP gateway translates OCPP 1.6J / 2.0.1 into these events (``services.ports.StationEvents``)
and carries out commands through a ``services.ports.StationDriver``; sessions, locations and
tokens never see OCPP (architecture.md; ocpp-bridge.md §2).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


class EvseStatus(enum.StrEnum):
    """OCPI EVSE status values (mod_locations Status)."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class ChargingState(enum.StrEnum):
    """Whether energy flows; decides TIME versus PARKING_TIME (ocpp-bridge.md §2.5)."""

    CHARGING = "CHARGING"  # 1.6 Charging; 2.0.1 chargingState Charging
    NOT_CHARGING = "NOT_CHARGING"  # SuspendedEV / SuspendedEVSE / Finishing / EVConnected / Idle
    OUT_OF_ORDER = "OUT_OF_ORDER"  # Faulted during a charge: not billed (gireve.md §11.2)


class AuthorizationOutcome(enum.StrEnum):
    """OCPI AllowedType values; the gateway maps them to OCPP (ocpp-bridge.md §2.4)."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"
    UNKNOWN = "UNKNOWN"  # no such token anywhere: OCPP Invalid


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    station_id: str
    evse_uid: str | None  # None when the station did not say which EVSE (e.g. 1.6 Authorize)
    uid: str  # as the station read it (idTag / idToken)
    token_type: str = "RFID"  # OCPI TokenType


@dataclass(frozen=True, slots=True)
class AuthorizationDecision:
    outcome: AuthorizationOutcome
    authorization_reference: str | None = None
    #: decided without the hub (whitelist rules while it was slow or down)
    offline: bool = False
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.outcome is AuthorizationOutcome.ALLOWED


@dataclass(frozen=True, slots=True)
class TransactionStarted:
    station_id: str
    evse_uid: str
    connector_id: str
    #: the station's transaction id (1.6: the int we issued, as text; 2.0.1: the station's id)
    transaction_id: str
    uid: str
    token_type: str
    meter_start_wh: Decimal
    started_at: datetime
    remote_start_id: int | None = None
    #: False when the station gave no register reading at the start (2.0.1 without a
    #: Transaction.Begin sample): ``meter_start_wh`` is then 0 and the first reading is the start
    meter_start_known: bool = True


@dataclass(frozen=True, slots=True)
class MeterReading:
    station_id: str
    transaction_id: str
    at: datetime
    #: Energy.Active.Import.Register in Wh
    register_wh: Decimal | None = None
    power_w: Decimal | None = None
    current_a: Decimal | None = None
    state_of_charge: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SignedValue:
    nature: str  # Start | End | Intermediate
    plain_data: str
    signed_data: str


@dataclass(frozen=True, slots=True)
class TransactionStopped:
    station_id: str
    transaction_id: str
    meter_stop_wh: Decimal | None
    stopped_at: datetime
    reason: str | None = None
    signed_values: tuple[SignedValue, ...] = field(default_factory=tuple)
    encoding_method: str | None = None  # e.g. OCMF, for CDR signed_data
    public_key: str | None = None


class CommandOutcome(enum.StrEnum):
    """OCPI CommandResultType values (mod_commands)."""

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"
