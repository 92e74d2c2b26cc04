"""Credentials module objects (credentials §"Object description")."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field, StringConstraints

from ocpi_cpo.ocpi.v2_2_1.types import BusinessDetails, CountryCode, OcpiModel, PartyId, Url


class Role(enum.StrEnum):
    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


#: string(64) of printable non-space ASCII (U+0021-U+007E)
CredentialsToken = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")
]


class CredentialsRole(OcpiModel):
    role: Role
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(OcpiModel):
    token: CredentialsToken
    url: Url
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]
