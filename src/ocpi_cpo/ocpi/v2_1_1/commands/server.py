"""Commands Receiver, OCPI 2.1.1 (mod_commands 2.1.1, CPO interface): ``POST {commands}/{command}``.

The same service and rules as 2.2.1 (``services.commands``: profile, response_url, location and
EVSE checks, the station call, exactly one result): only the wire differs. The answer is a 2.1.1
CommandResponse (``result``; 2.1.1 has no ``timeout`` nor ``message``), the result another one
POSTed to ``response_url`` (``receiver.py``). A command 2.1.1 does not have (CANCEL_RESERVATION,
or any other name) is NOT_SUPPORTED; a body that is not the command's object is OCPI 2001 naming
the field; an unknown location OCPI 2003.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.background import BackgroundTask

from ocpi_cpo.domain.commands import Answer, CommandName, CommandReply
from ocpi_cpo.ocpi.auth import FunctionalCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.errors import InvalidParameters, UnknownLocation
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import addressed_party, origin_party
from ocpi_cpo.ocpi.v2_1_1.commands.mapping import BODIES, to_request, to_response
from ocpi_cpo.services.command_checks import UnknownLocationError
from ocpi_cpo.services.commands import Sender
from ocpi_cpo.services.errors import RuleViolation


def router() -> APIRouter:
    api = APIRouter(tags=["commands 2.1.1"])

    @api.post("/{command}", summary="Receive a command (OCPI 2.1.1); its CommandResponse follows")
    async def receive_command(
        request: Request, command: str, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        service = context.commands
        try:
            name = CommandName(command)
        except ValueError:
            name = None
        if name is None or name not in BODIES:
            reply = CommandReply(Answer.NOT_SUPPORTED, service.reply_timeout)
            return _answer(context, reply)
        raw = await request.body()
        try:
            body = BODIES[name].model_validate_json(raw)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            ) from None
        try:
            # OCPI 2.1.1 has no routing headers; a hub that sends them anyway acts for the party
            # it names there, as on 2.2.1 (services.ownership), never for more.
            sender = Sender(
                caller.partner, addressed_party(request, caller.partner), origin_party(request)
            )
            reply = await service.receive(sender, to_request(name, body, raw, caller.partner))
        except UnknownLocationError as exc:
            raise UnknownLocation(exc.message, http_status=200) from None
        except RuleViolation as exc:
            raise InvalidParameters(exc.message) from None
        response = _answer(context, reply)
        # Runs once the response is sent: the result may go only after it.
        response.background = BackgroundTask(service.answered, reply, caller.partner.id)
        return response

    return api


def _answer(context: OcpiContext, reply: CommandReply) -> OcpiResponse:
    data = orjson.loads(to_response(reply).model_dump_json())
    return ocpi_response(context.clock.now(), data)
