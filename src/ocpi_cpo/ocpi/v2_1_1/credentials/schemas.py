"""OCPI 2.1.1 Credentials object (credentials.md 2.1.1): one party, no roles."""

from __future__ import annotations

from ocpi_cpo.ocpi.v2_2_1.credentials.schemas import CredentialsToken
from ocpi_cpo.ocpi.v2_2_1.types import BusinessDetails, CountryCode, OcpiModel, PartyId, Url


class Credentials(OcpiModel):
    token: CredentialsToken
    url: Url
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode
