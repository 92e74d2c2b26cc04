"""A partner registered straight in storage, for tests that need one to receive pushes."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpi_cpo.domain.partners import Direction, Endpoint, Partner, PartnerState, PartyRole
from ocpi_cpo.storage.sql.engine import SqlStorage


async def register_partner(storage: SqlStorage, base_url: str, name: str = "hub") -> Partner:
    async with storage.transaction() as uow:
        partner = await uow.partners.create(
            name, "gireve-preprod", PartnerState.REGISTERED, datetime.now(UTC)
        )
        await uow.partners.save_connection(
            partner.id,
            state=PartnerState.REGISTERED,
            direction=Direction.FROM_PARTNER,
            versions_url=f"{base_url}/ocpi/versions",
            version="2.2.1",
            endpoints=[Endpoint("locations", "RECEIVER", f"{base_url}/ocpi/2.2.1/locations")],
            roles=[PartyRole("HUB", "FR", "107")],
            outbound_token="their-token",
            registered_at=datetime.now(UTC),
        )
        stored = await uow.partners.get(partner.id)
    assert stored is not None
    return stored
