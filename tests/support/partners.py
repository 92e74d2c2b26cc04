"""Partners registered straight in storage, for tests that need one to push to or to call us."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ocpi_cpo.domain.partners import (
    Direction,
    Endpoint,
    Partner,
    PartnerState,
    PartyRole,
    TokenKind,
)
from ocpi_cpo.storage.protocols import UnitOfWork
from ocpi_cpo.storage.sql.engine import SqlStorage


async def add_registered(
    uow: UnitOfWork,
    name: str,
    role: PartyRole,
    *,
    endpoints: Sequence[Endpoint] = (),
    versions_url: str | None = None,
    profile: str = "ocpi-2.2.1",
    version: str = "2.2.1",
    direction: Direction = Direction.FROM_PARTNER,
    outbound_token: str = "their-token",
    now: datetime | None = None,
) -> Partner:
    """A partner registered on ``version`` in the caller's unit of work, as stored. Its versions
    URL is ``http://{name}.test/ocpi/versions`` unless given; no token of it is stored."""
    now = now or datetime.now(UTC)
    created = await uow.partners.create(name, profile, PartnerState.REGISTERED, now)
    await uow.partners.save_connection(
        created.id,
        state=PartnerState.REGISTERED,
        direction=direction,
        versions_url=versions_url or f"http://{name}.test/ocpi/versions",
        version=version,
        endpoints=list(endpoints),
        roles=[role],
        outbound_token=outbound_token,
        registered_at=now,
    )
    partner = await uow.partners.get(created.id)
    assert partner is not None
    return partner


async def register_partner(storage: SqlStorage, base_url: str, name: str = "hub") -> Partner:
    """The Gireve hub FR/107 with a Locations Receiver at ``base_url``."""
    async with storage.transaction() as uow:
        return await add_registered(
            uow,
            name,
            PartyRole("HUB", "FR", "107"),
            endpoints=[Endpoint("locations", "RECEIVER", f"{base_url}/ocpi/2.2.1/locations")],
            versions_url=f"{base_url}/ocpi/versions",
            profile="gireve-preprod",
        )


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
        partner = await add_registered(
            uow,
            name,
            PartyRole(role, *party),
            endpoints=[Endpoint("commands", "SENDER", f"{base}/ocpi/{version}/commands")],
            profile=profile,
            version=version,
            outbound_token=f"{name}-outbound",
            now=now,
        )
        await uow.tokens.add(partner.id, TokenKind.ACCESS, f"{name}-access-token", now)
    return f"{name}-access-token"


async def unregister(storage: SqlStorage, name: str) -> None:
    """What an operator's ``partners unregister NAME`` stores."""
    from ocpi_cpo.services import partners as partner_service

    async with storage.transaction() as uow:
        partner = await uow.partners.get_by_name(name)
        assert partner is not None
        await partner_service.unregister(uow, partner)
