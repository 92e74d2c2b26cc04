"""The partner's Locations Receiver, OCPI 2.1.1 (mod_locations 2.1.1, eMSP interface).

Same URL layout as 2.2.1 (``{receiver}/{country_code}/{party_id}/{location_id}[/{evse_uid}
[/{connector_id}]]``), PUT for a whole object, PATCH for changed fields; bodies in 2.1.1 form
(``render``), checked against the 2.1.1 models (a PATCH against the object's partial model). 2.1.1 has no OCPI-from/to headers.
Under a profile with ``tariff_change_as_evse_patch`` (Gireve: connector ``tariff_id`` and EVSE
``status`` are the only attributes its 2.1.1 IOP takes live, cpo_locations.md of its 2.1.1 guide)
a connector's tariff change goes as an EVSE PATCH with ``status`` and the 2.1.1 ``connectors``.
"""

from __future__ import annotations

import orjson
from pydantic import BaseModel

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.location_changes import Change, Target
from ocpi_cpo.domain.locations import Document, LocationKey
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.v2_1_1.locations import render, schemas
from ocpi_cpo.ocpi.v2_2_1.locations.receiver import (
    as_evse_tariff_patches,
    object_key,
    receiver_url,
)
from ocpi_cpo.ocpi.wire_check import checked, partial
from ocpi_cpo.services.publishing import LocationChanged

VERSION = "2.1.1"
MODULE = "locations"

_MODELS: dict[Target, type[BaseModel]] = {
    Target.LOCATION: schemas.Location,
    Target.EVSE: schemas.EVSE,
    Target.CONNECTOR: schemas.Connector,
}


def render_whole(partner: Partner, document: Document) -> NewMessage:
    """The whole Location for ``partner`` (initial sync, repairs)."""
    key = LocationKey.of(document)
    return _message(partner, key, Change(Target.LOCATION, True, document), supersede=True)


def messages(partner: Partner, change: LocationChanged) -> list[NewMessage]:
    changes = list(change.changes)
    if partner.profile.tariff_change_as_evse_patch:
        changes = as_evse_tariff_patches(changes, change.document)
    return [_message(partner, change.key, c, supersede=change.supersede) for c in changes]


def _body(change: Change) -> Document:
    where = change.target.value.lower()
    if not change.whole:
        body = render.fields(change.target.value, change.body)
        return checked(VERSION, MODULE, where, partial(_MODELS[change.target]), body)
    if change.target is Target.LOCATION:
        body = render.location(change.body)
    elif change.target is Target.EVSE:
        body = render.evse(change.body)
    else:
        body = render.connector(change.body)
    return checked(VERSION, MODULE, where, _MODELS[change.target], body)


def _message(partner: Partner, key: LocationKey, change: Change, *, supersede: bool) -> NewMessage:
    return NewMessage(
        partner_id=partner.id,
        module=MODULE,
        object_key=object_key(key),
        method="PUT" if change.whole else "PATCH",
        url=receiver_url(key, change),
        body=orjson.dumps(_body(change)),
        full_replace=supersede and change.target is Target.LOCATION and change.whole,
        version=VERSION,
    )
