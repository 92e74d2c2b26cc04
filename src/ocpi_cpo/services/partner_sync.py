"""A new partner gets everything (issue 16 item 3): every tariff and Location it may see, queued
as full PUTs, tariffs before the Locations that name them, a bounded batch at a time.

``start`` records a sync in the caller's transaction (with the registration that causes it);
``step`` queues its next batch in its own transaction. The pacing (when the next batch may go)
is the driver's: ``outbound.partner_sync``. What a partner should hold of an object comes from
``services.whole_objects``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import orjson

from ocpi_cpo.domain.partners import Partner, PartnerState
from ocpi_cpo.domain.sync import (
    PartnerSync,
    Reconciliation,
    SyncProgress,
    SyncReason,
    ordered_modules,
)
from ocpi_cpo.services.errors import ConflictError, RuleViolation

if TYPE_CHECKING:  # ``partners list`` reads the overview without the Locations or the publisher
    from ocpi_cpo.domain.delivery import NewMessage
    from ocpi_cpo.services.publishing import Publisher
    from ocpi_cpo.storage.protocols import UnitOfWork


def receivable(partner: Partner, modules: frozenset[str]) -> tuple[str, ...]:
    """The modules of ``modules`` the partner hosts a Receiver for, in push order."""
    return tuple(m for m in ordered_modules(modules) if partner.endpoint(m, "RECEIVER"))


async def start(
    uow: UnitOfWork,
    partner: Partner,
    reason: SyncReason,
    now: datetime,
    modules: frozenset[str] = frozenset({"tariffs", "locations"}),
) -> PartnerSync:
    """Record a sync of ``modules`` for ``partner``; its batches are queued by the driver."""
    try:
        wanted = receivable(partner, modules)
    except ValueError as exc:
        raise RuleViolation(str(exc)) from None
    return await uow.syncs.create(partner.id, wanted, reason, now)


async def on_registered(
    uow: UnitOfWork, partner_id: int, reason: SyncReason, now: datetime
) -> PartnerSync | None:
    """After a registration or a credentials update: a sync, when the profile pushes."""
    partner = await uow.partners.get(partner_id)
    if partner is None or not partner.profile.push_everything_on_registration:
        return None
    return await start(uow, partner, reason, now)


async def _tariff_batch(
    uow: UnitOfWork, publisher: Publisher, partner: Partner, sync: PartnerSync, batch: int
) -> tuple[list[NewMessage], int, bool]:
    """(messages, next cursor, phase done). The cursor counts tariff ids in key order."""
    # imported here: ``partners list`` reads the overview without the pricing and wire rules
    from ocpi_cpo.services import whole_objects
    from ocpi_cpo.services.tariffs import by_tariff_id

    # Held to the commit, as the Locations of a batch are (_location_batch): a tariff changed or
    # removed meanwhile is queued after this batch's PUTs, not superseded by them.
    groups = by_tariff_id(await uow.tariffs.all(for_update=True))
    ids = sorted(groups)[sync.cursor : sync.cursor + batch]
    messages = [
        m
        for tariff_id in ids
        for m in whole_objects.tariff(
            publisher, partner, tariff_id, groups[tariff_id], sync_id=sync.id
        )
    ]
    return messages, sync.cursor + len(ids), len(ids) < batch


async def _location_batch(
    uow: UnitOfWork, publisher: Publisher, partner: Partner, sync: PartnerSync, batch: int
) -> tuple[list[NewMessage], int, bool]:
    """(messages, next cursor, phase done). The cursor is the last Location's primary key."""
    from ocpi_cpo.domain.locations import PARTNER_VISIBLE
    from ocpi_cpo.services import whole_objects

    # Held to the commit (PostgreSQL): a change of one of them committed between this read and
    # the batch's insert was superseded by a PUT of the Location as it was before it. Held, the
    # change waits and is queued after the PUT (its writers lock the row first too).
    stored = await uow.locations.after(PARTNER_VISIBLE, sync.cursor, batch, for_update=True)
    messages = []
    for location in stored:
        document = orjson.loads(location.document)
        messages += whole_objects.location(publisher, partner, document, sync_id=sync.id)
    cursor = stored[-1].pk if stored else sync.cursor
    return messages, cursor, len(stored) < batch


async def step(
    uow: UnitOfWork, publisher: Publisher, sync: PartnerSync, batch: int, now: datetime
) -> int:
    """Queue the next batch of ``sync`` (as read: its phase and cursor); how many messages.
    ConflictError when another process queued that batch first: roll back."""
    partner = await uow.partners.get(sync.partner_id)
    messages: list[NewMessage] = []
    phase: str | None = None  # nobody to send to any more: the sync ends here
    cursor = 0
    if partner is not None and partner.state is PartnerState.REGISTERED and sync.phase:
        fetch = _tariff_batch if sync.phase == "tariffs" else _location_batch
        messages, cursor, done = await fetch(uow, publisher, partner, sync, batch)
        phase = sync.phase
        if done:
            later = sync.modules[sync.modules.index(sync.phase) + 1 :]
            phase, cursor = (later[0], 0) if later else (None, 0)
    # The compare-and-set first: a loser blocks here and rolls back before queueing anything.
    if not await uow.syncs.advance(sync, phase, cursor, len(messages), now):
        raise ConflictError(f"sync {sync.id} was advanced by another process")
    await uow.outbox.add_many(messages, now)
    return len(messages)


async def get_progress(uow: UnitOfWork, sync_id: int) -> SyncProgress | None:
    sync = await uow.syncs.get(sync_id)
    return None if sync is None else await uow.syncs.progress(sync)


async def unfinished(uow: UnitOfWork) -> list[PartnerSync]:
    """Syncs with something left to queue, oldest first."""
    return await uow.syncs.unfinished()


async def overview(
    uow: UnitOfWork,
) -> list[tuple[Partner, SyncProgress | None, Reconciliation | None]]:
    """Every partner with its last sync's progress and its last reconciliation."""
    partners = await uow.partners.all()
    syncs = await uow.syncs.latest()
    reconciled = await uow.syncs.reconciliations()
    found = []
    for partner in partners:
        sync = syncs.get(partner.id)
        progress = await uow.syncs.progress(sync) if sync is not None else None
        found.append((partner, progress, reconciled.get(partner.id)))
    return found


async def reconciliations(uow: UnitOfWork) -> dict[int, Reconciliation]:
    return await uow.syncs.reconciliations()


async def record_reconciliation(uow: UnitOfWork, result: Reconciliation) -> None:
    await uow.syncs.record_reconciliation(result)
