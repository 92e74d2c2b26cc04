"""The mapping tables, row by row (ocpp-bridge.md §2.1, §2.3, §2.4)."""

from __future__ import annotations

import pytest

from ocpi_cpo.domain.stations import AuthorizationOutcome, ChargingState, CommandOutcome, EvseStatus
from ocpi_cpo.ocpp_gateway.mapping import (
    CHARGING_STATE_16,
    CHARGING_STATE_201,
    V16,
    V201,
    Command,
    authorization_status,
    call_error_outcome,
    command_outcome,
    connector_status,
    evse_status,
    reduce_statuses,
)
from ocpi_cpo.ocpp_gateway.status import StatusBoard

A, C, R, INOP, OOO, U = (
    EvseStatus.AVAILABLE,
    EvseStatus.CHARGING,
    EvseStatus.RESERVED,
    EvseStatus.INOPERATIVE,
    EvseStatus.OUTOFORDER,
    EvseStatus.UNKNOWN,
)


@pytest.mark.parametrize(
    ("ocpp", "ocpi"),
    [
        ("Available", A),
        ("Preparing", C),
        ("Charging", C),
        ("SuspendedEV", C),
        ("SuspendedEVSE", C),
        ("Finishing", C),
        ("Occupied", C),
        ("Reserved", R),
        ("Unavailable", INOP),
        ("Faulted", OOO),
        ("SomethingNew", U),
    ],
)
def test_connector_status(ocpp: str, ocpi: EvseStatus) -> None:
    assert connector_status(ocpp) is ocpi


@pytest.mark.parametrize(
    ("connectors", "expected"),
    [
        ([], U),
        ([A], A),
        ([A, C], C),
        ([A, R], R),
        ([R, C], C),
        ([INOP, A], A),
        ([INOP, OOO], INOP),
        ([OOO], OOO),
        ([U, OOO], OOO),
        ([U], U),
    ],
)
def test_several_connectors_reduce_by_priority(
    connectors: list[EvseStatus], expected: EvseStatus
) -> None:
    assert reduce_statuses(connectors) is expected


@pytest.mark.parametrize(
    ("station", "connectors", "expected"),
    [
        (None, [C], C),
        ("Available", [C], C),  # connectorId 0 Available: the connectors decide
        ("Unavailable", [C], INOP),  # connectorId 0 Unavailable overrides every EVSE
        ("Faulted", [A], OOO),
        ("Faulted", [], OOO),
    ],
)
def test_connector_zero(
    station: str | None, connectors: list[EvseStatus], expected: EvseStatus
) -> None:
    assert evse_status(station, connectors) is expected


def test_board_reports_changes_only_and_connector_zero_for_all() -> None:
    board = StatusBoard({1: "E1", 2: "E2"})
    assert board.update(1, 1, "Available") == [("E1", A)]
    assert board.update(1, 1, "Available") == []
    assert board.update(1, 1, "Preparing") == [("E1", C)]
    assert board.update(1, 1, "Charging") == []  # still CHARGING: nothing to push
    assert board.update(2, 1, "Available") == [("E2", A)]
    assert board.update(0, 0, "Unavailable") == [("E1", INOP), ("E2", INOP)]
    assert board.update(0, 0, "Available") == [("E1", C), ("E2", A)]
    assert board.update(3, 1, "Available") == []  # not mapped: ignored
    board.forget()
    assert board.status_of("E1") is U
    assert board.update(1, 1, "Charging") == [("E1", C)]  # pushed again after a silence


def test_board_two_connectors_on_one_evse() -> None:
    board = StatusBoard({1: "E1"})
    assert board.update(1, 1, "Available") == [("E1", A)]
    assert board.update(1, 2, "Occupied") == [("E1", C)]
    assert board.update(1, 2, "Available") == [("E1", A)]
    assert board.update(1, 1, "Faulted") == []  # connector 2 is still available


@pytest.mark.parametrize(
    ("ocpp", "state"),
    [
        ("Charging", ChargingState.CHARGING),
        ("SuspendedEV", ChargingState.NOT_CHARGING),
        ("SuspendedEVSE", ChargingState.NOT_CHARGING),
        ("Finishing", ChargingState.NOT_CHARGING),
        ("Faulted", ChargingState.OUT_OF_ORDER),
    ],
)
def test_charging_state_16(ocpp: str, state: ChargingState) -> None:
    assert CHARGING_STATE_16[ocpp] is state


