"""``outbox.add_many`` buffers rows until the commit: nothing is lost, reordered or unseen."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ocpi_cpo.domain.delivery import Attempt, MessageState, NewMessage, Outcome, QueueFilter
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.statements import statements_sent

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def patch(partner: int, key: str, seq: int, *, full: bool = False) -> NewMessage:
    method = "PUT" if full else "PATCH"
    return NewMessage(
        partner, "locations", key, method, f"/{key}", str(seq).encode(), full_replace=full
    )


async def partner_id(storage: SqlStorage) -> int:
    async with storage.transaction() as uow:
        return (await uow.partners.create("hub", "gireve-preprod", PartnerState.REGISTERED, NOW)).id


async def test_buffered_rows_are_committed_with_the_transaction(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        for seq in range(5):
            await uow.outbox.add_many([patch(partner, f"L{seq % 2}", seq)], NOW)
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner))
    assert [m.body for m in messages] == [str(seq).encode() for seq in range(5)]


async def test_buffered_rows_are_seen_by_the_same_transaction(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, "L", 1), patch(partner, "L", 2)], NOW)
        assert await uow.outbox.count(QueueFilter(partner_id=partner)) == 2
        # An id-returning add keeps its place after what was buffered before it.
        last = await uow.outbox.add(patch(partner, "L", 3), NOW)
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner))
    assert [m.body for m in messages] == [b"1", b"2", b"3"]
    assert messages[-1].id == last


async def test_a_full_put_supersedes_only_older_buffered_rows(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many(
            [patch(partner, "L", 1), patch(partner, "L", 2, full=True), patch(partner, "L", 3)],
            NOW,
        )
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner))
    assert [(m.body, m.state) for m in messages] == [
        (b"1", MessageState.SUPERSEDED),
        (b"2", MessageState.PENDING),
        (b"3", MessageState.PENDING),
    ]


async def test_a_failed_transaction_writes_nothing_it_buffered(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    with pytest.raises(RuntimeError):
        async with storage.transaction() as uow:
            await uow.outbox.add_many([patch(partner, "L", 1)], NOW)
            raise RuntimeError("the change failed")
    async with storage.read() as uow:
        assert await uow.outbox.count(QueueFilter(partner_id=partner)) == 0


async def test_a_commit_that_queued_wakes_the_worker(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    await storage.outbox_signal.wait(0)  # clear
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, "L", 1)], NOW)
    assert await storage.outbox_signal.wait(0.01)


async def test_an_insert_beside_the_end_of_the_message_before_it_leaves_a_head(
    storage: SqlStorage,
) -> None:
    """The head rule under concurrency: the end of L's message in one transaction and a new
    message of L in another, at once, leave the new one claimable (PostgreSQL: the second waits
    for the first on L's lock); a message of another object does not wait for L."""
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, "L", 1)], NOW)
    async with storage.transaction() as uow:
        (first,) = await uow.outbox.claim("w", NOW, timedelta(minutes=1), 10)
    ending = asyncio.Event()
    go_on = asyncio.Event()

    async def end_first() -> None:
        async with storage.transaction() as uow:
            attempt = Attempt(first.id, NOW, "w", 200, 1000, 1.0, Outcome.DELIVERED, None, None)
            await uow.outbox.record(attempt, state=MessageState.DELIVERED)
            ending.set()
            await go_on.wait()

    async def add(key: str, seq: int) -> None:
        async with storage.transaction() as uow:
            await uow.outbox.add_many([patch(partner, key, seq)], NOW)

    ender = asyncio.create_task(end_first())
    await ending.wait()
    if storage.is_sqlite:  # one writer: the insert can only follow the end
        go_on.set()
        await ender
        await add("L", 2)
        await add("M", 3)
    else:
        # Another object's message is not held by L's lock.
        await asyncio.wait_for(add("M", 3), 30)
        adding = asyncio.create_task(add("L", 2))
        await asyncio.sleep(0.2)
        go_on.set()
        await ender
        await asyncio.wait_for(adding, 30)
    async with storage.transaction() as uow:
        claimed = await uow.outbox.claim("w", NOW, timedelta(minutes=1), 10)
    assert sorted(m.body or b"" for m in claimed) == [b"2", b"3"]


async def test_one_transaction_about_twenty_thousand_objects(storage: SqlStorage) -> None:
    """An import of a whole network queues one message per Location in one transaction. On
    PostgreSQL one advisory lock per object ran out of the server's lock table ("out of shared
    memory", about 64 x max_connections locks): above MAX_OBJECT_LOCKS the transaction takes the
    heads' lock exclusive instead."""
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many(
            [patch(partner, f"L{n}", n, full=True) for n in range(20_000)], NOW
        )
    async with storage.read() as uow:
        assert await uow.outbox.count(QueueFilter(partner_id=partner)) == 20_000


