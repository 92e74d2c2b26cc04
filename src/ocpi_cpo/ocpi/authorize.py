"""The exchange every version's real-time authorization shares: ``POST {tokens}/{uid}/authorize``
with a LocationReferences naming one Location and one EVSE (gireve.md §8.2), the partner's
failures mapped to a verdict, and its AuthorizationInfo read with that version's model.

What differs per version (the model, routing headers, what the answer's token is) stays in
``ocpi.<version>.tokens.client``.
"""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from ocpi_cpo.domain.authorization import HubAnswer, HubVerdict
from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.json_path import json_path
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.transport import Transport, TransportError
from ocpi_cpo.ocpi.urls import endpoint_url, path_of

M = TypeVar("M", bound=BaseModel)


async def ask_authorization(
    transport: Transport,
    partner: Partner,
    *,
    uid: str,
    token_type: str,
    location_id: str,
    evse_uid: str,
    routing: Routing | None,
    timeout: float,
    model: type[M],
) -> M | HubAnswer:
    """The partner's AuthorizationInfo as ``model``, or the verdict of an exchange that failed."""
    endpoint = partner.endpoint("tokens", "SENDER")
    if endpoint is None or partner.outbound_token is None:
        return HubAnswer(HubVerdict.FAILED, reason=f"{partner.name} offers no tokens Sender")
    url = endpoint_url(endpoint.url, path_of(uid, "authorize"), {"type": token_type})
    body = orjson.dumps({"location_id": location_id, "evse_uids": [evse_uid]})
    try:
        reply = await transport.send(
            "POST",
            url,
            token=partner.outbound_token,
            token_base64=partner.token_base64,
            body=body,
            routing=routing,
            timeout=timeout,
        )
    except TransportError as exc:
        return HubAnswer(HubVerdict.FAILED, reason=str(exc))
    if reply.http_status == 404 or reply.ocpi_status == 2004:
        return HubAnswer(HubVerdict.UNKNOWN_TOKEN, reason="the eMSP does not know this token")
    if not reply.ok:
        return HubAnswer(HubVerdict.FAILED, reason=f"{partner.name} answered {reply.problem()}")
    try:
        return model.model_validate(reply.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = json_path(first["loc"])
        return HubAnswer(
            HubVerdict.FAILED, reason=f"malformed AuthorizationInfo: {where}: {first['msg']}"
        )
