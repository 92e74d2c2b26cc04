"""A stored Location (the 2.2.1-rich form) as OCPI 2.1.1 (mod_locations 2.1.1).

* ``type`` (required in 2.1.1) from 2.2.1's ``parking_type``: the four that exist in both keep
  their name, ALONG_MOTORWAY and ON_DRIVEWAY are OTHER, none is UNKNOWN.
* No owner (``country_code``/``party_id``: they are in the Receiver URL), no ``publish`` or
  ``publish_allowed_to`` (only published Locations reach partners), no ``parking_type``.
* A connector's ``tariff_ids`` becomes its one ``tariff_id`` (the first, the one in force: a
  Gireve price change lists the new id after the old one until the old one ends), and
  ``max_voltage``/``max_amperage`` become ``voltage``/``amperage``.
* Capabilities and facilities 2.1.1 does not know are left out (they only inform); a power type
  or connector standard it does not know cannot be said: the wire check refuses it.
"""

from __future__ import annotations

from typing import Any

from ocpi_cpo.ocpi.v2_1_1.locations.schemas import CAPABILITIES, FACILITIES

Json = dict[str, Any]

_TYPES = {
    "ON_STREET": "ON_STREET",
    "PARKING_GARAGE": "PARKING_GARAGE",
    "UNDERGROUND_GARAGE": "UNDERGROUND_GARAGE",
    "PARKING_LOT": "PARKING_LOT",
    "ALONG_MOTORWAY": "OTHER",
    "ON_DRIVEWAY": "OTHER",
}
_LOCATION_DROPPED = {
    "country_code",
    "party_id",
    "publish",
    "publish_allowed_to",
    "parking_type",
    "state",
    "facilities",
    "evses",
}
_EVSE_DROPPED = {"capabilities", "connectors"}
_CONNECTOR_RENAMED = {"max_voltage": "voltage", "max_amperage": "amperage"}
_CONNECTOR_DROPPED = {"max_electric_power", "tariff_ids"}


def location(document: Json) -> Json:
    """The whole Location in 2.1.1 form."""
    body = {k: v for k, v in document.items() if k not in _LOCATION_DROPPED}
    body["type"] = _TYPES.get(str(document.get("parking_type")), "UNKNOWN")
    facilities = [f for f in document.get("facilities") or [] if f in FACILITIES]
    if facilities:
        body["facilities"] = facilities
    if "evses" in document:
        body["evses"] = [evse(e) for e in document["evses"]]
    return _ordered(body)


def evse(document: Json) -> Json:
    body = {k: v for k, v in document.items() if k not in _EVSE_DROPPED}
    capabilities = [c for c in document.get("capabilities") or [] if c in CAPABILITIES]
    if capabilities:
        body["capabilities"] = capabilities
    if "connectors" in document:
        body["connectors"] = [connector(c) for c in document["connectors"]]
    return body


def connector(document: Json) -> Json:
    body = {
        _CONNECTOR_RENAMED.get(k, k): v for k, v in document.items() if k not in _CONNECTOR_DROPPED
    }
    tariff_ids = document.get("tariff_ids") or []
    if tariff_ids:
        body["tariff_id"] = tariff_ids[0]
    return body


def fields(target: str, changed: Json) -> Json:
    """A PATCH body (changed fields of a Location, EVSE or connector) in 2.1.1 form."""
    if target == "CONNECTOR":
        return connector(changed)
    if target == "EVSE":
        return evse(changed)
    body = {k: v for k, v in changed.items() if k not in _LOCATION_DROPPED}
    if "parking_type" in changed:
        body["type"] = _TYPES.get(str(changed["parking_type"]), "UNKNOWN")
    if "facilities" in changed:
        body["facilities"] = [f for f in changed["facilities"] or [] if f in FACILITIES]
    if "evses" in changed:
        body["evses"] = [evse(e) for e in changed["evses"]]
    return body


def only(document: Json, evse_uid: str, connector_id: str) -> Json:
    """The Location with only one EVSE and one connector (a 2.1.1 Session's or CDR's
    ``location``), in 2.1.1 form."""
    kept = dict(document)
    kept["evses"] = [
        {**e, "connectors": [c for c in e.get("connectors", []) if c.get("id") == connector_id]}
        for e in document.get("evses", [])
        if e.get("uid") == evse_uid
    ]
    return location(kept)


def _ordered(body: Json) -> Json:
    """``id`` and ``type`` first, as the spec's examples write them (easier to read in logs)."""
    head: Json = {k: body[k] for k in ("id", "type") if k in body}
    return {**head, **{k: v for k, v in body.items() if k not in head}}
