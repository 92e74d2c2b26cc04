"""A partner registered straight in storage, for tests that need one to receive pushes."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpi_cpo.domain.partners import (
    Direction,
    Endpoint,
    Partner,
    PartnerState,
    PartyRole,
    TokenKind,
)
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


async def partner_on(
    storage: SqlStorage,
    name: str,
    version: str,
    *,
    role: str = "HUB",
    party: tuple[str, str] = ("FR", "107"),
    profile: str = "ocpi-2.2.1",
) -> str:
    """A partner registered straight in storage on ``version`` (its commands Sender on
    ``http://{name}.test``); returns the token it calls us with."""
    now = datetime.now(UTC)
    base = f"http://{name}.test"
    async with storage.transaction() as uow:
        partner = await uow.partners.create(name, profile, PartnerState.REGISTERED, now)
        await uow.partners.save_connection(
            partner.id,
            state=PartnerState.REGISTERED,
            direction=Direction.FROM_PARTNER,
            versions_url=f"{base}/ocpi/versions",
            version=version,
            endpoints=[Endpoint("commands", "SENDER", f"{base}/ocpi/{version}/commands")],
            roles=[PartyRole(role, *party)],
            outbound_token=f"{name}-outbound",
            registered_at=now,
        )
        await uow.tokens.add(partner.id, TokenKind.ACCESS, f"{name}-access-token", now)
    return f"{name}-access-token"
