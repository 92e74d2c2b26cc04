"""OCPI 2.1.1's Receiver clients, as the publisher's port sees them (services.publishing).

The eMSP interfaces of 2.1.1 (mod_locations, mod_sessions, mod_cdrs, mod_tariffs 2.1.1):
Locations in ``locations/receiver.py``, Sessions, CDRs and Tariffs in ``pushes.py``, each
imported when first needed.
"""

from __future__ import annotations

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.services.publishing import (
    CdrClosed,
    LocationChanged,
    Published,
    SessionUpdated,
    TariffsChanged,
)

VERSION = "2.1.1"


class Receivers:
    """The ``VersionWire`` of OCPI 2.1.1."""

    version = VERSION

    def messages(self, partner: Partner, change: Published) -> list[NewMessage]:
        # The Locations client alone for a Location change, the wire models of the others
        # (``pushes``) when first needed (architecture.md, "A fast CLI").
        if isinstance(change, LocationChanged):
            from ocpi_cpo.ocpi.v2_1_1.locations import receiver as locations

            return locations.messages(partner, change)
        from ocpi_cpo.ocpi.v2_1_1 import pushes

        if isinstance(change, SessionUpdated):
            return pushes.sessions(partner, change)
        if isinstance(change, CdrClosed):
            return pushes.cdr_whole(partner, change.cdr, change.place)
        if isinstance(change, TariffsChanged):
            return pushes.tariffs(partner, change)
        raise TypeError(f"OCPI 2.1.1 has no Receiver client for {type(change).__name__}")
