"""HubClientInfo objects (mod_hub_client_info)."""

from __future__ import annotations

from ocpi_cpo.domain.partners import ConnectionStatus
from ocpi_cpo.ocpi.v2_2_1.credentials.schemas import Role
from ocpi_cpo.ocpi.v2_2_1.types import CountryCode, DateTime, OcpiModel, PartyId


class ClientInfo(OcpiModel):
    party_id: PartyId
    country_code: CountryCode
    role: Role
    status: ConnectionStatus
    last_updated: DateTime
