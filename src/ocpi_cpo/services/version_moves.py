"""A partner moved to another OCPI version (``partners update --version``): what was queued for it
in the old version's wire is queued again in the new one's, so nothing waiting is lost.

Each object with messages still pending in the old form is queued again whole, rendered for the
partner's version now (services.whole_objects: the Location, the tariff id, the Session; a CDR is
posted again as it is stored), and the old messages are superseded, saying why. A CDR is money: it
must not become a dead letter because its partner changed version. A message in flight at that
moment (claimed by a worker) is left alone: the worker finds its version stale and parks it,
saying so (``outbound.worker``); the object was queued again all the same.
"""

from __future__ import annotations

from datetime import datetime

import orjson

from ocpi_cpo.domain.delivery import MessageState, NewMessage, QueuedMessage, QueueFilter
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import SessionKey
from ocpi_cpo.domain.tariffs import Tariff
from ocpi_cpo.services import repairs, whole_objects
from ocpi_cpo.services.publishing import CdrClosed, Publisher
from ocpi_cpo.services.tariffs import by_tariff_id
from ocpi_cpo.storage.protocols import UnitOfWork

#: pending messages read at once (a move after a long outage may find many)
_PAGE = 100_000


async def requeue(
    uow: UnitOfWork, publisher: Publisher, partner: Partner, now: datetime
) -> tuple[int, list[str]]:
    """Queue again, in ``partner.version``, every object with messages pending in another
    version; (objects queued again, why others could not be: those stay for the worker)."""
    pending = await uow.outbox.find(
        QueueFilter(partner_id=partner.id, state=MessageState.PENDING), limit=_PAGE
    )
    stale: dict[tuple[str, str], list[QueuedMessage]] = {}
    for message in pending:
        if (
            message.interface is not None
            and message.version is not None
            and message.version != partner.version
            and (message.claimed_until is None or message.claimed_until < now)
        ):
            stale.setdefault((message.module, message.object_key), []).append(message)
    if not stale:
        return 0, []
    # held to the commit, as the Locations and Sessions are (services.repairs.full_put)
    moved = any(m == "tariffs" for m, _ in stale)
    tariffs = by_tariff_id(await uow.tariffs.all(for_update=True)) if moved else {}
    problems: list[str] = []
    requeued = 0
    for (module, key), messages in stale.items():
        whole = await _whole(uow, publisher, partner, messages[0], tariffs)
        if isinstance(whole, str):
            problems.append(f"{module} {key}: {whole}")
            continue
        await uow.outbox.supersede(
            [m.id for m in messages],
            f"queued again for OCPI {partner.version} (partner moved from {messages[0].version})",
            now,
        )
        await uow.outbox.add_many(whole, now)
        requeued += 1
    return requeued, problems


async def _whole(
    uow: UnitOfWork,
    publisher: Publisher,
    partner: Partner,
    message: QueuedMessage,
    tariffs: dict[tuple[str, str, str], list[Tariff]],
) -> list[NewMessage] | str:
    """The object's whole state for ``partner`` now, or why there is none (Locations and
    Sessions as a repair queues them: services.repairs)."""
    if message.module in ("locations", "sessions"):
        return await repairs.full_put(uow, publisher, message, partner)
    parts = message.object_key.removeprefix("cdr/").split("/", 2)
    if len(parts) != 3:
        return f"unknown object key {message.object_key!r}"
    country, party, object_id = parts
    if message.module == "tariffs":
        found = tariffs.get((country, party, object_id), [])
        return whole_objects.tariff(publisher, partner, (country, party, object_id), found)
    if message.module != "cdrs":
        return f"module {message.module} is not queued again on a version move"
    cdr = next(
        (
            c
            for c in await uow.cdrs.by_id(object_id)
            if (c.country_code, c.party_id) == (country, party)
        ),
        None,
    )
    if cdr is None:
        return "the CDR no longer exists"
    charge = (
        await uow.sessions.get(SessionKey(country, party, cdr.session_id))
        if cdr.session_id
        else None
    )
    place = charge.place if charge is not None else None
    return publisher.messages(partner, CdrClosed(orjson.loads(cdr.document), place))
