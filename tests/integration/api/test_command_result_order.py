"""A command's result goes only after its CommandResponse was answered (issue 16 item 5): a
station that answers before our HTTP answer left has its result held until then."""

from __future__ import annotations

import orjson

from ocpi_cpo.domain.commands import CommandName
from ocpi_cpo.domain.delivery import MessageState, QueueFilter
from ocpi_cpo.ocpi.v2_2_1.commands.mapping import BODIES, to_request
from ocpi_cpo.services.commands import Sender
from tests.integration.api.commands_support import Commands, commands, ready, start_body

__all__ = ["commands"]


async def test_result_held_until_the_response_went_out(commands: Commands) -> None:
    await ready(commands)
    commands.stations.plan(CommandName.START_SESSION)  # the station accepts at once
    async with commands.network.storage.read() as uow:
        [partner] = await uow.partners.all()
    raw = orjson.dumps(start_body())
    request = to_request(
        CommandName.START_SESSION, BODIES[CommandName.START_SESSION].model_validate_json(raw), raw
    )
    # The use case alone, as the route runs it before its answer is sent.
    reply = await commands.service.receive(Sender(partner, ("FR", "AB1"), ("NL", "EMS")), request)
    assert reply.command_id is not None
    await commands.service.idle()  # the station answered, the result is queued
    assert await commands.settle() == []  # held: the eMSP has not had its CommandResponse
    async with commands.network.storage.read() as uow:
        [held] = await uow.outbox.find(QueueFilter(module="commands"))
    assert held.state is MessageState.PENDING and held.attempts == 0
    await commands.service.answered(reply, partner.id)  # the route's background task
    assert [r["result"] for r in await commands.settle()] == ["ACCEPTED"]
