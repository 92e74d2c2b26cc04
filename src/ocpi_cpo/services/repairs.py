"""Repair instead of parking (issue 16 item 2; the outbox worker calls it): a PATCH of a Location, EVSE, connector or
Session answered "the partner does not hold this object" (``domain.delivery.needs_repair``) is
replaced by one full PUT of the object's current state, which supersedes the PATCHes still
queued for it. A Location is always sent whole: an EVSE or connector PUT under a Location the
partner does not know would be refused again (and a hub profile wanting EVSE-level changes, such
as Gireve's, gets the whole Location too). Nothing to send (the object is gone, or no longer
visible to partners): the PATCH stays a dead letter, saying why.
"""

from __future__ import annotations

from datetime import datetime

import orjson

from ocpi_cpo.domain.delivery import NewMessage, QueuedMessage
from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import SessionKey
from ocpi_cpo.services import whole_objects
from ocpi_cpo.services.publishing import Publisher
from ocpi_cpo.storage.protocols import UnitOfWork


async def queue(uow: UnitOfWork, puts: list[NewMessage], now: datetime) -> None:
    """Queue the repairs, after the repaired PATCHes were recorded (the PUTs supersede what is
    still queued behind them)."""
    await uow.outbox.add_many(puts, now)


def _key_parts(object_key: str) -> tuple[str, str, str] | None:
    parts = object_key.split("/", 2)
    if len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2]


async def full_put(
    uow: UnitOfWork, publisher: Publisher, message: QueuedMessage, partner: Partner
) -> list[NewMessage] | str:
    """The full PUT that repairs ``message`` (in the partner's version), or why there is none.

    The object's row is held to the commit (PostgreSQL): its PUT supersedes what is queued for
    it, so a change committed between this read and that insert would be lost; held, the change
    waits and is queued after the PUT (its writers change the row before their messages go in)."""
    parts = _key_parts(message.object_key)
    if parts is None:
        return f"cannot repair object {message.object_key!r}"
    if message.module == "locations":
        stored = await uow.locations.get(LocationKey(*parts), for_update=True)
        if stored is None:
            return "the Location no longer exists: nothing to repair"
        put = whole_objects.location(publisher, partner, orjson.loads(stored.document))
        return put or "the Location is no longer published (or fits no wire): nothing to repair"
    session = await uow.sessions.get(SessionKey(*parts), for_update=True)
    if session is None:
        return "the Session no longer exists: nothing to repair"
    put = whole_objects.session(publisher, partner, session)
    return put or "the partner no longer hears about this Session (or it fits no wire)"


async def resend_sessions(
    uow: UnitOfWork, publisher: Publisher, partner: Partner, keys: list[str], now: datetime
) -> int:
    """Queue each of these Sessions ("cc/pid/id") whole for ``partner`` (reconciliation); how
    many messages."""
    puts: list[NewMessage] = []
    for key in keys:
        session = await uow.sessions.get(SessionKey(*key.split("/", 2)), for_update=True)
        if session is not None:
            puts += whole_objects.session(publisher, partner, session)
    await uow.outbox.add_many(puts, now)
    return len(puts)
