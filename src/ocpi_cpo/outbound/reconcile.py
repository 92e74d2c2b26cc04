"""Reconciliation on a schedule (issue 16 item 4): the existing checks run against each
partner, and what differs is repaired with full PUTs (``services.whole_objects``).

| module    | check                                   | repair                              |
| --------- | --------------------------------------- | ----------------------------------- |
| locations | Check EVCI (ocpi.v2_2_1.locations.check) | full PUT of each Location that differs |
| tariffs   | tariffs Receiver GETs (tariffs.client)   | PUT of each tariff id that differs  |
| sessions  | sessions read-back (sessions.check)      | full PUT of each Session that differs |
| cdrs      | CDRs read-back (sessions.check)          | none: a CDR is POSTed once (mod_cdrs has no PUT); reported |

A partner is due when its last reconciliation is older than the latest slot of the schedule
(``[reconcile] time_of_day`` + k * ``interval_hours``) and it registered before that slot (a new
partner gets its initial push instead). Each partner's result (when, differences, repaired, what
could not be checked) is stored at once, so a run cut short resumes with the partners left. Runs
in the leader only (services.leadership), so several ``serve`` on one PostgreSQL run it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.partners import Partner, PartnerState
from ocpi_cpo.domain.schedule import latest_slot
from ocpi_cpo.domain.sync import Reconciliation
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.pull import PullError
from ocpi_cpo.ocpi.transport import TransportError
from ocpi_cpo.ocpi.v2_2_1.locations.check import check_partner
from ocpi_cpo.ocpi.v2_2_1.sessions.check import check_cdrs, check_sessions
from ocpi_cpo.ocpi.v2_2_1.tariffs.client import check_receiver
from ocpi_cpo.services import partner_sync, repairs
from ocpi_cpo.services import tariffs as tariff_service

log = logging.getLogger("ocpi_cpo.reconcile")


@dataclass(slots=True)
class Tally:
    checked: int = 0
    differences: int = 0
    repaired: int = 0
    problems: list[str] = field(default_factory=list)


async def _locations(context: OcpiContext, partner: Partner, tally: Tally) -> None:
    report = await check_partner(context, partner, fix=True)
    tally.checked += report.checked
    tally.differences += len(report.to_repair)
    tally.repaired += report.queued
    if report.unreadable:
        tally.problems.append(f"locations: {len(report.unreadable)} could not be read back")


async def _tariffs(context: OcpiContext, partner: Partner, tally: Tally) -> None:
    async with context.storage.read() as uow:
        expected = await tariff_service.expected_for(uow, partner)
    mismatches = await check_receiver(
        context.transport, partner, expected, timeout=context.settings.partner_timeout
    )
    tally.checked += len(expected)
    ids = sorted({(m.key.country_code, m.key.party_id, m.key.id) for m in mismatches})
    tally.differences += len(ids)
    if ids:
        async with context.storage.transaction() as uow:
            await tariff_service.resend(
                uow, context.publisher.tolerant(), partner, ids, context.clock.now()
            )
        tally.repaired += len(ids)


async def _sessions(context: OcpiContext, partner: Partner, tally: Tally) -> None:
    report = await check_sessions(context, partner)
    tally.checked += report.checked
    names = sorted({name for name, _ in report.problems if name})
    tally.differences += len(names)
    async with context.storage.transaction() as uow:
        repaired = await repairs.resend_sessions(
            uow, context.publisher.tolerant(), partner, names, context.clock.now()
        )
    tally.repaired += repaired


async def _cdrs(context: OcpiContext, partner: Partner, tally: Tally) -> None:
    report = await check_cdrs(context, partner)
    tally.checked += report.checked
    # CDRs, not fields: one CDR wrong in two fields is one difference (as for Sessions)
    names = {name for name, _ in report.problems}
    if names:
        tally.differences += len(names)
        tally.problems.append(
            f"cdrs: {len(names)} differ or cannot be read back (not resent: see"
            f" 'ocpi-cpo cdrs check {partner.name}')"
        )


CHECKS = (
    ("tariffs", _tariffs),
    ("locations", _locations),
    ("sessions", _sessions),
    ("cdrs", _cdrs),
)


async def reconcile_partner(
    context: OcpiContext, partner: Partner, now: datetime
) -> Reconciliation:
    """Run every check the partner's Receivers allow, repair, and store the result."""
    tally = Tally()
    for module, check in CHECKS:
        if partner.endpoint(module, "RECEIVER") is None:
            continue
        try:
            await check(context, partner, tally)
        except (PullError, TransportError) as exc:
            tally.problems.append(f"{module}: {exc}")
    result = Reconciliation(
        partner_id=partner.id,
        ran_at=now,
        checked=tally.checked,
        differences=tally.differences,
        repaired=tally.repaired,
        problems="; ".join(tally.problems) or None,
    )
    async with context.storage.transaction() as uow:
        await partner_sync.record_reconciliation(uow, result)
    log.info(
        "reconciled %s: %d checked, %d differ, %d repaired%s",
        partner.name,
        result.checked,
        result.differences,
        result.repaired,
        f" ({result.problems})" if result.problems else "",
    )
    return result


def due(partner: Partner, last: Reconciliation | None, slot: datetime) -> bool:
    if partner.state is not PartnerState.REGISTERED or partner.outbound_token is None:
        return False
    if last is not None:
        return last.ran_at < slot
    return partner.registered_at is not None and partner.registered_at < slot


class Reconciler:
    """The scheduled job: ``tick`` reconciles every partner due (call it in the leader)."""

    def __init__(self, context: OcpiContext, clock: Clock | None = None) -> None:
        self.context = context
        self.clock = clock or context.clock
        options = context.settings.reconcile
        self.at = options.time_of_day
        self.every = timedelta(hours=options.interval_hours)

    async def tick(self) -> list[Reconciliation]:
        now = self.clock.now()
        slot = latest_slot(now, self.at, self.every)
        async with self.context.storage.read() as uow:
            partners = [partner for partner, _, _ in await partner_sync.overview(uow)]
            last = await partner_sync.reconciliations(uow)
        results = []
        for partner in partners:
            if due(partner, last.get(partner.id), slot):
                results.append(await reconcile_partner(self.context, partner, self.clock.now()))
        return results
