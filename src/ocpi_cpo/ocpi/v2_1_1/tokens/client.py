"""The eMSP's Tokens interface, OCPI 2.1.1: real-time authorization
(``POST {tokens}/{token_uid}/authorize?type=``, mod_tokens 2.1.1 §2.2.2).

The body is a LocationReferences naming one Location and one EVSE (as for 2.2.1: gireve.md §8.2).
A 2.1.1 AuthorizationInfo carries no Token: the charge's token is then the one the eMSP pushed
us (when we hold it), else its uid under the eMSP's one party; Gireve's ``authorization_id`` is
kept as the decision's reference, which the Session and CDR carry.
"""

from __future__ import annotations

import orjson

from ocpi_cpo.domain.authorization import HubAnswer, HubVerdict
from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.authorize import ask_authorization
from ocpi_cpo.ocpi.transport import Transport
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
        info = await ask_authorization(
            self.transport,
            partner,
            uid=uid,
            token_type=token_type,
            location_id=location_id,
            evse_uid=evse_uid,
            routing=None,  # 2.1.1 has no routing headers: none are sent.
            timeout=self.timeout,
            model=AuthorizationInfo,
        )
        if isinstance(info, HubAnswer):
            return info
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
