"""Credentials wire objects <-> domain."""

from __future__ import annotations

from ocpi_cpo.config import Settings
from ocpi_cpo.domain.partners import PartyRole
from ocpi_cpo.ocpi.v2_2_1.credentials.schemas import Credentials, CredentialsRole, Role
from ocpi_cpo.ocpi.v2_2_1.types import BusinessDetails, Image


def party_roles(credentials: Credentials) -> list[PartyRole]:
    return [
        PartyRole(r.role.value, r.country_code.upper(), r.party_id.upper(), r.business_details.name)
        for r in credentials.roles
    ]


def our_credentials(settings: Settings, token: str) -> Credentials:
    """One CPO role per configured operation, its party taken from its eMI3 Operator Id."""
    roles = []
    for operation in settings.operations:
        operator = operation.operator
        logo = settings.business_details.logo_url
        roles.append(
            CredentialsRole(
                role=Role.CPO,
                business_details=BusinessDetails(
                    name=operation.name,
                    website=operation.website or settings.business_details.website,
                    logo=Image(url=logo, category="OPERATOR", type=logo.rsplit(".", 1)[-1][:4])
                    if logo
                    else None,
                ),
                party_id=operator.party_id,
                country_code=operator.country_code,
            )
        )
    return Credentials(token=token, url=settings.versions_url, roles=roles)
