"""Pull the hub's ClientInfo Sender (no routing headers on this module)."""

from __future__ import annotations

from pydantic import ValidationError

from ocpi_cpo.domain import partners as domain
from ocpi_cpo.ocpi.pull import PullError, pull_pages
from ocpi_cpo.ocpi.transport import Transport
from ocpi_cpo.ocpi.v2_2_1.hubclientinfo.mapping import to_domain
from ocpi_cpo.ocpi.v2_2_1.hubclientinfo.schemas import ClientInfo


async def pull_client_info(
    transport: Transport, partner: domain.Partner, *, timeout: float
) -> list[domain.ClientInfo]:
    endpoint = partner.endpoint("hubclientinfo", "SENDER")
    if endpoint is None or partner.outbound_token is None:
        raise PullError(f"partner {partner.name!r} offers no hubclientinfo Sender")
    found: list[domain.ClientInfo] = []
    async for page in pull_pages(
        transport,
        endpoint.url,
        token=partner.outbound_token,
        token_base64=partner.token_base64,
        timeout=timeout,
    ):
        for index, item in enumerate(page.items):
            try:
                found.append(to_domain(ClientInfo.model_validate(item)))
            except ValidationError as exc:
                raise PullError(f"ClientInfo #{index} of {page.url} is invalid: {exc}") from None
    return found
