"""What ``ocpi-cpo doctor`` reads from storage (issue 22 item 4): the partners with their delivery
state, last delivery and dead letters, the stations, and whether the database takes a write.

The checks themselves (HTTP, TLS, clock, limits) are the CLI's: this module only reads, and
writes one row it rolls back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ocpi_cpo.domain.delivery import MessageState, PartnerDelivery, QueueFilter
from ocpi_cpo.domain.partners import Partner, PartnerState
from ocpi_cpo.domain.station_registry import Station
from ocpi_cpo.services import partner_delivery

if TYPE_CHECKING:
    from ocpi_cpo.storage.protocols import Storage


@dataclass(frozen=True, slots=True)
class PartnerFacts:
    partner: Partner
    delivery: PartnerDelivery | None
    last_delivered: datetime | None
    pending: int
    dead: int


@dataclass(frozen=True, slots=True)
class Facts:
    partners: list[PartnerFacts]
    stations: list[Station]


async def facts(storage: Storage) -> Facts:
    """Every partner that is not unregistered, with its queue, and every station."""
    async with storage.read() as uow:
        states = await partner_delivery.states(uow)
        found = []
        for partner in await uow.partners.all():
            if partner.state is PartnerState.UNREGISTERED:
                continue
            latest = await uow.outbox.find(
                QueueFilter(partner_id=partner.id, state=MessageState.DELIVERED),
                1,
                newest_first=True,
            )
            pending = await uow.outbox.count(
                QueueFilter(partner_id=partner.id, state=MessageState.PENDING)
            )
            dead = await uow.outbox.count(
                QueueFilter(partner_id=partner.id, state=MessageState.DEAD)
            )
            found.append(
                PartnerFacts(
                    partner,
                    states.get(partner.id),
                    latest[0].finished_at if latest else None,
                    pending,
                    dead,
                )
            )
        stations = list(await uow.stations.all())
    return Facts(found, stations)


class _RolledBack(Exception):
    pass


async def takes_a_write(storage: Storage, now: datetime) -> None:
    """Write one partner row and roll it back: raises what the database says when it cannot."""
    try:
        async with storage.transaction() as uow:
            name = f"doctor-write-check-{secrets.token_hex(6)}"
            await uow.partners.create(name, "ocpi-2.2.1", PartnerState.INVITED, now)
            raise _RolledBack
    except _RolledBack:
        return
