"""OCPI 2.1.1 Commands: wire <-> domain.

A command's Token (2.1.1: no owner) becomes the stored token form (``tokens.mapping``) under the
party the sender acts for: the partner's one party (2.1.1 credentials name one), so the charge a
START_SESSION begins is the eMSP's own (its sessions and CDRs reach it and only it). Answers and
results are the one 2.1.1 CommandResponse: the outcomes 2.1.1 has no name for (EVSE_OCCUPIED,
EVSE_INOPERATIVE, FAILED, CANCELED_RESERVATION, UNKNOWN_RESERVATION) are REJECTED.
"""

from __future__ import annotations

from typing import Any

import orjson

from ocpi_cpo.domain.commands import CommandName, CommandReply, CommandRequest, CommandToken
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.stations import CommandOutcome
from ocpi_cpo.ocpi.v2_1_1.commands.schemas import (
    CommandResponse,
    CommandResponseType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from ocpi_cpo.ocpi.v2_1_1.tokens.mapping import stored_form
from ocpi_cpo.ocpi.v2_1_1.tokens.schemas import Token
from ocpi_cpo.ocpi.v2_2_1.types import OcpiModel

#: the wire body of each 2.1.1 command
BODIES: dict[CommandName, type[OcpiModel]] = {
    CommandName.START_SESSION: StartSession,
    CommandName.STOP_SESSION: StopSession,
    CommandName.RESERVE_NOW: ReserveNow,
    CommandName.UNLOCK_CONNECTOR: UnlockConnector,
}

_RESULTS = {
    CommandOutcome.ACCEPTED: CommandResponseType.ACCEPTED,
    CommandOutcome.NOT_SUPPORTED: CommandResponseType.NOT_SUPPORTED,
    CommandOutcome.TIMEOUT: CommandResponseType.TIMEOUT,
}


def owner_of(partner: Partner) -> tuple[str, str]:
    """The party a 2.1.1 partner's tokens belong to: its one party (an eMSP first)."""
    parties = [r for r in partner.roles if r.role == "EMSP"] or list(partner.roles)
    if not parties:
        return "", ""
    return parties[0].country_code.upper(), parties[0].party_id.upper()


def _token(token: Token, partner: Partner) -> CommandToken:
    document = stored_form(token.model_dump(mode="json"), *owner_of(partner))
    return CommandToken(uid=token.uid, type=token.type.value, document=orjson.dumps(document))


def to_request(name: CommandName, body: OcpiModel, raw: bytes, partner: Partner) -> CommandRequest:
    fields: dict[str, Any] = {}
    match body:
        case StartSession():
            fields = {
                "location_id": body.location_id,
                "evse_uid": body.evse_uid,
                "token": _token(body.token, partner),
                "authorization_reference": body.authorization_id,
            }
        case StopSession():
            fields = {"session_id": body.session_id}
        case ReserveNow():
            fields = {
                "location_id": body.location_id,
                "evse_uid": body.evse_uid,
                "reservation_id": str(body.reservation_id),
                "token": _token(body.token, partner),
                "authorization_reference": body.authorization_id,
                "expiry_date": body.expiry_date,
            }
        case UnlockConnector():
            fields = {
                "location_id": body.location_id,
                "evse_uid": body.evse_uid,
                "connector_id": body.connector_id,
            }
    response_url: object = body.model_dump().get("response_url")
    return CommandRequest(name=name, response_url=str(response_url), document=raw, **fields)


def to_response(reply: CommandReply) -> CommandResponse:
    return CommandResponse(result=CommandResponseType(reply.answer.value))


def result_body(outcome: CommandOutcome) -> bytes:
    """The CommandResponse POSTed to the response_url (2.1.1: the same object as the answer)."""
    result = CommandResponse(result=_RESULTS.get(outcome, CommandResponseType.REJECTED))
    return result.model_dump_json().encode()
