"""Queueing messages to partners, in the caller's transaction (architecture.md, "Delivery").

A service that changes an object calls :func:`receivers` to find who should hear about it and
:func:`enqueue` once per partner; the outbox worker delivers after the commit, in order per
(partner, object_key), with retries and dead letters.
"""

from __future__ import annotations

from datetime import datetime

from ocpi_cpo.domain.delivery import NewMessage, Routing
from ocpi_cpo.domain.partners import Partner, PartnerState
from ocpi_cpo.storage.protocols import UnitOfWork


async def receivers(uow: UnitOfWork, module: str, interface: str = "RECEIVER") -> list[Partner]:
    """Registered partners that host ``module`` with the given interface role."""
    return [
        p
        for p in await uow.partners.all()
        if p.state is PartnerState.REGISTERED and p.endpoint(module, interface) is not None
    ]


def routing_for(partner: Partner, from_country_code: str, from_party_id: str) -> Routing:
    """OCPI-from = the operation that owns the object; OCPI-to = the partner's own party (the hub
    itself for Gireve, which dispatches: gireve.md §4.2)."""
    to = partner.roles[0] if partner.roles else None
    return Routing(
        from_country_code=from_country_code,
        from_party_id=from_party_id,
        to_country_code=to.country_code if to else from_country_code,
        to_party_id=to.party_id if to else from_party_id,
    )


async def enqueue(uow: UnitOfWork, message: NewMessage, now: datetime) -> None:
    """Queue ``message``; the row is written with the rest of the transaction (buffered)."""
    await uow.outbox.add_many([message], now)
