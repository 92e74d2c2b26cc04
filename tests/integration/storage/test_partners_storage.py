"""Partners, issued tokens and hub client info on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from ocpi_cpo.domain.partners import (
    ClientInfo,
    ConnectionStatus,
    Direction,
    Endpoint,
    PartnerState,
    PartyRole,
    TokenKind,
)
from ocpi_cpo.storage.sql.engine import SqlStorage
from ocpi_cpo.storage.sql.migrate import is_up_to_date
from ocpi_cpo.storage.sql.tables.partners import credentials_tokens

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def test_migrations_reach_head(storage: SqlStorage) -> None:
    assert await is_up_to_date(storage.engine)


async def test_partner_round_trip(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        created = await uow.partners.create("hub", "gireve-preprod", PartnerState.INVITED, NOW)
        await uow.partners.save_connection(
            created.id,
            state=PartnerState.REGISTERED,
            direction=Direction.FROM_PARTNER,
            versions_url="https://hub.example/ocpi/versions",
            version="2.2.1",
            endpoints=[Endpoint("locations", "RECEIVER", "https://hub.example/locations")],
            roles=[PartyRole("HUB", "FR", "107", "Gireve")],
            outbound_token="secret-b",
            registered_at=NOW,
        )
    async with storage.read() as uow:
        loaded = await uow.partners.get_by_name("hub")
    assert loaded is not None
    assert loaded.state is PartnerState.REGISTERED
    assert loaded.direction is Direction.FROM_PARTNER
    assert loaded.endpoint("locations", "RECEIVER") == Endpoint(
        "locations", "RECEIVER", "https://hub.example/locations"
    )
    assert loaded.roles == [PartyRole("HUB", "FR", "107", "Gireve")]
    assert loaded.registered_at == NOW
    assert loaded.created_at.tzinfo is not None
    assert "secret-b" not in repr(loaded)


async def test_a_partner_bound_to_one_operation(storage: SqlStorage) -> None:
    """``partners.operation``: set at creation, changed, cleared; unbound by default."""
    async with storage.transaction() as uow:
        bound = await uow.partners.create(
            "gireve-ab1", "gireve-preprod", PartnerState.INVITED, NOW, "FR*AB1"
        )
        unbound = await uow.partners.create("emsp", "ocpi-2.1.1", PartnerState.INVITED, NOW)
    assert (bound.operation, bound.operation_party) == ("FR*AB1", ("FR", "AB1"))
    assert (unbound.operation, unbound.operation_party) == (None, None)
    async with storage.transaction() as uow:
        await uow.partners.set_operation(unbound.id, "FR*AB2")
        await uow.partners.set_operation(bound.id, None)
    async with storage.read() as uow:
        found = {p.name: p.operation for p in await uow.partners.all()}
    assert found == {"gireve-ab1": None, "emsp": "FR*AB2"}


async def test_tokens_are_stored_as_digests_only(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        partner = await uow.partners.create("p", "ocpi-2.2.1", PartnerState.INVITED, NOW)
        await uow.tokens.add(partner.id, TokenKind.REGISTRATION, "token-a-value", NOW)
        await uow.tokens.add(partner.id, TokenKind.ACCESS, "token-c-value", NOW)
    async with storage.read() as uow:
        assert await uow.tokens.find("token-a-value") == (partner.id, TokenKind.REGISTRATION)
        assert await uow.tokens.find("token-c-value") == (partner.id, TokenKind.ACCESS)
        assert await uow.tokens.find("token-x-value") is None
    async with storage.engine.connect() as connection:
        stored = [row.token_hash for row in await connection.execute(credentials_tokens.select())]
    assert all(len(h) == 64 and "token" not in h for h in stored)
    async with storage.transaction() as uow:
        await uow.tokens.revoke_all(partner.id, TokenKind.REGISTRATION)
    async with storage.read() as uow:
        assert await uow.tokens.find("token-a-value") is None
        assert await uow.tokens.find("token-c-value") is not None


async def test_failed_transaction_stores_nothing(storage: SqlStorage) -> None:
    with pytest.raises(RuntimeError):
        async with storage.transaction() as uow:
            await uow.partners.create("half", "ocpi-2.2.1", PartnerState.INVITED, NOW)
            raise RuntimeError("boom")
    async with storage.read() as uow:
        assert await uow.partners.get_by_name("half") is None


async def test_partner_names_are_unique(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        await uow.partners.create("dup", "ocpi-2.2.1", PartnerState.INVITED, NOW)
    with pytest.raises(IntegrityError):
        async with storage.transaction() as uow:
            await uow.partners.create("dup", "ocpi-2.2.1", PartnerState.INVITED, NOW)


async def test_client_info_upsert(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        partner = await uow.partners.create("hub", "gireve-prod", PartnerState.REGISTERED, NOW)
        info = ClientInfo("NL", "ABC", "EMSP", ConnectionStatus.PLANNED, NOW)
        assert await uow.client_info.upsert(partner.id, info) is True
        later = ClientInfo("NL", "ABC", "EMSP", ConnectionStatus.CONNECTED, NOW)
        assert await uow.client_info.upsert(partner.id, later) is False
    async with storage.read() as uow:
        assert await uow.client_info.get(partner.id, "NL", "ABC") == later
        assert list(await uow.client_info.all(partner.id)) == [later]


async def test_all_partners_read_once_per_unit_of_work_and_fresh_after_a_write(
    storage: SqlStorage,
) -> None:
    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        first = await uow.partners.create("kept", "ocpi-2.2.1", PartnerState.INVITED, now)
        before = await uow.partners.all()
        assert [p.id for p in before] == [first.id]
        assert (await uow.partners.all())[0] is before[0]  # not read again
        await uow.partners.set_state(first.id, PartnerState.REGISTERED)
        [after] = await uow.partners.all()
        assert after.state is PartnerState.REGISTERED
        await uow.partners.touch(first.id, now)
        [touched] = await uow.partners.all()
        assert touched.last_seen_at is not None
        second = await uow.partners.create("added", "ocpi-2.2.1", PartnerState.INVITED, now)
        assert [p.id for p in await uow.partners.all()] == [first.id, second.id]
