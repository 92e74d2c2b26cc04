"""Admin: tariffs (docs/tariffs.md). The CLI's ``ocpi-cpo tariffs`` does the same from a shell.

* ``GET /admin/tariffs``: every description we publish.
* ``PUT /admin/tariffs[?operation=FR*AB1]``: publish a Tariff or a list (all or nothing).
* ``DELETE /admin/tariffs/{cc}/{pid}/{id}[?target=CC/PID|default]``: remove descriptions.
* ``POST /admin/tariffs/{cc}/{pid}/{id}/change-price[?at=...]``: Gireve's price change, body =
  the new tariff.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ocpi_cpo.api.admin.auth import Admin
from ocpi_cpo.config import Settings
from ocpi_cpo.domain.emi3 import Emi3Error, OperatorId
from ocpi_cpo.domain.tariffs import Party, Tariff, format_utc
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.errors import InvalidParameters
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_2_1.tariffs.mapping import (
    TariffDocumentError,
    our_parties,
    parse_moment,
    read_tariffs,
)
from ocpi_cpo.services import tariffs as service
from ocpi_cpo.services.errors import RuleViolation


def tariff_view(tariff: Tariff) -> dict[str, Any]:
    key = tariff.key
    return {
        "country_code": key.country_code,
        "party_id": key.party_id,
        "id": key.id,
        "target": str(key.target) if key.target else None,
        "type": tariff.type,
        "currency": tariff.currency,
        "start_date_time": format_utc(tariff.start_date_time) if tariff.start_date_time else None,
        "end_date_time": format_utc(tariff.end_date_time) if tariff.end_date_time else None,
        "last_updated": format_utc(tariff.last_updated),
    }


def published_view(result: service.Published) -> dict[str, Any]:
    return {
        "created": [str(k) for k in result.created],
        "updated": [str(k) for k in result.updated],
        "unchanged": [str(k) for k in result.unchanged],
        "deleted": [str(k) for k in result.deleted],
        "queued": result.queued,
        "connectors": result.connectors,
        "warnings": result.warnings,
    }


def owner_of(settings: Settings, operation: str | None) -> Party | None:
    """The party of ``--operation FR*AB1``, which must be one of ours."""
    if operation is None:
        return None
    try:
        operator = OperatorId.parse(operation)
    except Emi3Error as exc:
        raise RuleViolation(f"operation {operation!r}: {exc}") from None
    party = Party(operator.country_code, operator.party_id)
    if party not in our_parties(settings):
        raise RuleViolation(f"operation {operation} is not configured: see [[operations]]")
    return party


def parse_target(text: str) -> Party:
    country, _, party = text.upper().partition("/")
    if len(country) != 2 or len(party) != 3:
        raise RuleViolation(f"target {text!r}: expected COUNTRY/PARTY such as FR/MSP")
    return Party(country, party)


def decode(raw: bytes) -> object:
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise InvalidParameters(f"the body is not valid JSON: {exc}", http_status=400) from None


def documents(raw: bytes, owner: Party | None, now: datetime) -> list[Tariff]:
    try:
        return read_tariffs(decode(raw), owner=owner, now=now)
    except TariffDocumentError as exc:
        raise InvalidParameters(str(exc)) from None


def router() -> APIRouter:
    api = APIRouter(tags=["admin: tariffs"])

    @api.get("/tariffs", summary="Every tariff description we publish")
    async def list_tariffs(admin: Admin, context: Context) -> OcpiResponse:
        async with context.storage.read() as uow:
            found = await uow.tariffs.all()
        return ocpi_response(context.clock.now(), [tariff_view(t) for t in found])

    @api.put("/tariffs", summary="Publish a Tariff or a list of them (Gireve's rules apply)")
    async def import_tariffs(
        request: Request,
        admin: Admin,
        context: Context,
        operation: Annotated[str | None, Query(description="owner, e.g. FR*AB1")] = None,
    ) -> OcpiResponse:
        now = context.clock.now()
        owner = owner_of(context.settings, operation)
        found = documents(await request.body(), owner, now)
        async with context.storage.transaction() as uow:
            result = await service.publish(
                uow, context.publisher, found, our_parties(context.settings), now
            )
        return ocpi_response(now, published_view(result))

    @api.delete("/tariffs/{country_code}/{party_id}/{tariff_id}", summary="Remove a tariff")
    async def delete_tariff(
        country_code: str,
        party_id: str,
        tariff_id: str,
        admin: Admin,
        context: Context,
        target: Annotated[
            str | None, Query(description="CC/PID or 'default'; all descriptions if omitted")
        ] = None,
        force: Annotated[
            bool, Query(description="first remove it from the connectors naming it (pushed)")
        ] = False,
    ) -> OcpiResponse:
        now = context.clock.now()
        owner = Party(country_code.upper(), party_id.upper())
        which = None if target in (None, "default") else parse_target(target or "")
        async with context.storage.transaction() as uow:
            result = await service.delete(
                uow,
                context.publisher,
                owner,
                tariff_id,
                which,
                now,
                every_description=target is None,
                force=force,
            )
        return ocpi_response(now, published_view(result))

    @api.post(
        "/tariffs/{country_code}/{party_id}/{tariff_id}/change-price",
        summary="New tariff from a date, old one ended then, both ids on the connectors",
    )
    async def change_price(
        country_code: str,
        party_id: str,
        tariff_id: str,
        request: Request,
        admin: Admin,
        context: Context,
        at: Annotated[
            str | None, Query(description="change date, e.g. 2026-12-01T00:00:00Z")
        ] = None,
    ) -> OcpiResponse:
        now = context.clock.now()
        owner = Party(country_code.upper(), party_id.upper())
        new = documents(await request.body(), owner, now)
        try:
            when = None if at is None else parse_moment("at", at)
        except TariffDocumentError as exc:
            raise InvalidParameters(str(exc)) from None
        async with context.storage.transaction() as uow:
            result = await service.change_price(
                uow, context.publisher, tariff_id, new, when, our_parties(context.settings), now
            )
        return ocpi_response(now, published_view(result))

    return api