async def test_a_bulk_add_is_a_few_statements_and_heads_each_object_once(
    storage: SqlStorage,
) -> None:
    """1,000 messages over 300 objects, 100 of which already had one pending: one INSERT and
    one head UPDATE (an id-returning INSERT was one statement per row on SQLite, each a hop to
    its thread: the import of 10,000 Locations, docs/performance.md); every object's oldest
    pending message, and only it, heads the object."""
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, f"L{n}", -1) for n in range(100)], NOW)

    with statements_sent(storage) as sent:
        async with storage.transaction() as uow:
            await uow.outbox.add_many([patch(partner, f"L{n % 300}", n) for n in range(1000)], NOW)
    statements = [statement.split()[0] for statement in sent]
    assert statements.count("INSERT") == 1
    assert statements.count("UPDATE") == 1
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner), limit=2000)
    async with storage.engine.connect() as connection:
        marked: list[Any] = list(
            await connection.exec_driver_sql(
                "SELECT object_key, min(id), count(*) FROM outbox WHERE head GROUP BY object_key"
            )
        )
        oldest: list[Any] = list(
            await connection.exec_driver_sql(
                "SELECT object_key, min(id) FROM outbox WHERE state = 'PENDING' GROUP BY object_key"
            )
        )
    firsts = {str(row[0]): int(row[1]) for row in oldest}
    assert len(messages) == 1100
    assert len(firsts) == 300
    assert {str(row[0]): int(row[1]) for row in marked} == firsts
    assert all(int(row[2]) == 1 for row in marked)


async def test_full_puts_of_many_objects_share_one_insert(storage: SqlStorage) -> None:
    """A group commit's session updates (a Gireve partner takes each as a whole PUT) stay
    buffered: each PUT supersedes its own object's older messages without inserting the other
    objects' rows first (issue 21); a PUT of an object already buffered inserts it first and
    supersedes it, and every object ends with its newest message pending and heading it."""
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, f"S{n}", -1, full=True) for n in range(50)], NOW)

    with statements_sent(storage) as sent:
        async with storage.transaction() as uow:
            for n in range(50):
                await uow.outbox.add_many([patch(partner, f"S{n}", n, full=True)], NOW)
    statements = [statement.split()[0] for statement in sent]
    assert statements.count("INSERT") == 1
    async with storage.transaction() as uow:
        for seq in (100, 101):
            await uow.outbox.add_many([patch(partner, "S0", seq, full=True)], NOW)
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner), limit=500)
    pending = {m.object_key: m.body or b"" for m in messages if m.state is MessageState.PENDING}
    assert pending == {f"S{n}": str(101 if n == 0 else n).encode() for n in range(50)}
    assert [m.body for m in messages if m.object_key == "S0"] == [b"-1", b"0", b"100", b"101"]
    async with storage.engine.connect() as connection:
        heads: list[Any] = list(
            await connection.exec_driver_sql("SELECT body FROM outbox WHERE head ORDER BY id")
        )
    assert sorted(bytes(row[0]) for row in heads) == sorted(pending.values())


def _literal(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "NULL" if value is None else str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    return "'" + str(value).replace("'", "''") + "'"


def _claim(storage: SqlStorage) -> tuple[Any, dict[str, Any]]:
    """The worker's claim of 200 compiled for the storage's database, and its bound values."""
    from ocpi_cpo.storage.sql.repositories.outbox import _claim_statement

    postgres = storage.engine.dialect.name == "postgresql"
    compiled = _claim_statement(postgres).compile(dialect=storage.engine.dialect)
    now = NOW + timedelta(seconds=1)
    bound = compiled.construct_params(
        {"worker": "w", "now": now, "until": now + timedelta(minutes=5), "batch": 200}
    )
    return compiled, bound


def _postgres_values(compiled: Any, bound: dict[str, Any]) -> str:
    """The values of a compiled statement ($1, $2, ...) as SQL literals, for EXECUTE."""
    return ", ".join(_literal(bound[name]) for name in compiled.positiontup or ())


async def test_the_claim_walks_the_heads_however_long_the_queue(storage: SqlStorage) -> None:
    """The claim's plan takes ix_outbox_heads, never ix_outbox_due (which holds every pending
    row): on PostgreSQL in the generic plan a prepared statement gets from its sixth run on (it
    ANDed a bitmap of all 100,000 due rows in, 2.5 ms a claim: docs/performance.md, the claim),
    on SQLite in its only plan."""
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, f"L{n % 200}", n) for n in range(20_000)], NOW)
    compiled, bound = _claim(storage)
    async with storage.engine.connect() as connection:
        if storage.engine.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE outbox")
            await connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            await connection.exec_driver_sql(f"PREPARE claim AS {compiled.string}")
            values = _postgres_values(compiled, bound)
            rows = await connection.exec_driver_sql(f"EXPLAIN EXECUTE claim({values})")
            plan = "\n".join(str(row[0]) for row in rows)
        else:
            processors = compiled._bind_processors
            values_ = tuple(
                processors[name](bound[name]) if name in processors else bound[name]
                for name in compiled.positiontup or ()
            )
            rows = await connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled.string}", values_
            )
            plan = "\n".join(str(row[-1]) for row in rows)
        await connection.rollback()
    assert "ix_outbox_heads" in plan, plan
    assert "ix_outbox_due" not in plan, plan


