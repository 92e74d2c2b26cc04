"""Read our Locations back from a partner's Locations Receiver (Check EVCI, gireve.md §5).

GET ``{receiver}/{country_code}/{party_id}/{location_id}`` per Location, a few at a time. A 404 or
OCPI 2003 means the partner does not hold it; any other failure is reported as unreadable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from ocpi_cpo.domain.locations import Document, LocationKey
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.transport import Transport, TransportError
from ocpi_cpo.ocpi.urls import endpoint_url
from ocpi_cpo.ocpi.v2_2_1.locations.receiver import receiver_url
from ocpi_cpo.services.delivery import routing_for

UNKNOWN_LOCATION = 2003


class ReadBackError(Exception):
    """The partner cannot be asked at all (no Locations Receiver, no token)."""


@dataclass(frozen=True, slots=True)
class HeldCopy:
    key: LocationKey
    #: the partner's copy; None when it does not hold the Location (or could not be read)
    document: Document | None
    #: why the copy could not be read, None when the answer was clear
    error: str | None = None


async def read_back(
    transport: Transport,
    partner: Partner,
    keys: Sequence[LocationKey],
    *,
    timeout: float,
    concurrency: int = 8,
) -> list[HeldCopy]:
    """The partner's copy of each Location, in the order of ``keys``."""
    endpoint = partner.endpoint("locations", "RECEIVER")
    if endpoint is None or partner.outbound_token is None:
        raise ReadBackError(f"partner {partner.name!r} offers no Locations Receiver to read from")
    token, base = partner.outbound_token, endpoint.url
    # OCPI 2.1.1 has no routing headers (and Gireve's 2.1.1 IOP takes none here: gireve-2.1.1.md §4)
    plain = partner.version == "2.1.1"
    gate = asyncio.Semaphore(concurrency)

    async def one(key: LocationKey) -> HeldCopy:
        async with gate:
            try:
                reply = await transport.send(
                    "GET",
                    endpoint_url(base, receiver_url(key)),
                    token=token,
                    token_base64=partner.token_base64,
                    routing=None if plain else routing_for(partner, key.country_code, key.party_id),
                    timeout=timeout,
                )
            except TransportError as exc:
                return HeldCopy(key, None, f"no answer: {exc}")
        if reply.ok and isinstance(reply.data, dict):
            return HeldCopy(key, reply.data)
        if reply.http_status == 404 or reply.ocpi_status == UNKNOWN_LOCATION:
            return HeldCopy(key, None)
        return HeldCopy(key, None, reply.problem())

    return list(await asyncio.gather(*(one(key) for key in keys)))
