"""Leases (domain.leases) on SQLite and PostgreSQL, timed by the database's clock.

Taking a lease is one upsert: it succeeds when the name is free, already ours, or expired (or
``force``: a station that reconnects elsewhere moves at once). PostgreSQL and SQLite (3.35 and
later) both speak ``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from ocpi_cpo.domain.leases import Lease

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

#: seconds since the epoch by the database's clock (not the transaction's start on PostgreSQL)
NOW = {
    "postgresql": "CAST(extract(epoch FROM clock_timestamp()) AS DOUBLE PRECISION)",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}

#: a lease taken by force: the name's row made ours, whoever held it
_TAKE_BY_FORCE = """
INSERT INTO leases (name, holder, since, renewed, expires)
VALUES (:name, :holder, {now}, {now}, {now} + :seconds)
ON CONFLICT (name) DO UPDATE SET
  holder = excluded.holder,
  since = CASE WHEN leases.holder = excluded.holder THEN leases.since ELSE excluded.since END,
  renewed = excluded.renewed,
  expires = excluded.expires
"""
#: taken when free, already ours or expired (or ``:force``); the holder when taken
_TAKE = (
    _TAKE_BY_FORCE
    + """WHERE leases.holder = excluded.holder OR leases.expires < excluded.renewed OR :force
RETURNING holder
"""
)
#: no RETURNING: an instance renews the presence of every station it holds (10,000 rows at
#: 10,000 stations), and their names, read back and sorted, cost its event loop 10-20 ms
_RENEW = """
UPDATE leases SET renewed = {now}, expires = {now} + :seconds
WHERE holder = :holder AND expires >= {now} AND name LIKE :pattern ESCAPE '!'
"""
_RELEASE = "DELETE FROM leases WHERE name = :name AND holder = :holder"
_DROP_EXPIRED = """
DELETE FROM leases WHERE name IN (
  SELECT name FROM leases WHERE name LIKE :pattern ESCAPE '!' AND expires < {now} LIMIT :limit
) AND expires < {now}
RETURNING name, holder, since, renewed, expires
"""
_COLUMNS = "SELECT name, holder, since, renewed, expires FROM leases"


def _lease(row: Any) -> Lease:
    return Lease(row.name, row.holder, row.since, row.renewed, row.expires)


class SqlLeaseRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection
        self._now = NOW["sqlite" if connection.dialect.name == "sqlite" else "postgresql"]

    async def now(self) -> float:
        """The database's clock, seconds since the epoch."""
        return float((await self._c.execute(text(f"SELECT {self._now}"))).scalar_one())

    async def take(self, name: str, holder: str, seconds: float, *, force: bool = False) -> bool:
        """Hold ``name`` for ``seconds`` (renewing it when already ours); False when another
        holder's lease has not expired (and not ``force``)."""
        result = await self._c.execute(
            text(_TAKE.format(now=self._now)),
            {"name": name, "holder": holder, "seconds": float(seconds), "force": force},
        )
        return result.first() is not None

    async def take_all(self, names: Sequence[str], holder: str, seconds: float) -> None:
        """``take`` by force for each of ``names``, in one statement (pipelined on
        PostgreSQL): the stations that connected since the last look, thousands in a storm."""
        if names:
            await self._c.execute(
                text(_TAKE_BY_FORCE.format(now=self._now)),
                [{"name": name, "holder": holder, "seconds": float(seconds)} for name in names],
            )

    async def renew(self, holder: str, seconds: float, prefix: str = "") -> int:
        """Extend every unexpired lease of ``holder`` named ``prefix...`` by ``seconds`` from
        now; how many."""
        result = await self._c.execute(
            text(_RENEW.format(now=self._now)),
            {"holder": holder, "seconds": float(seconds), "pattern": _like(prefix)},
        )
        return int(result.rowcount or 0)

    async def release(self, name: str, holder: str) -> bool:
        result = await self._c.execute(
            text(f"{_RELEASE} RETURNING name"),
            {"name": name, "holder": holder},
        )
        return result.first() is not None

    async def release_all(self, names: Sequence[str], holder: str) -> None:
        """``release`` each of ``names`` (one executemany)."""
        if names:
            await self._c.execute(
                text(_RELEASE),
                [{"name": name, "holder": holder} for name in names],
            )

    async def get(self, name: str) -> Lease | None:
        row = (
            await self._c.execute(text(f"{_COLUMNS} WHERE name = :name"), {"name": name})
        ).first()
        return _lease(row) if row else None

    async def expired(self, prefix: str, limit: int = 500) -> list[Lease]:
        """Leases named ``prefix...`` whose holder stopped renewing them (oldest first)."""
        rows = await self._c.execute(
            text(
                f"{_COLUMNS} WHERE name LIKE :pattern ESCAPE '!' AND expires < {self._now}"
                " ORDER BY expires LIMIT :limit"
            ),
            {"pattern": _like(prefix), "limit": limit},
        )
        return [_lease(row) for row in rows]

    async def drop_expired(self, prefix: str, limit: int = 500) -> list[Lease]:
        """Delete the leases named ``prefix...`` whose holder stopped renewing them; those
        deleted (a lease renewed or taken meanwhile is not among them)."""
        rows = await self._c.execute(
            text(_DROP_EXPIRED.format(now=self._now)),
            {"pattern": _like(prefix), "limit": limit},
        )
        return [_lease(row) for row in rows]

    async def held(self, prefix: str) -> list[Lease]:
        """Every lease named ``prefix...``, expired or not, by name."""
        rows = await self._c.execute(
            text(f"{_COLUMNS} WHERE name LIKE :pattern ESCAPE '!' ORDER BY name"),
            {"pattern": _like(prefix)},
        )
        return [_lease(row) for row in rows]


def _like(prefix: str) -> str:
    """A LIKE pattern for names starting with ``prefix`` (escaped with ``!``: ``ESCAPE '!'``)."""
    escaped = prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return escaped + "%"
