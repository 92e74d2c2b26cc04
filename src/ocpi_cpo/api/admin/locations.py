"""Admin: Locations, EVSE statuses and operations. ``ocpi-cpo locations|evses|operations`` does
the same from a shell.

* ``POST /admin/locations``: import one OCPI 2.2.1 Location or an array (all or nothing; every
  problem is listed with its JSON path in ``data``, OCPI 2001).
* ``GET /admin/locations?offset=&limit=``: Locations with EVSE counts per status.
* ``GET /admin/locations/{cc}/{pid}/{id}``: one Location as we publish it.
* ``PUT /admin/evses/{evse_uid}/status``: set an EVSE's status (``{"status": "CHARGING"}``).
* ``GET /admin/operations``: operations, their network groups and counts.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ocpi_cpo.api.admin.auth import Admin
from ocpi_cpo.config import Settings
from ocpi_cpo.domain.locations import LocationKey, LocationSummary, OperationCounts, Problem
from ocpi_cpo.domain.stations import EvseStatus
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_2_1.locations.mapping import LocationInputError, parse_locations
from ocpi_cpo.ocpi.v2_2_1.locations.schemas import Location
from ocpi_cpo.ocpi.v2_2_1.types import format_datetime
from ocpi_cpo.services import locations as service

_IMPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Location"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Location"}},
                ]
            }
        }
    },
}


class LocationEnvelope(BaseModel):
    """The OCPI envelope around one Location (documents the response; Location in the schemas)."""

    data: Location
    status_code: int
    timestamp: str


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: EvseStatus
    location: str | None = Field(
        default=None, description="CC/PID/ID, needed only when two Locations share the EVSE uid"
    )


def problems_view(problems: list[Problem]) -> list[dict[str, str]]:
    return [{"path": p.path, "message": p.message} for p in problems]


def summary_view(summary: LocationSummary) -> dict[str, Any]:
    return {
        "country_code": summary.key.country_code,
        "party_id": summary.key.party_id,
        "id": summary.key.id,
        "visibility": summary.visibility.value,
        "evses": summary.evses,
        "statuses": summary.statuses,
        "last_updated": format_datetime(summary.last_updated),
    }


def operations_view(settings: Settings, counts: list[OperationCounts]) -> list[dict[str, Any]]:
    """Configured operations with their counts, then any owner found in storage but not configured."""
    by_party = {(c.country_code, c.party_id): c for c in counts}
    views = []
    for operation in settings.operations:
        owner = (operation.operator.country_code, operation.operator.party_id)
        found = by_party.pop(owner, None)
        views.append(
            {
                "operator_id": operation.operator_id,
                "name": operation.name,
                "network_group": operation.network_group,
                "configured": True,
                "locations": found.locations if found else 0,
                "evses": found.evses if found else 0,
                "statuses": found.statuses if found else {},
            }
        )
    for (country, party), found in sorted(by_party.items()):
        views.append(
            {
                "operator_id": f"{country}*{party}",
                "name": None,
                "network_group": None,
                "configured": False,
                "locations": found.locations,
                "evses": found.evses,
                "statuses": found.statuses,
            }
        )
    return views


def parse_key(text: str) -> LocationKey:
    return LocationKey.parse(text)


def router() -> APIRouter:
    api = APIRouter(tags=["admin: locations"])

    @api.post(
        "/locations",
        summary="Import one Location or an array of them (Gireve's checks apply; all or nothing)",
        openapi_extra={"requestBody": _IMPORT_BODY},
    )
    async def import_locations(
        request: Request,
        admin: Admin,
        context: Context,
        allow_unknown_tariffs: Annotated[
            bool,
            Query(description="import connectors naming unknown tariffs anyway (a warning each)"),
        ] = False,
    ) -> OcpiResponse:
        now = context.clock.now()
        try:
            operators = [o.operator for o in context.settings.operations]
            documents, single = parse_locations(await request.body(), operators=operators)
            async with context.storage.transaction() as uow:
                result = await service.import_locations(
                    uow,
                    context.publisher,
                    documents,
                    operators,
                    now,
                    single=single,
                    checked=True,
                    allow_unknown_tariffs=allow_unknown_tariffs,
                )
        except (LocationInputError, service.InvalidLocations) as exc:
            return ocpi_response(
                now, problems_view(exc.problems), status_code=2001, message=str(exc)
            )
        return ocpi_response(
            now,
            {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "queued": result.queued,
                "warnings": list(result.warnings),
            },
        )

    @api.get("/locations", summary="Locations with their EVSE counts per status")
    async def list_locations(
        admin: Admin,
        context: Context,
        offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> OcpiResponse:
        async with context.storage.read() as uow:
            total, found = await service.summaries(uow, offset, limit)
        return ocpi_response(
            context.clock.now(),
            [summary_view(s) for s in found],
            headers={"X-Total-Count": str(total)},
        )

    @api.get(
        "/locations/{country_code}/{party_id}/{location_id}",
        summary="One Location as partners receive it",
        responses={200: {"model": LocationEnvelope}},
    )
    async def show_location(
        country_code: str, party_id: str, location_id: str, admin: Admin, context: Context
    ) -> OcpiResponse:
        key = LocationKey(country_code.upper(), party_id.upper(), location_id)
        async with context.storage.read() as uow:
            stored = await service.get(uow, key)
        return ocpi_response(context.clock.now(), raw_data=stored.document)

    @api.put("/evses/{evse_uid}/status", summary="Set an EVSE's status (pushed to partners)")
    async def set_status(
        evse_uid: str, body: StatusChange, admin: Admin, context: Context
    ) -> OcpiResponse:
        now = context.clock.now()
        location = parse_key(body.location) if body.location else None
        async with context.storage.transaction() as uow:
            changed = await service.set_evse_status(
                uow, context.publisher, evse_uid, body.status, now, location=location
            )
        return ocpi_response(now, {"changed": changed})

    @api.get("/operations", summary="Operations, their network groups, Location and EVSE counts")
    async def list_operations(admin: Admin, context: Context) -> OcpiResponse:
        async with context.storage.read() as uow:
            counts = await service.operation_counts(uow)
        return ocpi_response(context.clock.now(), operations_view(context.settings, counts))

    return api
