"""Sessions, CDRs and Tariffs stored in the 2.2.1-rich form, rendered as OCPI 2.1.1.

* Session (mod_sessions 2.1.1): ``start_datetime``/``end_datetime``, ``auth_id`` = the token's
  uid, ``location`` = the Location at the start with only the charge's EVSE and connector
  (``ChargeSession.place``), ``total_cost`` = the amount excluding VAT, no owner fields nor
  ``authorization_reference``.
* CDR (mod_cdrs 2.1.1): ``stop_date_time``, ``auth_id``, ``location``, ``tariffs`` in 2.1.1 form,
  ``total_cost`` a number, ``total_parking_time`` kept; 2.1.1 has no Credit CDRs.
* Tariff (mod_tariffs 2.1.1): no owner, ``type``, ``min_price``/``max_price`` nor
  ``start_date_time``/``end_date_time`` (a 2.1.1 partner learns a price change from the
  connector's new ``tariff_id``), price components without ``vat``; a restriction 2.1.1 cannot
  say (current, reservation) would widen the element: the wire check refuses it instead.
* AuthMethod COMMAND (2.2.1) was a remote start the eMSP asked for: AUTH_REQUEST in 2.1.1.
* Charging period dimensions 2.1.1 does not know (CURRENT, POWER, STATE_OF_CHARGE ...) are left
  out: they only inform, the priced ones (ENERGY, TIME, PARKING_TIME, FLAT) are all in 2.1.1.
"""

from __future__ import annotations

from typing import Any

from ocpi_cpo.ocpi.v2_1_1.locations import render as locations
from ocpi_cpo.ocpi.v2_1_1.sessions.schemas import CdrDimensionType

Json = dict[str, Any]

_DIMENSIONS = frozenset(t.value for t in CdrDimensionType)
_TARIFF_DROPPED = {
    "country_code",
    "party_id",
    "type",
    "min_price",
    "max_price",
    "start_date_time",
    "end_date_time",
}


def auth_method(value: object) -> str:
    return "AUTH_REQUEST" if value == "COMMAND" else str(value)


def amount(price: object) -> object:
    """2.2.1 Price {excl_vat, incl_vat} -> 2.1.1 number (excluding VAT)."""
    return price.get("excl_vat") if isinstance(price, dict) else price


def periods(values: list[Json] | None) -> list[Json]:
    result = []
    for period in values or []:
        dimensions = [d for d in period.get("dimensions", []) if d.get("type") in _DIMENSIONS]
        if dimensions:
            result.append({"start_date_time": period["start_date_time"], "dimensions": dimensions})
    return result


def place_of(place: Json | None, fallback: Json) -> Json:
    """The 2.1.1 ``location``: the stored place, else what the 2.2.1 ``cdr_location`` says."""
    if place is not None:
        evse, connector = place["evses"][0], place["evses"][0]["connectors"][0]
        return locations.only(place, str(evse["uid"]), str(connector["id"]))
    return {"id": fallback.get("id")}


def session(document: Json, place: Json | None) -> Json:
    body: Json = {
        "id": document["id"],
        "start_datetime": document["start_date_time"],
        "kwh": document["kwh"],
        "auth_id": document["cdr_token"]["uid"],
        "auth_method": auth_method(document["auth_method"]),
        "location": place_of(place, {"id": document.get("location_id")}),
        "currency": document["currency"],
        "status": document["status"],
        "last_updated": document["last_updated"],
    }
    if document.get("end_date_time"):
        body["end_datetime"] = document["end_date_time"]
    if document.get("meter_id"):
        body["meter_id"] = document["meter_id"]
    if document.get("charging_periods"):
        body["charging_periods"] = periods(document["charging_periods"])
    if document.get("total_cost") is not None:
        body["total_cost"] = amount(document["total_cost"])
    return body


def session_changes(changes: Json) -> Json:
    """A Session PATCH body in 2.1.1 names."""
    renames = {"start_date_time": "start_datetime", "end_date_time": "end_datetime"}
    body = {renames.get(k, k): v for k, v in changes.items()}
    if "total_cost" in body:
        body["total_cost"] = amount(body["total_cost"])
    if "charging_periods" in body:
        body["charging_periods"] = periods(body["charging_periods"])
    return body


def tariff(document: Json) -> Json:
    body = {k: v for k, v in document.items() if k not in _TARIFF_DROPPED}
    body["elements"] = [
        {
            **element,
            "price_components": [
                {k: v for k, v in c.items() if k != "vat"} for c in element["price_components"]
            ],
        }
        for element in document.get("elements", [])
    ]
    return body


def cdr(document: Json, place: Json | None) -> Json:
    body: Json = {
        "id": document["id"],
        "start_date_time": document["start_date_time"],
        "stop_date_time": document["end_date_time"],
        "auth_id": document["cdr_token"]["uid"],
        "auth_method": auth_method(document["auth_method"]),
        "location": place_of(place, document.get("cdr_location") or {}),
        "currency": document["currency"],
        "charging_periods": periods(document.get("charging_periods")),
        "total_cost": amount(document["total_cost"]),
        "total_energy": document["total_energy"],
        "total_time": document["total_time"],
        "last_updated": document["last_updated"],
    }
    if document.get("tariffs"):
        body["tariffs"] = [tariff(t) for t in document["tariffs"]]
    for name in ("meter_id", "total_parking_time", "remark"):
        if document.get(name) is not None:
            body[name] = document[name]
    return body


_UNSAYABLE = ("min_current", "max_current", "reservation")


def tariff_problem(document: Json) -> tuple[str, str] | None:
    """(JSON path, why) of a restriction 2.1.1 cannot say, None when the tariff fits."""
    for index, element in enumerate(document.get("elements", [])):
        for name in _UNSAYABLE:
            if name in (element.get("restrictions") or {}):
                return (
                    f"elements[{index}].restrictions.{name}",
                    "OCPI 2.1.1 has no such restriction: without it the element would apply"
                    " more widely (publish this tariff to 2.1.1 partners without it)",
                )
    return None
