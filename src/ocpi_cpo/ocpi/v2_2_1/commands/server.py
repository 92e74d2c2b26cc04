"""Commands Receiver (mod_commands, "Receiver interface"): ``POST {commands}/{command}``.

The answer is a CommandResponse at once (OCPI 1000, HTTP 200): whether we forward the command and
how many seconds the eMSP should wait for its CommandResult, which we POST to ``response_url``
later (``services.commands``). An unknown location is OCPI 2003 with HTTP 200 (the request
reached the OCPI layer); a body that is not the command's object is OCPI 2001 naming the field;
a command name that is no CommandType is NOT_SUPPORTED (a future command, not a mistake).
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
from ocpi_cpo.ocpi.routing import addressed_party, origin_party, response_routing
from ocpi_cpo.ocpi.v2_2_1.commands.mapping import BODIES, to_request, to_response
from ocpi_cpo.services.command_checks import UnknownLocationError
from ocpi_cpo.services.commands import Sender
from ocpi_cpo.services.errors import RuleViolation


def router() -> APIRouter:
    api = APIRouter(tags=["commands"])

    @api.post("/{command}", summary="Receive a command; its CommandResult follows")
    async def receive_command(
        request: Request, command: str, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        headers = response_routing(request)
        service = context.commands
        try:
            name = CommandName(command)
        except ValueError:
            reply = CommandReply(
                Answer.NOT_SUPPORTED, service.reply_timeout, f"unknown command {command!r}"
            )
            return _answer(context, reply, headers)
        raw = await request.body()
        try:
            body = BODIES[name].model_validate_json(raw)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            ) from None
        sender = Sender(
            caller.partner, addressed_party(request, caller.partner), origin_party(request)
        )
        try:
            reply = await service.receive(sender, to_request(name, body, raw))
        except UnknownLocationError as exc:
            raise UnknownLocation(exc.message, http_status=200, headers=headers) from None
        except RuleViolation as exc:
            raise InvalidParameters(exc.message, headers=headers) from None
        response = _answer(context, reply, headers)
        # Runs once the response is sent: the CommandResult may go only after it.
        response.background = BackgroundTask(service.answered, reply, caller.partner.id)
        return response

    return api


def _answer(context: OcpiContext, reply: CommandReply, headers: dict[str, str]) -> OcpiResponse:
    data = orjson.loads(to_response(reply).model_dump_json(exclude_none=True))
    return ocpi_response(context.clock.now(), data, headers=headers)
