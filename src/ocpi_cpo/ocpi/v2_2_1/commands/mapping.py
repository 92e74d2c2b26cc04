"""Commands: wire <-> domain. Requests become ``domain.commands.CommandRequest``; answers and
results become the wire CommandResponse and CommandResult."""

from __future__ import annotations

from typing import Any

from ocpi_cpo.domain.commands import CommandName, CommandReply, CommandRequest, CommandToken
from ocpi_cpo.domain.stations import CommandOutcome
from ocpi_cpo.ocpi.v2_2_1.commands.schemas import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import Token
from ocpi_cpo.ocpi.v2_2_1.types import DisplayText, OcpiModel

#: the wire body of each command
BODIES: dict[CommandName, type[OcpiModel]] = {
    CommandName.START_SESSION: StartSession,
    CommandName.STOP_SESSION: StopSession,
    CommandName.RESERVE_NOW: ReserveNow,
    CommandName.CANCEL_RESERVATION: CancelReservation,
    CommandName.UNLOCK_CONNECTOR: UnlockConnector,
}


def _token(token: Token) -> CommandToken:
    return CommandToken(
        uid=str(token.uid),
        type=token.type.value,
        document=token.model_dump_json(exclude_none=True).encode(),
    )


def to_request(name: CommandName, body: OcpiModel, raw: bytes) -> CommandRequest:
    fields: dict[str, Any] = {}
    match body:
        case StartSession():
            fields = {
                "location_id": str(body.location_id),
                "evse_uid": body.evse_uid,
                "connector_id": body.connector_id,
                "token": _token(body.token),
                "authorization_reference": body.authorization_reference,
            }
        case StopSession():
            fields = {"session_id": str(body.session_id)}
        case ReserveNow():
            fields = {
                "location_id": str(body.location_id),
                "evse_uid": body.evse_uid,
                "reservation_id": str(body.reservation_id),
                "token": _token(body.token),
                "authorization_reference": body.authorization_reference,
                "expiry_date": body.expiry_date,
            }
        case CancelReservation():
            fields = {"reservation_id": str(body.reservation_id)}
        case UnlockConnector():
            fields = {
                "location_id": str(body.location_id),
                "evse_uid": str(body.evse_uid),
                "connector_id": str(body.connector_id),
            }
    response_url: object = body.model_dump().get("response_url")
    return CommandRequest(name=name, response_url=str(response_url), document=raw, **fields)


def _text(message: str | None) -> list[DisplayText] | None:
    return [DisplayText(language="en", text=message[:512])] if message else None


def to_response(reply: CommandReply) -> CommandResponse:
    return CommandResponse(
        result=CommandResponseType(reply.answer.value),
        timeout=reply.timeout,
        message=_text(reply.message),
    )


def result_body(outcome: CommandOutcome, message: str | None) -> bytes:
    """The CommandResult POSTed to the response_url."""
    result = CommandResult(result=CommandResultType(outcome.value), message=_text(message))
    return result.model_dump_json(exclude_none=True).encode()
