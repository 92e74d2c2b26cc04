"""OCPI 2.2.1's Receiver clients, as the publisher's port sees them (services.publishing).

Each published change goes to its module's ``receiver.py``, which returns the messages for a
partner of this version: URL layout, verb, body, profile reshaping; every body checked against
the 2.2.1 wire models before it is queued.
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


class Receivers:
    """The ``VersionWire`` of OCPI 2.2.1."""

    version = "2.2.1"

    def messages(self, partner: Partner, change: Published) -> list[NewMessage]:
        # Each module's client is imported when first needed: a CLI command that changes one
        # EVSE loads the Locations wire models only (architecture.md, "A fast CLI").
        if isinstance(change, LocationChanged):
            from ocpi_cpo.ocpi.v2_2_1.locations import receiver as locations

            return locations.messages(partner, change)
        if isinstance(change, SessionUpdated):
            from ocpi_cpo.ocpi.v2_2_1.sessions import receiver as sessions

            return sessions.messages(partner, change)
        if isinstance(change, CdrClosed):
            from ocpi_cpo.ocpi.v2_2_1.cdrs import receiver as cdrs

            return cdrs.messages(partner, change)
        if isinstance(change, TariffsChanged):
            from ocpi_cpo.ocpi.v2_2_1.tariffs import receiver as tariffs

            return tariffs.messages(partner, change)
        raise TypeError(f"OCPI 2.2.1 has no Receiver client for {type(change).__name__}")
