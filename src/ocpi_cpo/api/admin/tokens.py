"""Admin: authorize a token at an EVSE (as a station would), and see the decisions taken."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ocpi_cpo.api.admin.auth import Admin
from ocpi_cpo.domain.authorization import DecisionRecord
from ocpi_cpo.domain.stations import AuthorizationRequest
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response


class AuthorizeRequest(BaseModel):
    uid: str = Field(min_length=1, max_length=36, description="as read by the station")
    type: str = Field(default="RFID", pattern="^(RFID|APP_USER|AD_HOC_USER|OTHER)$")
    evse: str = Field(min_length=1, max_length=48, description="EVSE uid or eMI3 evse_id")


def decision_view(record: DecisionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "at": record.at.isoformat(),
        "uid": record.uid,
        "type": record.token_type,
        "location_id": record.location_id,
        "evse_uid": record.evse_uid,
        "allowed": record.outcome.value,
        "source": record.source.value,
        "offline": record.offline,
        "reason": record.reason,
        "latency_ms": round(record.latency_ms, 2),
        "authorization_reference": record.authorization_reference,
    }


def router() -> APIRouter:
    api = APIRouter(tags=["admin: authorization"])

    @api.post("/tokens/authorize", summary="Decide as for an RFID swipe at an EVSE")
    async def authorize(body: AuthorizeRequest, admin: Admin, context: Context) -> OcpiResponse:
        decision = await context.authorization.authorize(
            AuthorizationRequest(
                station_id="admin", evse_uid=body.evse, uid=body.uid, token_type=body.type
            )
        )
        return ocpi_response(
            context.clock.now(),
            {
                "allowed": decision.outcome.value,
                "authorization_reference": decision.authorization_reference,
                "offline": decision.offline,
                "reason": decision.reason,
            },
        )

    @api.get("/authorizations", summary="The latest authorization decisions")
    async def decisions(
        admin: Admin,
        context: Context,
        uid: Annotated[str | None, Query(max_length=36)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> OcpiResponse:
        async with context.storage.read() as uow:
            records = await uow.emsp_tokens.decisions(limit, uid)
        return ocpi_response(context.clock.now(), [decision_view(r) for r in records])

    return api
