"""Who hears about a Location change, and what (gireve.md §7).

Every registered partner with a Locations Receiver hears the changes of the Locations it may see
(``domain.locations.PARTNER_VISIBLE``). A Location it could not see before (new, or just made
visible) arrives whole; otherwise the changes go as they are. How each partner's version and
profile put them on the wire (URL, verb, Gireve's EVSE-level tariff PATCH) is the version's
Locations Receiver client (``ocpi.v2_2_1.locations.receiver``), reached through the publisher.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import orjson

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.location_changes import Change, Target
from ocpi_cpo.domain.locations import (
    PARTNER_VISIBLE,
    Document,
    LocationKey,
    Visibility,
    visibility_of,
)
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.services.publishing import LocationChanged, Publisher
from ocpi_cpo.storage.protocols import UnitOfWork

MODULE = "locations"


def whole(document: Document) -> Change:
    return Change(Target.LOCATION, True, document)


def messages_for(
    publisher: Publisher,
    partners: Sequence[Partner],
    key: LocationKey,
    document: Document,
    changes: Sequence[Change],
    *,
    before: Visibility | None,
) -> list[NewMessage]:
    """The messages that tell each partner about ``changes`` of the Location ``key`` (now
    ``document``). ``before``: the visibility partners knew, None for a Location never seen."""
    if not changes:
        return []
    visible_now = visibility_of(document) in PARTNER_VISIBLE
    visible_before = before in PARTNER_VISIBLE
    if not visible_now and not visible_before:
        return []
    if visible_now and not visible_before:
        changes = [whole(document)]
    # A brand-new Location has nothing older queued to supersede.
    change = LocationChanged(key, document, changes, supersede=before is not None)
    return [m for partner in partners for m in publisher.messages(partner, change)]


async def queue_changes(
    uow: UnitOfWork,
    publisher: Publisher,
    partners: Sequence[Partner],
    key: LocationKey,
    document: Document,
    changes: Sequence[Change],
    *,
    before: Visibility | None,
    now: datetime,
) -> int:
    """Queue :func:`messages_for` in the caller's transaction; how many."""
    messages = messages_for(publisher, partners, key, document, changes, before=before)
    await uow.outbox.add_many(messages, now)
    return len(messages)


def as_sent(publisher: Publisher, partner: Partner, document: Document) -> Document:
    """The whole Location as ``partner`` gets it, in its version's form: what Check EVCI compares
    the partner's copy with. WireRefused when that version cannot say it."""
    change = LocationChanged(LocationKey.of(document), document, [whole(document)])
    [message] = publisher.messages(partner, change)
    sent: Document = orjson.loads(message.body or b"{}")
    return sent


async def queue_repairs(
    uow: UnitOfWork,
    publisher: Publisher,
    partner: Partner,
    keys: Sequence[LocationKey],
    now: datetime,
) -> int:
    """Check EVCI --fix: each Location whole, superseding what is still queued for it.

    Each is read again here, holding its row (PostgreSQL; SQLite's writer holds its one lock):
    the check compared a copy read before its calls to the partner, and a PUT of that copy would
    undo a change made since (a status, a Location hidden meanwhile). One gone or no longer
    visible to partners is left out."""
    current = await uow.locations.find(keys, for_update=True)
    queued = 0
    for key in keys:
        stored = current.get(key)
        if stored is None:
            continue
        document = orjson.loads(stored.document)
        if visibility_of(document) not in PARTNER_VISIBLE:
            continue
        change = LocationChanged(key, document, [whole(document)])
        queued += await publisher.publish(uow, [partner], change, now)
    return queued
