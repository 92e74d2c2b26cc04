"""Tariffs: the list, where each is used, and a price preview (same engine as ``ocpi-cpo price``).

The preview changes nothing, so it is a GET form that viewers may use too."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ocpi_cpo.api.console.auth import Viewer
from ocpi_cpo.api.console.render import page
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.services import network, tariff_preview
from ocpi_cpo.services.errors import RuleViolation


def router() -> APIRouter:
    api = APIRouter()

    @api.get("/tariffs")
    async def tariffs(
        request: Request,
        principal: Viewer,
        context: Context,
        tariff: str = "",
        start: str = "",
        minutes: str = "60",
        kwh: str = "20",
        power: str = "22",
        time_zone: str = "Europe/Paris",
    ) -> Response:
        async with context.storage.read() as uow:
            found = await tariff_preview.published(uow)
            places = await network.locations(uow)
        used: dict[tuple[str, str, str], list[str]] = {}
        for place in places:
            for evse in place.evses:
                for connector in evse.connectors:
                    for tariff_id in connector.get("tariff_ids") or []:
                        owner = (place.key.country_code, place.key.party_id, str(tariff_id))
                        used.setdefault(owner, []).append(f"{place.key.id}/{evse.uid}")
        charge = tariff_preview.Charge(
            start or context.clock.now().strftime("%Y-%m-%dT%H:%M"), minutes, kwh, power, time_zone
        )
        result, error = None, None
        chosen = next((t for t in found if str(t.key) == tariff), None)
        if tariff:
            try:
                if chosen is None:
                    raise RuleViolation(f"tariff {tariff!r} is not published")
                result = tariff_preview.preview(chosen, charge)
            except RuleViolation as exc:
                error = exc.message
        return page(
            request,
            "tariffs.html",
            principal,
            tariffs=found,
            used=used,
            charge=charge,
            chosen=tariff,
            result=result,
            error=error,
        )

    return api
