"""Commands wire models: request bodies, CommandResponse and CommandResult."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, JsonValue

from ocpi_cpo.ocpi.v2_2_1.commands.schemas import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from tests.contract.spec_examples import (
    error_fields,
    load_example,
    normalise,
    rejection,
    wire,
)

RESPONSE_URL = "https://hub.example.com/ocpi/2.2.1/commands/START_SESSION/1234"


def _start_session() -> dict[str, JsonValue]:
    return {
        "response_url": RESPONSE_URL,
        "token": load_example("token_example_1_app_user.json"),
        "location_id": "LOC1",
        "evse_uid": "3256",
        "connector_id": "1",
        "authorization_reference": "AUTH-1",
    }


REQUESTS: list[tuple[type[BaseModel], dict[str, JsonValue]]] = [
    (StartSession, _start_session()),
    (StopSession, {"response_url": RESPONSE_URL, "session_id": "101"}),
    (
        ReserveNow,
        {
            "response_url": RESPONSE_URL,
            "token": load_example("token_example_1_app_user.json"),
            "expiry_date": "2026-11-24T09:00:00Z",
            "reservation_id": "R1",
            "location_id": "LOC1",
            "evse_uid": "3256",
        },
    ),
    (CancelReservation, {"response_url": RESPONSE_URL, "reservation_id": "R1"}),
    (
        UnlockConnector,
        {
            "response_url": RESPONSE_URL,
            "location_id": "LOC1",
            "evse_uid": "3256",
            "connector_id": "1",
        },
    ),
    (CommandResponse, {"result": "ACCEPTED", "timeout": 30}),
    (
        CommandResult,
        {"result": "EVSE_OCCUPIED", "message": [{"language": "en", "text": "Connector in use"}]},
    ),
]


@pytest.mark.parametrize(("model", "data"), REQUESTS, ids=[m.__name__ for m, _ in REQUESTS])
def test_round_trip(model: type[BaseModel], data: dict[str, JsonValue]) -> None:
    assert normalise(wire(model.model_validate(data))) == normalise(data)


@pytest.mark.parametrize(("model", "data"), REQUESTS, ids=[m.__name__ for m, _ in REQUESTS])
def test_every_required_field_is_named_when_missing(
    model: type[BaseModel], data: dict[str, JsonValue]
) -> None:
    for field, info in model.model_fields.items():
        if not info.is_required():
            continue
        partial = {key: value for key, value in data.items() if key != field}
        assert error_fields(rejection(model, partial)) == {(field,)}


def test_connector_id_needs_evse_uid() -> None:
    data = _start_session()
    del data["evse_uid"]
    assert "evse_uid" in str(rejection(StartSession, data))


def test_too_long_cistring_is_named() -> None:
    data = _start_session()
    data["location_id"] = "L" * 37
    assert error_fields(rejection(StartSession, data)) == {("location_id",)}


def test_response_url_is_at_most_255() -> None:
    data = _start_session()
    data["response_url"] = "https://hub.example.com/" + "x" * 240
    assert error_fields(rejection(StartSession, data)) == {("response_url",)}


def test_expiry_date_must_be_utc() -> None:
    data = dict(REQUESTS[2][1])
    data["expiry_date"] = "2026-11-24T10:00:00+01:00"
    assert error_fields(rejection(ReserveNow, data)) == {("expiry_date",)}


def test_unknown_result_is_named() -> None:
    data: JsonValue = {"result": "MAYBE", "timeout": 30}
    assert error_fields(rejection(CommandResponse, data)) == {("result",)}


def test_enum_values_equal_member_names() -> None:
    for enum in (CommandType, CommandResponseType):
        assert all(member.name == member.value for member in enum)
