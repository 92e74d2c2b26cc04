"""Real-time authorization with every OCPI version: each partner is asked in its own version's
wire (``ocpi.<version>.tokens.client``); the composition root gives this to the services."""

from __future__ import annotations

from ocpi_cpo.domain.authorization import HubAnswer
from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.transport import Transport
from ocpi_cpo.ocpi.v2_1_1.tokens.client import HubAuthorizer as HubAuthorizer211
from ocpi_cpo.ocpi.v2_2_1.tokens.client import HubAuthorizer as HubAuthorizer221
from ocpi_cpo.services.authorization import HubAuthorizer
from ocpi_cpo.services.publishing import DEFAULT_VERSION


class VersionedAuthorizer:
    """Implements ``services.authorization.HubAuthorizer``: picks the partner's version."""

    def __init__(self, transport: Transport, timeout: float) -> None:
        self.by_version: dict[str, HubAuthorizer] = {
            "2.2.1": HubAuthorizer221(transport, timeout),
            "2.1.1": HubAuthorizer211(transport, timeout),
        }

    async def authorize(
        self,
        partner: Partner,
        uid: str,
        token_type: str,
        location_id: str,
        evse_uid: str,
        routing: Routing,
    ) -> HubAnswer:
        client = self.by_version.get(partner.version or DEFAULT_VERSION)
        if client is None:
            client = self.by_version[DEFAULT_VERSION]
        return await client.authorize(partner, uid, token_type, location_id, evse_uid, routing)
