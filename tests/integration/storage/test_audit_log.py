"""The audit log on a real database (SQLite and PostgreSQL): entries are kept as given, secrets
never reach it, large before/after are summarised, and the database refuses to change an entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from ocpi_cpo.domain.audit import REDACTED, ActorKind
from ocpi_cpo.services import audit
from ocpi_cpo.storage.sql.engine import SqlStorage
from ocpi_cpo.storage.sql.tables.audit import audit_log

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


async def test_entries_round_trip_oldest_first(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        await audit.record(
            uow,
            NOW,
            audit.cli_actor(),
            "partners.invite",
            "partner hub",
            after={"profile": "gireve-preprod"},
        )
        await audit.record(
            uow,
            NOW + timedelta(minutes=1),
            audit.ADMIN,
            "PUT /admin/tariffs",
            "tariff FR/AB1/T1",
            before={"price": "0.30"},
            after={"price": "0.35"},
        )
    everything = await audit.entries(storage)
    assert [e.action for e in everything] == ["partners.invite", "PUT /admin/tariffs"]
    first, second = everything
    assert first.actor.kind is ActorKind.CLI and "@" in first.actor.name
    assert first.at == NOW and first.after == {"profile": "gireve-preprod"}
    assert second.before == {"price": "0.30"} and second.after == {"price": "0.35"}
    later = await audit.entries(storage, NOW + timedelta(seconds=30))
    assert [e.action for e in later] == ["PUT /admin/tariffs"]
    assert audit.as_json(second)["actor"] == "admin-token:admin"


async def test_secrets_are_replaced_and_large_values_summarised(storage: SqlStorage) -> None:
    after = {"name": "hub", "token": "s3cret-token", "nested": [{"station_password": "pw-1"}]}
    async with storage.transaction() as uow:
        await audit.record(uow, NOW, audit.ADMIN, "x", "partner hub", after=after)
        await audit.record(uow, NOW, audit.ADMIN, "y", "locations", after={"big": "x" * 5000})
    raw = (await _raw(storage)).lower()
    assert "s3cret-token" not in raw and "pw-1" not in raw
    stored = await audit.entries(storage)
    assert stored[0].after == {
        "name": "hub",
        "token": REDACTED,
        "nested": [{"station_password": REDACTED}],
    }
    assert stored[1].after == {"omitted": "5010 bytes of JSON"}


@pytest.mark.parametrize("change", ["update", "delete"])
async def test_the_database_refuses_to_change_an_entry(storage: SqlStorage, change: str) -> None:
    async with storage.transaction() as uow:
        await audit.record(uow, NOW, audit.ADMIN, "x", "partner hub")
    statement = (
        update(audit_log).values(action="forged") if change == "update" else delete(audit_log)
    )
    with pytest.raises(DBAPIError, match="never changed"):
        async with storage.engine.begin() as connection:
            await connection.execute(statement)
    assert [e.action for e in await audit.entries(storage)] == ["x"]


async def _raw(storage: SqlStorage) -> str:
    async with storage.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM audit_log"))).all()
    return repr(rows)
