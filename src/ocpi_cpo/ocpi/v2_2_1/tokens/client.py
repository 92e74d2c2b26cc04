"""The partner's Tokens Sender: real-time authorization (POST {tokens}/{uid}/authorize) and pulls.

Real-time authorization always names exactly one location and one EVSE (gireve.md §8.2).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import orjson
from pydantic import ValidationError

from ocpi_cpo.domain.authorization import HubAnswer, HubVerdict
from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.authorize import ask_authorization
from ocpi_cpo.ocpi.pull import PullError, pull_pages
from ocpi_cpo.ocpi.transport import Transport
from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import AuthorizationInfo, Token
from ocpi_cpo.ocpi.v2_2_1.types import format_datetime


class HubAuthorizer:
    """Implements ``services.authorization.HubAuthorizer`` over the one transport."""

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
            routing=routing,
            timeout=self.timeout,
            model=AuthorizationInfo,
        )
        if isinstance(info, HubAnswer):
            return info
        return HubAnswer(
            HubVerdict.ANSWERED,
            allowed=info.allowed.value,
            authorization_reference=info.authorization_reference,
            token_document=orjson.dumps(info.token.model_dump(mode="json", exclude_none=True)),
            reason=f"the eMSP answered {info.allowed.value}",
        )


async def pull_tokens(
    transport: Transport,
    partner: Partner,
    *,
    since: datetime | None,
    timeout: float,
    routing: Routing | None,
) -> AsyncIterator[list[Token]]:
    """Each page of the partner's Tokens Sender list (incremental with ``date_from``)."""
    endpoint = partner.endpoint("tokens", "SENDER")
    if endpoint is None or partner.outbound_token is None:
        raise PullError(f"partner {partner.name} offers no Tokens Sender: nothing to pull")
    params = {"date_from": format_datetime(since)} if since is not None else None
    async for page in pull_pages(
        transport,
        endpoint.url,
        token=partner.outbound_token,
        token_base64=partner.token_base64,
        params=params,
        routing=routing,
        timeout=timeout,
    ):
        tokens = []
        for index, item in enumerate(page.items):
            try:
                tokens.append(Token.model_validate(item))
            except ValidationError as exc:
                raise PullError(f"token #{index} of {page.url} is invalid: {exc}") from None
        yield tokens
