"""Check EVCI (gireve.md §5): read every Location we publish back from a partner's Receiver,
say what is missing, different or stale there, and optionally queue the full PUTs that repair it.
Our side is compared as the partner's version renders it (a 2.1.1 partner holds 2.1.1 fields).

Locations are walked in creation order, a batch at a time, each batch read back concurrently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from ocpi_cpo.domain.location_check import Difference, differences
from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.v2_2_1.locations.client import read_back
from ocpi_cpo.services import locations as service
from ocpi_cpo.services import retrying
from ocpi_cpo.services.errors import WireRefused
from ocpi_cpo.services.location_pushes import as_sent, queue_repairs
from ocpi_cpo.storage.protocols import UnitOfWork

_BATCH = 200


@dataclass(slots=True)
class CheckReport:
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)
    #: Locations whose copy could not be read, and why
    unreadable: list[tuple[LocationKey, str]] = field(default_factory=list)
    #: Locations to repair (the partner's copy is missing, different or stale); the repair
    #: reads them again (services.location_pushes.queue_repairs)
    to_repair: list[LocationKey] = field(default_factory=list)
    queued: int = 0

    @property
    def in_sync(self) -> bool:
        return not self.differences and not self.unreadable


async def check_partner(context: OcpiContext, partner: Partner, *, fix: bool) -> CheckReport:
    report = CheckReport()
    after = 0
    while True:
        async with context.storage.read() as uow:
            batch = await service.partner_locations(uow, after, _BATCH)
        if not batch:
            break
        after = batch[-1].pk
        bound = partner.operation_party  # bound to one operation: only its Locations
        batch = [s for s in batch if bound is None or (s.key.country_code, s.key.party_id) == bound]
        copies = await read_back(
            context.transport,
            partner,
            [stored.key for stored in batch],
            timeout=context.settings.partner_timeout,
        )
        for stored, copy in zip(batch, copies, strict=True):
            report.checked += 1
            if copy.error is not None:
                report.unreadable.append((stored.key, copy.error))
                continue
            ours = orjson.loads(stored.document)
            try:  # compared in the partner's version: a 2.1.1 copy has 2.1.1 fields
                sent = as_sent(context.publisher, partner, ours)
            except WireRefused as refused:
                report.unreadable.append((stored.key, f"cannot be sent: {refused.message}"))
                continue
            found = differences(stored.key, sent, copy.document)
            if found:
                report.differences += found
                report.to_repair.append(stored.key)
    if fix and report.to_repair:
        keys = report.to_repair

        async def repair(uow: UnitOfWork) -> int:
            return await queue_repairs(uow, context.publisher, partner, keys, context.clock.now())

        # It holds the Locations' rows: a deadlock lost to the station writes runs again.
        report.queued = await retrying.write(context.storage, repair, what="Locations repair")
    return report
