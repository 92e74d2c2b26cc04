"""What following other processes' changes costs a request on SQLite (issue 18, point 3).

Every request that would use a cached caller or page total first looks at SQLite's change
counter (``PRAGMA data_version`` on a connection of its own, storage.sql.changes). Measured here
per look, beside the baseline it saves: reading the caller's token and partner from the database.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.locations import TOKEN, _database
from bench.report import Figure


async def look_and_read(url: str, looks: int, reads: int) -> tuple[float, float]:
    """(microseconds per change-counter look, microseconds per token read from the database)."""
    storage = await _database(url)
    try:
        storage.credentials_version  # noqa: B018 - the first look opens the connection
        started = time.perf_counter()
        for _ in range(looks):
            storage.credentials_version  # noqa: B018 - the look is what is measured
        look = (time.perf_counter() - started) / looks * 1e6
        started = time.perf_counter()
        for _ in range(reads):
            async with storage.read(snapshot=False) as uow:
                found = await uow.tokens.find(TOKEN)
                assert found is not None
                await uow.partners.get(found[0])
        read = (time.perf_counter() - started) / reads * 1e6
    finally:
        await storage.close()
    return look, read


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    with tempfile.TemporaryDirectory() as name:
        url = f"sqlite+aiosqlite:///{Path(name) / 'changes.db'}"
        look, read = await look_and_read(url, 5_000 if quick else 50_000, 500 if quick else 3000)
    ratio = look / read if read else float("nan")
    return [
        Figure(
            "SQLite change-counter look per request (SQLite)",
            look,
            "us",
            "us token + partner read from the database",
            read,
            "ratio <= 0.05",
            ratio <= 0.05,
            "PRAGMA data_version on its own connection; counters read only when it moved",
        )
    ]


if __name__ == "__main__":
    from bench.report import print_table

    print_table(asyncio.run(run_all(quick="--quick" in sys.argv)))
