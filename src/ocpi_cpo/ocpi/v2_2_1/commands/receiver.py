"""The eMSP's side of a command, OCPI 2.2.1: the CommandResult POSTed to ``response_url``.

mod_commands: the result goes to the URL the eMSP gave with the command (absolute: no endpoint
of the partner is joined to it), with the routing of the command itself.
"""

from __future__ import annotations

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.ocpi.v2_2_1.commands.mapping import result_body
from ocpi_cpo.services.publishing import CommandFinished

VERSION = "2.2.1"
MODULE = "commands"


def result_message(change: CommandFinished) -> NewMessage:
    command = change.command
    return NewMessage(
        partner_id=command.partner_id,
        module=MODULE,
        object_key=f"command/{command.id}",
        method="POST",
        url=command.response_url,
        body=result_body(change.outcome, change.message),
        interface=None,
        not_before=change.not_before,
        routing=command.routing,
        version=VERSION,
    )
