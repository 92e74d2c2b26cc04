"""What the operator console's overview shows: the platform at a glance, read in one unit of work.

Alerts (issue 20): a partner unreachable for more than 5 minutes (its delivery state says down
for that long, or its oldest waiting message is older than that), dead letters, held CDRs, a
station offline for more than 15 minutes. (Differences found by a check are added by the console,
which remembers its checks.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import orjson

from ocpi_cpo.domain.delivery import MessageState, PartnerDelivery, QueueFilter, QueueStats
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import ChargeSession, SessionStatus
from ocpi_cpo.domain.station_registry import Station
from ocpi_cpo.services import partner_delivery
from ocpi_cpo.storage.protocols import UnitOfWork

PARTNER_UNREACHABLE = timedelta(minutes=5)
STATION_OFFLINE = timedelta(minutes=15)
#: how many recent sessions and CDRs the overview reads (bounded: the console is not a report)
RECENT = 1000


@dataclass(frozen=True, slots=True)
class QueueLine:
    partner: str
    module: str
    pending: int
    dead: int
    oldest_pending: datetime | None


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    text: str


@dataclass(slots=True)
class Overview:
    now: datetime
    partners: list[Partner]
    queues: list[QueueLine]
    stations: list[Station]
    evse_statuses: dict[str, int]
    active_sessions: list[ChargeSession]
    cdrs_today: int
    cdrs_today_total: dict[str, Decimal]
    dead_cdrs: int
    #: CDRs that could not be priced, kept back (never sent) until repriced or released
    held_cdrs: int
    #: partner id -> delivery state (absent: available); last message delivered to it
    delivery: dict[int, PartnerDelivery] = field(default_factory=dict)
    last_delivered: dict[int, datetime | None] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def stations_online(self) -> int:
        return sum(1 for s in self.stations if s.online)


def queue_lines(stats: list[QueueStats], names: dict[int, str]) -> list[QueueLine]:
    lines: dict[tuple[int, str], dict[str, object]] = {}
    for stat in stats:
        line = lines.setdefault(
            (stat.partner_id, stat.module), {"pending": 0, "dead": 0, "oldest": None}
        )
        if stat.state is MessageState.PENDING:
            line["pending"] = stat.count
            line["oldest"] = stat.oldest
        elif stat.state is MessageState.DEAD:
            line["dead"] = stat.count
    return [
        QueueLine(
            names.get(partner_id, str(partner_id)),
            module,
            int(str(v["pending"])),
            int(str(v["dead"])),
            v["oldest"] if isinstance(v["oldest"], datetime) else None,
        )
        for (partner_id, module), v in sorted(lines.items())
    ]


def cdr_totals(documents: list[bytes], today: datetime) -> tuple[int, dict[str, Decimal]]:
    """CDRs whose end is today (UTC) and their total cost incl. VAT per currency."""
    day = today.date().isoformat()
    count, totals = 0, dict[str, Decimal]()
    for raw in documents:
        cdr = orjson.loads(raw)
        if not str(cdr.get("end_date_time", "")).startswith(day):
            continue
        count += 1
        cost = cdr.get("total_cost") or {}
        currency = str(cdr.get("currency", "?"))
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(
            str(cost.get("incl_vat", cost.get("excl_vat", 0)))
        )
    return count, totals


def alerts_of(view: Overview) -> list[Alert]:
    found: list[Alert] = []
    for partner in view.partners:
        state = view.delivery.get(partner.id)
        if state and state.down_since and view.now - state.down_since > PARTNER_UNREACHABLE:
            minutes = int((view.now - state.down_since).total_seconds() // 60)
            found.append(
                Alert(
                    "partner",
                    f"{partner.name} unreachable for {minutes} min ({state.failures} failures:"
                    f" {state.last_error or 'no answer'})",
                )
            )
    for line in view.queues:
        if line.oldest_pending and view.now - line.oldest_pending > PARTNER_UNREACHABLE:
            minutes = int((view.now - line.oldest_pending).total_seconds() // 60)
            found.append(
                Alert("partner", f"{line.partner}: {line.module} waiting for {minutes} min")
            )
        if line.dead:
            found.append(
                Alert("dead", f"{line.partner}: {line.dead} dead letters in {line.module}")
            )
    if view.held_cdrs:
        found.append(Alert("held", f"{view.held_cdrs} CDRs held: they could not be priced"))
    for station in view.stations:
        since = station.disconnected_at or station.created_at
        if not station.online and view.now - since > STATION_OFFLINE:
            found.append(
                Alert(
                    "station",
                    f"station {station.station_id} offline since {since:%Y-%m-%d %H:%M} UTC",
                )
            )
    return found


async def overview(uow: UnitOfWork, now: datetime) -> Overview:
    partners = list(await uow.partners.all())
    names = {p.id: p.name for p in partners}
    queues = queue_lines(await uow.outbox.stats(), names)
    statuses: Counter[str] = Counter()
    for counts in await uow.locations.operation_counts():
        statuses.update(counts.statuses)
    sessions = await uow.sessions.recent(RECENT)
    cdrs = await uow.cdrs.recent(RECENT)
    count, totals = cdr_totals([c.document for c in cdrs], now)
    view = Overview(
        now=now,
        partners=partners,
        queues=queues,
        stations=list(await uow.stations.all()),
        evse_statuses=dict(sorted(statuses.items())),
        active_sessions=[s for s in sessions if s.status is SessionStatus.ACTIVE],
        cdrs_today=count,
        cdrs_today_total=totals,
        dead_cdrs=sum(q.dead for q in queues if q.module == "cdrs"),
        held_cdrs=(await uow.cdrs.held_stats())[0],
    )
    view.delivery = await partner_delivery.states(uow)
    for partner in partners:
        latest = await uow.outbox.find(
            QueueFilter(partner_id=partner.id, state=MessageState.DELIVERED), 1, newest_first=True
        )
        view.last_delivered[partner.id] = latest[0].finished_at if latest else None
    view.alerts = alerts_of(view)
    return view
