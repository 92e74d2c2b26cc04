"""The eMSP's Tokens interface, OCPI 2.1.1: real-time authorization
(``POST {tokens}/{token_uid}/authorize?type=``, mod_tokens 2.1.1 §2.2.2).

The body is a LocationReferences naming one Location and one EVSE (as for 2.2.1: gireve.md §8.2).
A 2.1.1 AuthorizationInfo carries no Token: the charge's token is then the one the eMSP pushed
us (when we hold it), else its uid under the eMSP's one party; Gireve's ``authorization_id`` is
kept as the decision's reference, which the Session and CDR carry.
"""

from __future__ import annotations

import orjson
from pydantic import ValidationError

from ocpi_cpo.domain.authorization import HubAnswer, HubVerdict
from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.json_path import json_path
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.transport import Transport, TransportError
from ocpi_cpo.ocpi.urls import endpoint_url, path_of
from ocpi_cpo.ocpi.v2_1_1.tokens.schemas import AuthorizationInfo


class HubAuthorizer:
    """Implements ``services.authorization.HubAuthorizer`` for a 2.1.1 partner."""

    def __init__(self, transport: Transport, timeout: float) -> None:
        self.transport = transport
        self.timeout = timeout

    async def authorize(
        self,
        partner: Partner,
        uid: str,
        token_type: str,
        location_id: str,
        evse_uid: str,
        routing: Routing,
    ) -> HubAnswer:
        endpoint = partner.endpoint("tokens", "SENDER")
        if endpoint is None or partner.outbound_token is None:
            return HubAnswer(HubVerdict.FAILED, reason=f"{partner.name} offers no tokens module")
        url = endpoint_url(endpoint.url, path_of(uid, "authorize"), {"type": token_type})
        body = orjson.dumps({"location_id": location_id, "evse_uids": [evse_uid]})
        try:
            # 2.1.1 has no routing headers: none are sent.
            reply = await self.transport.send(
                "POST",
                url,
                token=partner.outbound_token,
                token_base64=partner.token_base64,
                body=body,
                timeout=self.timeout,
            )
        except TransportError as exc:
            return HubAnswer(HubVerdict.FAILED, reason=str(exc))
        if reply.http_status == 404 or reply.ocpi_status == 2004:
            return HubAnswer(HubVerdict.UNKNOWN_TOKEN, reason="the eMSP does not know this token")
        if not reply.ok:
            return HubAnswer(HubVerdict.FAILED, reason=f"eMSP answered {reply.problem()}")
        try:
            info = AuthorizationInfo.model_validate(reply.data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = json_path(first["loc"])
            return HubAnswer(
                HubVerdict.FAILED, reason=f"malformed AuthorizationInfo: {where}: {first['msg']}"
            )
        return HubAnswer(
            HubVerdict.ANSWERED,
            allowed=info.allowed.value,
            authorization_reference=info.authorization_id,
            token_document=_token_of(partner, uid, token_type),
            token_complete=False,
            reason=f"the eMSP answered {info.allowed.value}",
        )


def _token_of(partner: Partner, uid: str, token_type: str) -> bytes | None:
    """The token as far as the answer tells: its uid under the partner's one party."""
    parties = [r for r in partner.roles if r.role == "EMSP"] or list(partner.roles)
    if not parties:
        return None
    party = parties[0]
    return orjson.dumps(
        {
            "country_code": party.country_code.upper(),
            "party_id": party.party_id.upper(),
            "uid": uid,
            "type": token_type,
            "contract_id": uid,
        }
    )
