"""ClientInfo wire <-> domain."""

from __future__ import annotations

from ocpi_cpo.domain import partners as domain
from ocpi_cpo.ocpi.v2_2_1.credentials.schemas import Role
from ocpi_cpo.ocpi.v2_2_1.hubclientinfo.schemas import ClientInfo


def to_domain(info: ClientInfo) -> domain.ClientInfo:
    return domain.ClientInfo(
        country_code=info.country_code.upper(),
        party_id=info.party_id.upper(),
        role=info.role.value,
        status=info.status,
        last_updated=info.last_updated,
    )


def to_wire(info: domain.ClientInfo) -> ClientInfo:
    return ClientInfo(
        party_id=info.party_id,
        country_code=info.country_code,
        role=Role(info.role),
        status=info.status,
        last_updated=info.last_updated,
    )
