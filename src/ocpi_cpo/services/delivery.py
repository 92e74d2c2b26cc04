"""Queueing messages to partners, in the caller's transaction (architecture.md, "Delivery").

A service that changes an object calls :func:`receivers` to find who should hear about it and
:func:`enqueue` once per partner; the outbox worker delivers after the commit, in order per
(partner, object_key), with retries and dead letters.
"""

from __future__ import annotations

from datetime import datetime

from ocpi_cpo.domain.delivery import NewMessage, Routing
from ocpi_cpo.domain.partners import RECEIVING_ROLES, Partner, PartnerState, PartyRole
from ocpi_cpo.storage.protocols import UnitOfWork


async def receivers(uow: UnitOfWork, module: str, interface: str = "RECEIVER") -> list[Partner]:
    """Registered partners that host ``module`` with the given interface role."""
    return [
        p
        for p in await uow.partners.all()
        if p.state is PartnerState.REGISTERED and p.endpoint(module, interface) is not None
    ]


def routing_for(
    partner: Partner,
    from_country_code: str,
    from_party_id: str,
    *,
    to_party: tuple[str, str] | None = None,
) -> Routing:
    """OCPI-from = the operation that owns the object; OCPI-to chosen from the partner's roles by
    what is sent (``recipient``), never simply its first role (issue 16 item 6)."""
    to = recipient(partner, to_party)
    return Routing(
        from_country_code=from_country_code,
        from_party_id=from_party_id,
        to_country_code=to.country_code if to else from_country_code,
        to_party_id=to.party_id if to else from_party_id,
    )


def recipient(partner: Partner, to_party: tuple[str, str] | None = None) -> PartyRole | None:
    """The partner's role a message is addressed to (OCPI 2.2.1 §4.1.3, routing headers):

    - a hub: its HUB role, for everything (it dispatches: gireve.md §4.2);
    - ``to_party`` given (the eMSP whose token a session, CDR or command result is about): the
      partner's role for that party;
    - else (Locations, Tariffs: for every eMSP): its EMSP role, else its NSP role;
    - its first role only when none of these applies.
    """
    by_role = {role.role: role for role in reversed(partner.roles)}
    if "HUB" in by_role:
        return by_role["HUB"]
    if to_party is not None:
        wanted = (to_party[0].upper(), to_party[1].upper())
        for role in partner.roles:
            if (role.country_code.upper(), role.party_id.upper()) == wanted:
                return role
    for name in RECEIVING_ROLES:
        if name in by_role:
            return by_role[name]
    return partner.roles[0] if partner.roles else None


async def enqueue(uow: UnitOfWork, message: NewMessage, now: datetime) -> None:
    """Queue ``message``; the row is written with the rest of the transaction (buffered)."""
    await uow.outbox.add_many([message], now)