@pytest.mark.parametrize(
    ("ocpp", "state"),
    [
        ("Charging", ChargingState.CHARGING),
        ("EVConnected", ChargingState.NOT_CHARGING),
        ("SuspendedEV", ChargingState.NOT_CHARGING),
        ("SuspendedEVSE", ChargingState.NOT_CHARGING),
        ("Idle", ChargingState.NOT_CHARGING),
    ],
)
def test_charging_state_201(ocpp: str, state: ChargingState) -> None:
    assert CHARGING_STATE_201[ocpp] is state


@pytest.mark.parametrize(
    ("outcome", "v16", "v201"),
    [
        (AuthorizationOutcome.ALLOWED, "Accepted", "Accepted"),
        (AuthorizationOutcome.BLOCKED, "Blocked", "Blocked"),
        (AuthorizationOutcome.EXPIRED, "Expired", "Expired"),
        (AuthorizationOutcome.NO_CREDIT, "Blocked", "NoCredit"),
        (AuthorizationOutcome.NOT_ALLOWED, "Invalid", "NotAtThisLocation"),
        (AuthorizationOutcome.UNKNOWN, "Invalid", "Invalid"),
    ],
)
def test_authorization_status(outcome: AuthorizationOutcome, v16: str, v201: str) -> None:
    assert authorization_status(V16, outcome) == v16
    assert authorization_status(V201, outcome) == v201


@pytest.mark.parametrize(
    ("command", "reply", "evse", "outcome"),
    [
        (Command.START, "Accepted", None, CommandOutcome.ACCEPTED),
        (Command.START, "Rejected", None, CommandOutcome.REJECTED),
        (Command.START, "Rejected", A, CommandOutcome.REJECTED),
        (Command.START, "Rejected", C, CommandOutcome.EVSE_OCCUPIED),
        (Command.START, "Rejected", R, CommandOutcome.EVSE_OCCUPIED),
        (Command.START, "Rejected", INOP, CommandOutcome.EVSE_INOPERATIVE),
        (Command.START, "Rejected", OOO, CommandOutcome.EVSE_INOPERATIVE),
        (Command.STOP, "Accepted", None, CommandOutcome.ACCEPTED),
        (Command.STOP, "Rejected", None, CommandOutcome.REJECTED),
        (Command.RESERVE, "Accepted", None, CommandOutcome.ACCEPTED),
        (Command.RESERVE, "Occupied", None, CommandOutcome.EVSE_OCCUPIED),
        (Command.RESERVE, "Faulted", None, CommandOutcome.EVSE_INOPERATIVE),
        (Command.RESERVE, "Unavailable", None, CommandOutcome.EVSE_INOPERATIVE),
        (Command.RESERVE, "Rejected", None, CommandOutcome.REJECTED),
        (Command.CANCEL, "Accepted", None, CommandOutcome.ACCEPTED),
        (Command.CANCEL, "Rejected", None, CommandOutcome.UNKNOWN_RESERVATION),
        (Command.UNLOCK, "Unlocked", None, CommandOutcome.ACCEPTED),
        (Command.UNLOCK, "UnlockFailed", None, CommandOutcome.FAILED),
        (Command.UNLOCK, "NotSupported", None, CommandOutcome.NOT_SUPPORTED),
        (Command.UNLOCK, "OngoingAuthorizedTransaction", None, CommandOutcome.EVSE_OCCUPIED),
        (Command.UNLOCK, "UnknownConnector", None, CommandOutcome.REJECTED),
        (Command.UNLOCK, "Whatever", None, CommandOutcome.FAILED),
        (Command.PROFILE, "Accepted", None, CommandOutcome.ACCEPTED),
        (Command.PROFILE, "Rejected", None, CommandOutcome.REJECTED),
        (Command.PROFILE, "NotSupported", None, CommandOutcome.NOT_SUPPORTED),
    ],
)
def test_command_outcome(
    command: str, reply: str, evse: EvseStatus | None, outcome: CommandOutcome
) -> None:
    assert command_outcome(command, reply, evse) is outcome


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("NotImplemented", CommandOutcome.NOT_SUPPORTED),
        ("NotSupported", CommandOutcome.NOT_SUPPORTED),
        ("InternalError", CommandOutcome.FAILED),
        ("GenericError", CommandOutcome.FAILED),
    ],
)
def test_call_error_outcome(code: str, outcome: CommandOutcome) -> None:
    assert call_error_outcome(code) is outcome
