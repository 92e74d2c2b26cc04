"""OCPP 1.6 / 2.0.1 values to and from the driver-neutral domain (ocpp-bridge.md §2.1, §2.3, §2.4).

Every table here is the single place its mapping lives; tests walk each row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ocpi_cpo.domain.stations import AuthorizationOutcome, ChargingState, CommandOutcome, EvseStatus

V16 = "1.6"
V201 = "2.0.1"

#: OCPP connector status -> OCPI EVSE status (§2.1: 1.6 ChargePointStatus, 2.0.1 ConnectorStatus).
#: Preparing and Finishing count as CHARGING: the EVSE is no longer free for a new driver.
STATUS_TO_EVSE: Mapping[str, EvseStatus] = {
    "Available": EvseStatus.AVAILABLE,
    "Preparing": EvseStatus.CHARGING,
    "Charging": EvseStatus.CHARGING,
    "SuspendedEV": EvseStatus.CHARGING,
    "SuspendedEVSE": EvseStatus.CHARGING,
    "Finishing": EvseStatus.CHARGING,
    "Occupied": EvseStatus.CHARGING,  # 2.0.1: the detail is in TransactionEvent.chargingState
    "Reserved": EvseStatus.RESERVED,
    "Unavailable": EvseStatus.INOPERATIVE,
    "Faulted": EvseStatus.OUTOFORDER,
}

#: Several connectors on one EVSE: the first status in this order that any connector has wins
#: (CitrineOS's order: in use, reserved, available, unavailable, faulted).
REDUCTION_ORDER: tuple[EvseStatus, ...] = (
    EvseStatus.CHARGING,
    EvseStatus.RESERVED,
    EvseStatus.AVAILABLE,
    EvseStatus.INOPERATIVE,
    EvseStatus.OUTOFORDER,
)

#: A 1.6 status on connectorId 0 (the whole station) that overrides every EVSE of the station.
STATION_OVERRIDES: Mapping[str, EvseStatus] = {
    "Unavailable": EvseStatus.INOPERATIVE,
    "Faulted": EvseStatus.OUTOFORDER,
}


def connector_status(ocpp_status: str) -> EvseStatus:
    return STATUS_TO_EVSE.get(ocpp_status, EvseStatus.UNKNOWN)


def reduce_statuses(statuses: Iterable[EvseStatus]) -> EvseStatus:
    """One EVSE status from the statuses of its connectors; UNKNOWN when none is known."""
    present = set(statuses)
    for status in REDUCTION_ORDER:
        if status in present:
            return status
    return EvseStatus.UNKNOWN


def evse_status(station_status: str | None, connectors: Iterable[EvseStatus]) -> EvseStatus:
    """The EVSE's status given the station-wide (1.6 connectorId 0) status and its connectors'.

    Unavailable or Faulted on connectorId 0 overrides every EVSE; anything else there (Available)
    means the connectors decide.
    """
    if station_status is not None and station_status in STATION_OVERRIDES:
        return STATION_OVERRIDES[station_status]
    return reduce_statuses(connectors)


#: 1.6 connector status during a transaction -> whether energy flows (TIME vs PARKING_TIME).
CHARGING_STATE_16: Mapping[str, ChargingState] = {
    "Charging": ChargingState.CHARGING,
    "SuspendedEV": ChargingState.NOT_CHARGING,
    "SuspendedEVSE": ChargingState.NOT_CHARGING,
    "Finishing": ChargingState.NOT_CHARGING,
    "Faulted": ChargingState.OUT_OF_ORDER,
}

#: 2.0.1 TransactionEvent transactionInfo.chargingState -> ChargingState.
CHARGING_STATE_201: Mapping[str, ChargingState] = {
    "Charging": ChargingState.CHARGING,
    "EVConnected": ChargingState.NOT_CHARGING,
    "SuspendedEV": ChargingState.NOT_CHARGING,
    "SuspendedEVSE": ChargingState.NOT_CHARGING,
    "Idle": ChargingState.NOT_CHARGING,
}

#: OCPI AllowedType -> OCPP idTagInfo / idTokenInfo status (§2.4; 1.6 has no NoCredit or
#: NotAtThisLocation). A token nobody knows (UNKNOWN) is Invalid.
AUTHORIZATION_STATUS: Mapping[str, Mapping[AuthorizationOutcome, str]] = {
    V16: {
        AuthorizationOutcome.ALLOWED: "Accepted",
        AuthorizationOutcome.BLOCKED: "Blocked",
        AuthorizationOutcome.EXPIRED: "Expired",
        AuthorizationOutcome.NO_CREDIT: "Blocked",
        AuthorizationOutcome.NOT_ALLOWED: "Invalid",
        AuthorizationOutcome.UNKNOWN: "Invalid",
    },
    V201: {
        AuthorizationOutcome.ALLOWED: "Accepted",
        AuthorizationOutcome.BLOCKED: "Blocked",
        AuthorizationOutcome.EXPIRED: "Expired",
        AuthorizationOutcome.NO_CREDIT: "NoCredit",
        AuthorizationOutcome.NOT_ALLOWED: "NotAtThisLocation",
        AuthorizationOutcome.UNKNOWN: "Invalid",
    },
}


def authorization_status(version: str, outcome: AuthorizationOutcome) -> str:
    return AUTHORIZATION_STATUS[version][outcome]


#: OCPI TokenType -> OCPP 2.0.1 IdTokenEnumType (1.6 idTag has no type).
ID_TOKEN_TYPE: Mapping[str, str] = {
    "RFID": "ISO14443",
    "AD_HOC_USER": "Central",
    "APP_USER": "Central",
    "OTHER": "Central",
}

#: OCPP 2.0.1 IdTokenEnumType -> OCPI TokenType.
TOKEN_TYPE: Mapping[str, str] = {
    "ISO14443": "RFID",
    "ISO15693": "RFID",
    "Central": "APP_USER",
    "eMAID": "OTHER",
    "KeyCode": "OTHER",
    "Local": "OTHER",
    "MacAddress": "OTHER",
    "NoAuthorization": "OTHER",
}


class Command:
    START = "START_SESSION"
    STOP = "STOP_SESSION"
    RESERVE = "RESERVE_NOW"
    CANCEL = "CANCEL_RESERVATION"
    UNLOCK = "UNLOCK_CONNECTOR"
    PROFILE = "SET_CHARGING_PROFILE"


#: (command, OCPP reply status) -> CommandOutcome (§2.3). Both versions use the same words.
#: START_SESSION Rejected is refined by :func:`command_outcome` from our view of the EVSE.
COMMAND_REPLIES: Mapping[tuple[str, str], CommandOutcome] = {
    (Command.START, "Accepted"): CommandOutcome.ACCEPTED,
    (Command.START, "Rejected"): CommandOutcome.REJECTED,
    (Command.STOP, "Accepted"): CommandOutcome.ACCEPTED,
    (Command.STOP, "Rejected"): CommandOutcome.REJECTED,
    (Command.RESERVE, "Accepted"): CommandOutcome.ACCEPTED,
    (Command.RESERVE, "Occupied"): CommandOutcome.EVSE_OCCUPIED,
    (Command.RESERVE, "Faulted"): CommandOutcome.EVSE_INOPERATIVE,
    (Command.RESERVE, "Unavailable"): CommandOutcome.EVSE_INOPERATIVE,
    (Command.RESERVE, "Rejected"): CommandOutcome.REJECTED,
    (Command.CANCEL, "Accepted"): CommandOutcome.ACCEPTED,
    (Command.CANCEL, "Rejected"): CommandOutcome.UNKNOWN_RESERVATION,
    (Command.UNLOCK, "Unlocked"): CommandOutcome.ACCEPTED,
    (Command.UNLOCK, "UnlockFailed"): CommandOutcome.FAILED,
    (Command.UNLOCK, "NotSupported"): CommandOutcome.NOT_SUPPORTED,
    (Command.UNLOCK, "OngoingAuthorizedTransaction"): CommandOutcome.EVSE_OCCUPIED,
    (Command.UNLOCK, "UnknownConnector"): CommandOutcome.REJECTED,
    (Command.PROFILE, "Accepted"): CommandOutcome.ACCEPTED,
    (Command.PROFILE, "Rejected"): CommandOutcome.REJECTED,
    (Command.PROFILE, "NotSupported"): CommandOutcome.NOT_SUPPORTED,  # 1.6 only
}

#: CALLERROR codes meaning "the station does not do this".
NOT_SUPPORTED_ERRORS = frozenset({"NotImplemented", "NotSupported"})


def command_outcome(command: str, reply: str, evse: EvseStatus | None = None) -> CommandOutcome:
    """The CommandResult for a station's reply; unknown replies are FAILED."""
    outcome = COMMAND_REPLIES.get((command, reply), CommandOutcome.FAILED)
    if command == Command.START and outcome is CommandOutcome.REJECTED:
        if evse in (EvseStatus.CHARGING, EvseStatus.RESERVED, EvseStatus.BLOCKED):
            return CommandOutcome.EVSE_OCCUPIED
        if evse in (EvseStatus.INOPERATIVE, EvseStatus.OUTOFORDER):
            return CommandOutcome.EVSE_INOPERATIVE
    return outcome


def call_error_outcome(error_code: str) -> CommandOutcome:
    """A CALLERROR answer: NOT_SUPPORTED for NotImplemented/NotSupported, else FAILED."""
    return (
        CommandOutcome.NOT_SUPPORTED
        if error_code in NOT_SUPPORTED_ERRORS
        else CommandOutcome.FAILED
    )