async def _postgres_plan(storage: SqlStorage, statement: str, values: str, setup: str = "") -> str:
    """PostgreSQL: EXPLAIN ANALYZE of ``statement`` prepared ($n parameters) and run with
    ``values`` in a transaction rolled back after it, ``setup`` run first in it."""
    async with storage.engine.connect() as connection:
        if setup:
            await connection.exec_driver_sql(setup)
        await connection.exec_driver_sql(f"PREPARE planned AS {statement}")
        rows = await connection.exec_driver_sql(f"EXPLAIN ANALYZE EXECUTE planned({values})")
        plan = "\n".join(str(row[0]) for row in rows)
        await connection.rollback()
        await connection.exec_driver_sql("DEALLOCATE planned")
    return plan


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("statistics", ["fresh", "analyzed"])
async def test_the_claim_stops_at_its_batch_among_many_heads(
    storage: SqlStorage, statistics: str
) -> None:
    """A backlog after an outage is many objects, each heading its own queue. The claim walks
    the heads in id order and stops at its batch, with the table's statistics fresh from the
    fill (none yet) or analyzed: it once gathered and sorted every head (fresh), or joined the
    claimed ids to a scan of the whole table with a JIT compilation on top (analyzed; 1.25 s a
    claim at 100,000 heads: docs/performance.md)."""
    from ocpi_cpo.storage.sql.repositories.outbox import _WALK_HEADS

    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, f"L{n}", n) for n in range(20_000)], NOW)
    if statistics == "analyzed":
        async with storage.engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE outbox")
            await connection.commit()
    compiled, bound = _claim(storage)
    values = _postgres_values(compiled, bound)
    plan = await _postgres_plan(storage, compiled.string, values, setup=_WALK_HEADS)
    walk = next(line for line in plan.splitlines() if "ix_outbox_heads" in line)
    assert "Index Scan" in walk and "rows=200 loops=1" in walk, plan
    assert "Sort" not in plan, plan
    assert "Seq Scan on outbox" not in plan, plan
    assert "JIT" not in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_our_postgres_connections_run_without_jit(storage: SqlStorage) -> None:
    """JIT is off on every connection of the pool (a SET when it opens, not a startup parameter,
    which PgBouncer refuses), however many there are."""
    async with storage.engine.connect() as one, storage.engine.connect() as two:
        for connection in (one, two):
            assert (await connection.exec_driver_sql("SHOW jit")).scalar_one() == "off"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_new_heads_are_found_by_their_keys_however_long_the_queue(
    storage: SqlStorage,
) -> None:
    """A group commit marks the heads of the objects it queued by looking each key up, never
    by reading every pending message of the partner (4.7 ms a group commit at 5,000 pending,
    20 ms at 15,000, before: docs/performance.md)."""
    from ocpi_cpo.storage.sql.repositories.outbox import _MARK_HEADS_PG

    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, f"L{n}", n) for n in range(20_000)], NOW)
    keys = "ARRAY[" + ", ".join(f"'L{n}'" for n in range(0, 20_000, 400)) + "]"
    plan = await _postgres_plan(storage, _MARK_HEADS_PG, f"{partner}, {keys}")
    removed = [int(line.rsplit(":", 1)[1]) for line in plan.splitlines() if "Removed" in line]
    assert all(n <= 50 for n in removed), plan  # the 50 keys' rows at most, not the queue
    assert "Seq Scan on outbox" not in plan, plan
    assert "Index Cond: ((partner_id = " in plan and "(object_key = k.key)" in plan, plan
