"""The simulated hub's Locations Receiver (mod_locations, receiver side), kept in memory.

PUT stores a Location, EVSE or connector; PATCH applies the given fields (``last_updated``
required); both bump the parents' ``last_updated`` as a receiver does. GET answers what is held,
or HTTP 404 with OCPI 2003. ``/_sim/locations`` shows what is held; PUT there replaces one copy
(to make it stale in a test).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

_BASE = "/locations/{country_code}/{party_id}/{location_id}"
Reply = Callable[..., Response]


def _find(items: list[dict[str, Any]], field: str, value: str) -> dict[str, Any] | None:
    return next((item for item in items if item.get(field) == value), None)


def _held(
    held: dict[str, dict[str, Any]], key: str, evse_uid: str | None, connector_id: str | None
) -> dict[str, Any] | None:
    """The object at the path, or None."""
    location = held.get(key)
    if location is None or evse_uid is None:
        return location
    evse = _find(location.get("evses") or [], "uid", evse_uid)
    if evse is None or connector_id is None:
        return evse
    return _find(evse.get("connectors") or [], "id", connector_id)


def _bump(held: dict[str, dict[str, Any]], key: str, evse_uid: str | None, stamp: str) -> None:
    location = held[key]
    location["last_updated"] = stamp
    if evse_uid is not None:
        evse = _find(location.get("evses") or [], "uid", evse_uid)
        if evse is not None:
            evse["last_updated"] = stamp


def _put(
    held: dict[str, dict[str, Any]],
    key: str,
    evse_uid: str | None,
    connector_id: str | None,
    body: dict[str, Any],
) -> str | None:
    """Store ``body`` at the path; an error message when the parent is unknown."""
    if evse_uid is None:
        held[key] = body
        return None
    parent = _held(held, key, evse_uid if connector_id is not None else None, None)
    if parent is None:
        return "unknown parent object: PUT the Location (or EVSE) first"
    field, ident, children = (
        ("uid", evse_uid, "evses") if connector_id is None else ("id", connector_id, "connectors")
    )
    items = parent.setdefault(children, [])
    existing = _find(items, field, ident)
    if existing is None:
        items.append(body)
    else:
        items[items.index(existing)] = body
    _bump(held, key, evse_uid if connector_id is not None else None, body["last_updated"])
    return None


def add_locations_receiver(
    app: FastAPI, held: dict[str, dict[str, Any]], reply: Reply, prefix: str = "/ocpi/2.2.1"
) -> None:
    """Mount the Receiver on ``app`` under ``prefix`` (``/ocpi/{version}``: the URL layout is the
    same in 2.1.1 and 2.2.1); ``held`` maps "cc/pid/location_id" to the Location."""

    async def receive(request: Request, method: str) -> Response:
        params = request.path_params
        key = f"{params['country_code']}/{params['party_id']}/{params['location_id']}"
        evse_uid, connector_id = params.get("evse_uid"), params.get("connector_id")
        if method == "GET":
            found = _held(held, key, evse_uid, connector_id)
            if found is None:
                return reply(status=2003, message="unknown location", http=404)
            return reply(found)
        body = orjson.loads(await request.body())
        if not isinstance(body, dict) or "last_updated" not in body:
            return reply(status=2001, message="last_updated is required")
        if method == "PUT":
            problem = _put(held, key, evse_uid, connector_id, body)
            return reply(status=2001, message=problem) if problem else reply()
        target = _held(held, key, evse_uid, connector_id)
        if target is None:
            return reply(status=2003, message="unknown location", http=404)
        target.update(body)
        _bump(held, key, evse_uid, body["last_updated"])
        return reply()

    async def location(request: Request) -> Response:
        return await receive(request, request.method)

    base = prefix + _BASE
    for path in (base, base + "/{evse_uid}", base + "/{evse_uid}/{connector_id}"):
        app.add_api_route(path, location, methods=["GET", "PUT", "PATCH"], include_in_schema=False)

    @app.get("/_sim/locations")
    async def show_locations() -> Response:
        return Response(orjson.dumps(held), media_type="application/json")

    @app.put("/_sim/locations/{country_code}/{party_id}/{location_id}")
    async def replace_copy(request: Request) -> Response:
        params = request.path_params
        key = f"{params['country_code']}/{params['party_id']}/{params['location_id']}"
        held[key] = orjson.loads(await request.body())
        return Response(orjson.dumps({"held": key}), media_type="application/json")
