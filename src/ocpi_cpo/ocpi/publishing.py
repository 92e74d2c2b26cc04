"""The publisher with every OCPI version this platform speaks (the composition root builds it)."""

from __future__ import annotations

from ocpi_cpo.ocpi.v2_1_1.receivers import Receivers as Receivers211
from ocpi_cpo.ocpi.v2_2_1.receivers import Receivers as Receivers221
from ocpi_cpo.services.publishing import Publisher, VersionWire


def publisher() -> Publisher:
    wires: list[VersionWire] = [Receivers221(), Receivers211()]
    return Publisher({wire.version: wire for wire in wires})
