"""The delivery queue as operators see and act on it (the console's Delivery pages): messages
by filter, one message with its attempts, and dead letters put back in the queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ocpi_cpo.domain.delivery import Attempt, QueuedMessage, QueueFilter
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.services.errors import NotFoundError
from ocpi_cpo.storage.protocols import UnitOfWork


@dataclass(frozen=True, slots=True)
class Found:
    messages: list[QueuedMessage]
    total: int
    partners: list[Partner]


async def find(uow: UnitOfWork, filters: QueueFilter, limit: int) -> Found:
    """Newest first, with the total matching and every partner (for names and filters)."""
    return Found(
        await uow.outbox.find(filters, limit=limit, newest_first=True),
        await uow.outbox.count(filters),
        list(await uow.partners.all()),
    )


async def message(uow: UnitOfWork, message_id: int) -> tuple[QueuedMessage, list[Attempt], str]:
    """One message, every attempt to deliver it, and its partner's name."""
    found = await uow.outbox.get(message_id)
    if found is None:
        raise NotFoundError(f"no message {message_id} in the outbox")
    partner = await uow.partners.get(found.partner_id)
    name = partner.name if partner else str(found.partner_id)
    return found, await uow.outbox.attempts(message_id), name


async def retry(uow: UnitOfWork, filters: QueueFilter, ids: Sequence[int], now: datetime) -> int:
    """Dead letters matching ``filters`` (or the ``ids``) queued again; how many."""
    return await uow.outbox.retry(filters, ids, now)
