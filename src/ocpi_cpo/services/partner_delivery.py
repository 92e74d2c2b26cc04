"""Each partner's delivery state (architecture.md, "Partner delivery states"): what the outbox
worker and the CLI read and write of it, in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ocpi_cpo.domain.delivery import Backoff, Observation, PartnerDelivery
from ocpi_cpo.storage.protocols import UnitOfWork


async def states(uow: UnitOfWork) -> dict[int, PartnerDelivery]:
    """Every partner with a stored state (one without is available)."""
    return await uow.partner_delivery.all()


async def observed(
    uow: UnitOfWork,
    partner_id: int,
    seen: Sequence[Observation],
    backoff: Backoff,
    now: datetime,
) -> PartnerDelivery | None:
    """Store what attempts said about a partner; the new state when it changed. A partner back
    up wakes every worker once this commits: its whole backlog is due at once."""
    state = await uow.partner_delivery.observe(partner_id, seen, backoff, now)
    if state is not None and state.available:
        await uow.outbox.wake()
    return state


async def give_back(uow: UnitOfWork, message_ids: Sequence[int]) -> None:
    """Claimed messages not sent (their partner went down meanwhile): claimable again."""
    await uow.outbox.release(message_ids)
