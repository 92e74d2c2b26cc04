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
from urllib.parse import quote

import orjson

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.location_changes import Change, Target, for_profile
from ocpi_cpo.domain.locations import (
    PARTNER_VISIBLE,
    Document,
    LocationKey,
    Visibility,
    visibility_of,
)
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.services.delivery import enqueue, routing_for
from ocpi_cpo.storage.protocols import UnitOfWork

MODULE = "locations"


def object_key(key: LocationKey) -> str:
    return f"{key.country_code}/{key.party_id}/{key.id}"


def receiver_url(key: LocationKey, path: Sequence[str] = ()) -> str:
    """The object's URL relative to the partner's Locations Receiver endpoint."""
    parts = (key.country_code, key.party_id, key.id, *path)
    return "/" + "/".join(quote(part, safe="") for part in parts)


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
    """Queue ``changes`` of the Location ``key`` (now ``document``) for each partner; how many.

    ``before``: the visibility the partners knew, None for a Location they never heard of.
    """
    if not changes:
        return 0
    visible_now = visibility_of(document) in PARTNER_VISIBLE
    visible_before = before in PARTNER_VISIBLE
    queued = 0
    for partner in partners:
        if not visible_now and not visible_before:
            continue
        if visible_now and not visible_before:
            partner_changes = [full_put(document)]
        else:
            partner_changes = for_profile(
                list(changes),
                document,
                tariff_change_as_evse_patch=partner.profile.tariff_change_as_evse_patch,
            )
        for change in partner_changes:
            # A brand-new Location has nothing older queued to supersede.
            await enqueue(uow, message(partner, key, change, supersede=before is not None), now)
            queued += 1
    return queued


async def queue_repairs(
    uow: UnitOfWork, partner: Partner, documents: Sequence[Document], now: datetime
) -> int:
    """Check EVCI --fix: a full PUT of each Location, superseding what is still queued for it."""
    for document in documents:
        key = LocationKey.of(document)
        await enqueue(uow, message(partner, key, full_put(document), supersede=True), now)
    return len(documents)
