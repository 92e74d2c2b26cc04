"""The publisher with every OCPI version this platform speaks (the composition root builds it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ocpi_cpo.ocpi.v2_1_1.receivers import Receivers as Receivers211
from ocpi_cpo.ocpi.v2_2_1.receivers import Receivers as Receivers221
from ocpi_cpo.services.publishing import Publisher, VersionWire

if TYPE_CHECKING:
    from ocpi_cpo.domain.delivery import NewMessage
    from ocpi_cpo.services.publishing import CommandFinished


def publisher() -> Publisher:
    wires: list[VersionWire] = [Receivers221(), Receivers211()]
    return Publisher({wire.version: wire for wire in wires})


def command_result(change: CommandFinished) -> NewMessage:
    """A command's result in the wire of the version its sender speaks (services.command_runs)."""
    # imported here: a command that changes a Location loads no Commands wire models
    if change.version == "2.1.1":
        from ocpi_cpo.ocpi.v2_1_1.commands import receiver as commands211

        return commands211.result_message(change)
    from ocpi_cpo.ocpi.v2_2_1.commands import receiver as commands221

    return commands221.result_message(change)
