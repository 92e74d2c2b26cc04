"""The eMSP's side of a command, OCPI 2.1.1: the CommandResponse POSTed to ``response_url``
(mod_commands 2.1.1 §2.2.1: the URL the eMSP gave, absolute; no routing headers in 2.1.1)."""

from __future__ import annotations

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.ocpi.v2_1_1.commands.mapping import result_body
from ocpi_cpo.services.publishing import CommandFinished

VERSION = "2.1.1"
MODULE = "commands"


def result_message(change: CommandFinished) -> NewMessage:
    command = change.command
    return NewMessage(
        partner_id=command.partner_id,
        module=MODULE,
        object_key=f"command/{command.id}",
        method="POST",
        url=command.response_url,
        body=result_body(change.outcome),
        interface=None,
        not_before=change.not_before,
        routing=None,
        version=VERSION,
    )
