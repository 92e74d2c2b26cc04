"""The partner's Locations Receiver, OCPI 2.2.1: a Location change as the messages it takes.

mod_locations, Receiver interface: ``{receiver}/{country_code}/{party_id}/{location_id}
[/{evse_uid}[/{connector_id}]]``; a whole object goes as PUT, changed fields as PATCH (with
``last_updated``). Under a profile with ``tariff_change_as_evse_patch`` (Gireve) a connector's
``tariff_ids`` change goes as an EVSE PATCH carrying ``status`` and the full ``connectors``
(gireve.md §7.4). Every body is held to the wire models first (``ocpi.wire_check``): a PUT to
the whole object's, a PATCH to its partial model.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from pydantic import BaseModel

from ocpi_cpo.domain.delivery import NewMessage, path_of
from ocpi_cpo.domain.location_changes import LAST_UPDATED, Change, Target
from ocpi_cpo.domain.locations import Document, LocationKey, find_evse
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.v2_2_1.locations import schemas
from ocpi_cpo.ocpi.wire_check import checked, partial
from ocpi_cpo.services.delivery import routing_for
from ocpi_cpo.services.publishing import LocationChanged

VERSION = "2.2.1"
MODULE = "locations"

_MODELS: dict[tuple[Target, bool], type[BaseModel]] = {
    (Target.LOCATION, True): schemas.Location,
    (Target.EVSE, True): schemas.EVSE,
    (Target.CONNECTOR, True): schemas.Connector,
    (Target.LOCATION, False): partial(schemas.Location),
    (Target.EVSE, False): partial(schemas.EVSE),
    (Target.CONNECTOR, False): partial(schemas.Connector),
}


def object_key(key: LocationKey) -> str:
    return f"{key.country_code}/{key.party_id}/{key.id}"


def receiver_url(key: LocationKey, change: Change | None = None) -> str:
    """The object's URL relative to the partner's Locations Receiver endpoint."""
    parts: tuple[str, ...] = (key.country_code, key.party_id, key.id)
    if change is not None and change.target is not Target.LOCATION:
        parts += (str(change.evse_uid),)
        if change.target is Target.CONNECTOR:
            parts += (str(change.connector_id),)
    return path_of(*parts)


def render_whole(partner: Partner, document: Document) -> NewMessage:
    """The whole Location for ``partner`` (initial sync, repairs): one PUT superseding what is
    still queued for it."""
    key = LocationKey.of(document)
    return _message(partner, key, Change(Target.LOCATION, True, document), supersede=True)


def messages(partner: Partner, change: LocationChanged) -> list[NewMessage]:
    changes = list(change.changes)
    if partner.profile.tariff_change_as_evse_patch:
        changes = as_evse_tariff_patches(changes, change.document)
    return [_message(partner, change.key, c, supersede=change.supersede) for c in changes]


def _message(partner: Partner, key: LocationKey, change: Change, *, supersede: bool) -> NewMessage:
    model = _MODELS[(change.target, change.whole)]
    body = checked(VERSION, MODULE, change.target.value.lower(), model, change.body)
    return NewMessage(
        partner_id=partner.id,
        module=MODULE,
        object_key=object_key(key),
        method="PUT" if change.whole else "PATCH",
        url=receiver_url(key, change),
        body=orjson.dumps(body),
        routing=routing_for(partner, key.country_code, key.party_id),
        full_replace=supersede and change.target is Target.LOCATION and change.whole,
        version=VERSION,
    )


def as_evse_tariff_patches(changes: Sequence[Change], document: Document) -> list[Change]:
    """Gireve's rule (gireve.md §7.4): a connector ``tariff_ids`` change as an EVSE PATCH with
    the EVSE's ``status`` and full ``connectors``, once per EVSE."""
    tariff_evses = {
        c.evse_uid
        for c in changes
        if c.target is Target.CONNECTOR and not c.whole and "tariff_ids" in c.body
    }
    if not tariff_evses:
        return list(changes)
    result: list[Change] = []
    done: set[str | None] = set()
    for change in changes:
        uid = change.evse_uid
        if uid not in tariff_evses or change.target is Target.LOCATION:
            result.append(change)
            continue
        if change.whole and change.target is Target.EVSE:
            result.append(change)
            done.add(uid)
            continue
        if uid in done:
            continue
        done.add(uid)
        result.append(_evse_tariff_patch(document, str(uid), change))
    return result


def _evse_tariff_patch(document: Document, uid: str, first: Change) -> Change:
    evse = find_evse(document, uid)
    assert evse is not None
    body: Document = {}
    if first.target is Target.EVSE:
        body.update(first.body)
    body.update(
        status=evse["status"],
        connectors=evse.get("connectors", []),
        last_updated=evse[LAST_UPDATED],
    )
    return Change(Target.EVSE, False, body, evse_uid=uid)
