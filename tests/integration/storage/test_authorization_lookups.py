"""The lookups a charge makes among the authorizations (a token's START_SESSION grants, its last
decision at an EVSE) go straight to their row by an index, whatever the number of decisions of
the token: a fleet card used at thousands of EVSEs had every decision of its last minutes read
and sorted three times per charge (docs/performance.md, "Many stations")."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from pathlib import Path

import pytest

from ocpi_cpo.storage.sql.engine import create_engine
from ocpi_cpo.storage.sql.migrate import upgrade
from ocpi_cpo.storage.sql.repositories.emsp_tokens import _latest_sql

# source, location, evse, unused: every combination the services ask for, and the others
FILTERS = [
    combination
    for combination in itertools.product((False, True), repeat=4)
    if combination[0] or combination[2]
]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lookups") / "cpo.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")

    async def migrate() -> None:
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


@pytest.mark.parametrize(("source", "location", "evse", "unused"), FILTERS)
def test_a_lookup_by_source_or_evse_walks_an_index_without_sorting(
    database: Path, source: bool, location: bool, evse: bool, unused: bool
) -> None:
    sql = _latest_sql(source, location, evse, unused, True)
    parameters = ["04A1B2C3", "2026-12-04 00:00:00"]
    parameters += [
        v for v, given in (("COMMAND", source), ("LOC1", location), ("E1", evse)) if given
    ]
    with sqlite3.connect(database) as connection:
        plan = " / ".join(
            row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)
        )
    # by source when no EVSE is named; with both, either index leads to a handful of rows
    wanted = {"ix_authorizations_uid_evse_uid_at"} if evse else set()
    wanted |= {"ix_authorizations_uid_source_at"} if source else set()
    assert any(index in plan for index in wanted), plan
    assert "TEMP B-TREE" not in plan, plan
