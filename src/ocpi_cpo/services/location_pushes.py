"""Location pushes to partners: which partner hears what, as outbox messages (gireve.md §7).

Every registered partner with a Locations Receiver hears the changes of the Locations it may see
(``domain.locations.PARTNER_VISIBLE``). A Location it could not see before (new, or just made
visible) arrives as a full PUT; otherwise the changes go as they are, reshaped by the partner's
profile (Gireve: a tariff change as an EVSE PATCH). All messages of one Location share one
``object_key``, so a PUT and the PATCHes after it are delivered in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import orjson

from ocpi_cpo.domain.delivery import NewMessage, path_of
from ocpi_cpo.domain.location_changes import Change, Target, for_profile
from ocpi_cpo.domain.locations import (
    PARTNER_VISIBLE,
    Document,
    LocationKey,
    Visibility,
    visibility_of,
)
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.services.delivery import routing_for
from ocpi_cpo.storage.protocols import UnitOfWork

MODULE = "locations"


def object_key(key: LocationKey) -> str:
    return f"{key.country_code}/{key.party_id}/{key.id}"


def receiver_url(key: LocationKey, path: Sequence[str] = ()) -> str:
    """The object's URL relative to the partner's Locations Receiver endpoint."""
    return path_of(key.country_code, key.party_id, key.id, *path)


def message(partner: Partner, key: LocationKey, change: Change, *, supersede: bool) -> NewMessage:
    return NewMessage(
        partner_id=partner.id,
        module=MODULE,
        object_key=object_key(key),
        method=change.method,
        url=receiver_url(key, change.path()),
        body=orjson.dumps(change.body),
        routing=routing_for(partner, key.country_code, key.party_id),
        full_replace=supersede and change.target is Target.LOCATION and change.method == "PUT",
    )


def full_put(document: Document) -> Change:
    return Change(Target.LOCATION, "PUT", document)


def messages_for(
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
    messages = []
    for partner in partners:
        if visible_now and not visible_before:
            partner_changes = [full_put(document)]
        else:
            partner_changes = for_profile(
                list(changes),
                document,
                tariff_change_as_evse_patch=partner.profile.tariff_change_as_evse_patch,
            )
        # A brand-new Location has nothing older queued to supersede.
        messages += [
            message(partner, key, change, supersede=before is not None)
            for change in partner_changes
        ]
    return messages


async def queue_changes(
    uow: UnitOfWork,
    partners: Sequence[Partner],
    key: LocationKey,
    document: Document,
    changes: Sequence[Change],
    *,
    before: Visibility | None,
    now: datetime,
) -> int:
    """Queue :func:`messages_for` in the caller's transaction; how many."""
    messages = messages_for(partners, key, document, changes, before=before)
    await uow.outbox.add_many(messages, now)
    return len(messages)


async def queue_repairs(
    uow: UnitOfWork, partner: Partner, documents: Sequence[Document], now: datetime
) -> int:
    """Check EVCI --fix: a full PUT of each Location, superseding what is still queued for it."""
    messages = [message(partner, LocationKey.of(d), full_put(d), supersede=True) for d in documents]
    await uow.outbox.add_many(messages, now)
    return len(messages)
