"""The outbox queue. Claiming keeps per-object order and lets several workers share the queue.

A message is claimable when it is PENDING, due, not claimed (or its claim expired: the worker
died), its partner is registered, and no older PENDING message of the same object exists. On
PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so two workers never take the same rows.

A partner that is down (``partner_delivery``) gets none but one probe at a time: its oldest due
message, taken by the one worker that wins the probe lease (issue 16 item 1).

The claim walks heads only (``outbox.head``, ix_outbox_heads), so its cost does not grow with the
queue (issue 18 item 7). ``head`` is set on pending messages only (cleared when one stops being
pending), and on every message that is the oldest pending one of its object (a few others may
have it too, e.g. a message put back by a retry; the claim's ``min(id)`` check decides): a new message when its object has no older pending one, and the next one of its object
when a message stops being pending. On PostgreSQL a transaction that does either first locks
the objects concerned and keeps the locks to its commit, so an insert and the end of the message
before it never miss each other (each would otherwise not see the other's uncommitted row and
leave the new head unmarked): ``HEAD_LOCK`` taken shared, then one advisory lock per object
(partner id, hash of the object key) in sorted order, in one statement. A producer and a worker
wait for each other only on the same object (one lock for everything made every status change's
commit and every record of the worker take turns). ``retry`` takes ``HEAD_LOCK`` exclusive, and
so does a transaction about more than ``MAX_OBJECT_LOCKS`` objects (an import, a sync batch).
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from ocpi_cpo.domain.delivery import (
    Attempt,
    MessageState,
    NewMessage,
    Outcome,
    QueuedMessage,
    QueueFilter,
    QueueStats,
    Routing,
)
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.storage.sql.driver import datetime_binder, execute, placeholders
from ocpi_cpo.storage.sql.tables.outbox import outbox, outbox_attempts, partner_delivery
from ocpi_cpo.storage.sql.tables.partners import partners
from ocpi_cpo.storage.sql.types import UtcDateTime

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

NOTIFY_CHANNEL = "ocpi_cpo_outbox"
#: pg_advisory_xact_lock(HEAD_LOCK): held from a transaction's first write of heads to its commit
HEAD_LOCK = 18_007_001
#: above this many objects a transaction takes ``HEAD_LOCK`` exclusive instead of one lock per
#: object: PostgreSQL's lock table holds about max_locks_per_transaction (64) x max_connections
#: locks in all, and an import of 10,000 Locations ran out of it ("out of shared memory")
MAX_OBJECT_LOCKS = 1_000


#: HEAD_LOCK shared, then each object's lock in sorted order ($1 partner ids, $2 object keys);
#: the subquery's ORDER BY is kept (a sorted subquery is not pulled up), so locks come in order
_LOCK_OBJECTS = (
    f"SELECT pg_advisory_xact_lock_shared({HEAD_LOCK}),"  # noqa: S608
    " (SELECT count(pg_advisory_xact_lock(s.p, hashtext(s.k))) FROM"
    " (SELECT p, k FROM unnest($1::int[], $2::text[]) AS t(p, k) ORDER BY p, k) AS s)"
)
#: the same for the objects of messages ($1 message ids)
_LOCK_MESSAGES = (
    f"SELECT pg_advisory_xact_lock_shared({HEAD_LOCK}),"  # noqa: S608
    " (SELECT count(pg_advisory_xact_lock(s.p, hashtext(s.k))) FROM"
    " (SELECT DISTINCT partner_id AS p, object_key AS k FROM outbox"
    " WHERE id = ANY($1::bigint[]) ORDER BY p, k) AS s)"
)


def _pending_and_due(postgres: bool) -> Any:
    """Due and pending, phrased so that no planner takes ix_outbox_due for it: on SQLite a unary
    ``+`` (its planner took every due row, then sorted); on PostgreSQL expressions (``state ||
    ''``, ``+ interval '0 s'``; it also scans ix_outbox_due on its second column alone): the
    prepared claim's generic plan (asyncpg prepares, PostgreSQL plans generically from the sixth
    run) ANDed ix_outbox_heads with a bitmap of every due row, 2.5 ms at 100,000 pending against
    0.5 ms for the walk of the heads (docs/performance.md, the claim)."""
    if postgres:
        due = "(queued.state || '') = 'PENDING' AND queued.next_attempt_at + interval '0 s' <= :now"
    else:
        due = "+queued.state = 'PENDING' AND +queued.next_attempt_at <= :now"
    return text(due).bindparams(bindparam("now", type_=UtcDateTime))


@functools.cache
def _claim_statement(postgres: bool, probe: bool = False) -> Any:
    """The claim, built once (it was rebuilt per call: two aliases and their column collections
    cost about 1.5 ms a claim, and the worker claims after every commit that queued something),
    on first use: building the four at import cost every CLI command about 10 ms."""
    head = outbox.alias("head")
    queued = outbox.alias("queued")
    now = bindparam("now", type_=UtcDateTime)
    # The oldest PENDING message of the object, found by ix_outbox_object (a min() over the
    # index, one probe per candidate: unlike NOT EXISTS, no plan without statistics turns it
    # into a scan of every pending row per candidate).
    first_of_object = (
        select(func.min(head.c.id))
        .where(head.c.partner_id == queued.c.partner_id)
        .where(head.c.object_key == queued.c.object_key)
        .where(head.c.state == MessageState.PENDING.value)
        .scalar_subquery()
    )
    before = outbox.alias("before")
    # A pending message of the object this one waits for (the CDR's session), by ix_outbox_object.
    earlier_object = (
        select(before.c.id)
        .where(before.c.partner_id == queued.c.partner_id)
        .where(before.c.object_key == queued.c.after_key)
        .where(before.c.state == MessageState.PENDING.value)
    )
    candidates = (
        select(queued.c.id)
        .join(partners, partners.c.id == queued.c.partner_id)
        .where(partners.c.state == PartnerState.REGISTERED.value)
        # ix_outbox_heads' predicate: both planners walk the heads only, in id order. On SQLite
        # the unary + keeps ix_outbox_due out (its planner took every due row, then sorted).
        .where(text("queued.head"))
        .where(_pending_and_due(postgres))
        .where((queued.c.claimed_until.is_(None)) | (queued.c.claimed_until < now))
        .where(queued.c.id == first_of_object)
        .where(queued.c.after_key.is_(None) | ~exists(earlier_object))
        .order_by(queued.c.id)
        .limit(bindparam("batch"))
    )
    if probe:
        candidates = candidates.where(queued.c.partner_id == bindparam("partner"))
    else:
        down = select(partner_delivery.c.partner_id).where(
            partner_delivery.c.down_since.is_not(None)
        )
        candidates = candidates.where(queued.c.partner_id.not_in(down))
    if postgres:
        candidates = candidates.with_for_update(of=queued, skip_locked=True)
        # ``id = ANY(ids gathered first)``: an index lookup of the claimed ids, whatever the
        # candidates' estimate. ``id IN (candidates)`` let the planner, told to expect one
        # candidate, join them to a scan of the whole table: 1.25 s a claim at 100,000 pending.
        gathered = candidates.subquery("c")
        ids = select(func.array_agg(gathered.c.id)).scalar_subquery()
        claimed = outbox.c.id == any_(cast(ids, ARRAY(BigInteger)))  # cast: an array, not rows
    else:
        claimed = outbox.c.id.in_(candidates)
    return (
        update(outbox)
        .where(claimed)
        .values(
            claimed_by=bindparam("worker"),
            claimed_until=bindparam("until", type_=UtcDateTime),
        )
        .returning(*outbox.c)
    )


def _first_pending(of: Any) -> Any:
    """The id of the oldest PENDING message of ``of``'s object (ix_outbox_object)."""
    first = outbox.alias("first")
    return (
        select(func.min(first.c.id))
        .where(first.c.partner_id == of.c.partner_id)
        .where(first.c.object_key == of.c.object_key)
        .where(first.c.state == MessageState.PENDING.value)
        .scalar_subquery()
    )


_FIRST = outbox.alias("first")
#: the oldest pending message of each of a partner's objects (``keys``) heads it
#: (ix_outbox_object); a message that heads its object already is left as it is
_MARK_HEADS = (
    update(outbox)
    .where(
        outbox.c.id.in_(
            select(func.min(_FIRST.c.id))
            .where(_FIRST.c.partner_id == bindparam("partner"))
            .where(_FIRST.c.object_key.in_(bindparam("keys", expanding=True)))
            .where(_FIRST.c.state == MessageState.PENDING.value)
            .group_by(_FIRST.c.object_key)
        )
    )
    .where(outbox.c.head.is_(False))
    .values(head=True)
)
#: PostgreSQL's ``_MARK_HEADS`` ($1 partner id, $2 object keys): each key's oldest pending
#: message looked up by equality, three leading columns of ix_outbox_object and the fourth's
#: minimum, then those ids by the primary key, whatever the statistics say. Planned from a fresh
#: table's statistics, the IN-list form scanned every pending message of the partner and
#: filtered the keys, so each group commit grew with the queue: 4.7 ms at 5,000 pending, 20 ms
#: at 15,000 (docs/performance.md); ``id IN (...)`` may hash-join a scan of the whole table.
_MARK_HEADS_PG = (
    "UPDATE outbox SET head = true WHERE head IS false AND id = ANY(ARRAY("
    "SELECT (SELECT min(f.id) FROM outbox AS f WHERE f.partner_id = $1"
    " AND f.object_key = k.key AND f.state = 'PENDING')"
    " FROM unnest($2::text[]) AS k(key)))"
)
_ENDED = outbox.alias("ended")
#: the next head of an object whose message ``m_id`` stopped being pending
_MARK_NEXT_HEAD = (
    update(outbox)
    .where(outbox.c.head.is_(False))
    .where(
        outbox.c.id
        == select(_first_pending(_ENDED)).where(_ENDED.c.id == bindparam("m_id")).scalar_subquery()
    )
    .values(head=True)
)

_NOW = bindparam("now", type_=UtcDateTime)
#: a newer full PUT of an object ends its older pending messages not in flight: (finished_at,
#: head False, partner, object key, now); one hop to SQLite's thread (storage.sql.driver)
_SUPERSEDE = (
    f"UPDATE outbox SET state = '{MessageState.SUPERSEDED.value}', head = {{}},"  # noqa: S608
    " finished_at = {}, claimed_by = NULL WHERE partner_id = {} AND object_key = {}"
    f" AND state = '{MessageState.PENDING.value}'"
    " AND (claimed_until IS NULL OR claimed_until < {})"
)

#: PostgreSQL: the claim walks ix_outbox_heads in id order and stops at its batch. Its
#: candidate test (``id = (SELECT min(id) ...)``, the expressions that keep ix_outbox_due out)
#: makes the planner expect one row, so it otherwise gathers every head by a bitmap and sorts
#: them: 14 ms a claim with 5,000 objects pending, growing with them; walked, 1.3 ms
#: (docs/performance.md, "Many objects, each its own head"). Until the end of the claim's
#: transaction (the worker claims in a transaction of its own): not set back after the claim, a
#: round trip each time (2 ms under the 10,000-station load, 40 claims a second).
_WALK_HEADS = "SET LOCAL enable_sort = off"
#: the probe lease of every down partner whose next probe is due and not in flight
_TAKE_PROBES = (
    update(partner_delivery)
    .where(partner_delivery.c.down_since.is_not(None))
    .where(partner_delivery.c.next_probe_at <= _NOW)
    .where(or_(partner_delivery.c.probe_until.is_(None), partner_delivery.c.probe_until < _NOW))
    .values(probe_until=bindparam("until", type_=UtcDateTime))
    .returning(partner_delivery.c.partner_id)
)

_ATTEMPT_COLUMNS = (
    "message_id",
    "attempted_at",
    "worker",
    "http_status",
    "ocpi_status",
    "latency_ms",
    "outcome",
    "error",
    "excerpt",
)
#: PostgreSQL: one attempt of a round
_RECORD_ATTEMPT = (
    f"INSERT INTO outbox_attempts ({', '.join(_ATTEMPT_COLUMNS)})"  # noqa: S608
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
)
#: its effect on the message (id, state, still pending, error, next attempt, finished, Location):
#: the claim ends, a message no longer pending stops heading its object
_RECORD_EFFECT = (
    "UPDATE outbox SET state = $2, head = head AND $3, attempts = attempts + 1,"
    " claimed_by = NULL, claimed_until = NULL, last_error = $4,"
    " next_attempt_at = coalesce($5, next_attempt_at), finished_at = $6,"
    " reply_location = coalesce($7, reply_location) WHERE id = $1"
)
_EFFECT_KEYS = ("m_id", "m_state", "m_pending", "m_error", "m_next", "m_finished", "m_location")
#: the same on SQLite
_RECORD_EFFECT_CORE = (
    update(outbox)
    .where(outbox.c.id == bindparam("m_id"))
    .values(
        state=bindparam("m_state"),
        head=and_(outbox.c.head, bindparam("m_pending", type_=Boolean)),
        attempts=outbox.c.attempts + 1,
        claimed_by=None,
        claimed_until=None,
        last_error=bindparam("m_error"),
        next_attempt_at=func.coalesce(
            bindparam("m_next", type_=UtcDateTime), outbox.c.next_attempt_at
        ),
        finished_at=bindparam("m_finished", type_=UtcDateTime),
        reply_location=func.coalesce(bindparam("m_location"), outbox.c.reply_location),
    )
)

#: (attempt, the message's new state, when to try again, the answer's Location header)
Recorded = tuple[Attempt, MessageState, datetime | None, str | None]


# A QueuedMessage is read by position from a row of every ``outbox`` column (``select(outbox)``,
# the claim's RETURNING): a Row's attribute costs about ten times its index (0.5 against 0.05 µs),
# and the claim reads 23 of them per message (docs/performance.md).
def _columns(*names: str) -> operator.itemgetter[Any]:
    """Reads ``names`` from a row of every ``outbox`` column, by position."""
    return operator.itemgetter(*(outbox.c.keys().index(name) for name in names))


#: a ``QueuedMessage``'s fields before its routing, then after its state, in the dataclass's order
_BEFORE_ROUTING = _columns(
    "id", "partner_id", "module", "object_key", "method", "interface", "url", "body"
)
_ROUTING = _columns("from_country_code", "from_party_id", "to_country_code", "to_party_id")
_STATE = outbox.c.keys().index("state")
_AFTER_STATE = _columns(
    "attempts",
    "created_at",
    "next_attempt_at",
    "claimed_by",
    "claimed_until",
    "finished_at",
    "last_error",
    "reply_location",
    "version",
)


#: the constructor, called with the columns in its fields' order
_QUEUED: Callable[..., QueuedMessage] = QueuedMessage


def _to_message(row: Any) -> QueuedMessage:
    """A row of every ``outbox`` column as a message."""
    from_country, from_party, to_country, to_party = _ROUTING(row)
    routing = (
        None if to_country is None else Routing(from_country, from_party, to_country, to_party)
    )
    return _QUEUED(*_BEFORE_ROUTING(row), routing, MessageState(row[_STATE]), *_AFTER_STATE(row))


def _row(message: NewMessage, now: datetime) -> dict[str, Any]:
    routing = message.routing
    return {
        "partner_id": message.partner_id,
        "module": message.module,
        "object_key": message.object_key,
        "method": message.method,
        "interface": message.interface,
        "url": message.url,
        "body": message.body,
        "from_country_code": routing.from_country_code if routing else None,
        "from_party_id": routing.from_party_id if routing else None,
        "to_country_code": routing.to_country_code if routing else None,
        "to_party_id": routing.to_party_id if routing else None,
        "full_replace": message.full_replace,
        "version": message.version,
        "after_key": message.after_key,
        "sync_id": message.sync_id,
        "state": MessageState.PENDING.value,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": max(now, message.not_before) if message.not_before else now,
    }


@functools.cache
def _insert_sql(columns: tuple[str, ...]) -> str:
    """PostgreSQL: the INSERT of rows made by ``_row`` (these columns, in this order)."""
    values = ", ".join(placeholders(False, len(columns)))
    return f"INSERT INTO outbox ({', '.join(columns)}) VALUES ({values})"  # noqa: S608


def _to_attempt(row: Any) -> Attempt:
    return Attempt(
        message_id=row.message_id,
        attempted_at=row.attempted_at,
        worker=row.worker,
        http_status=row.http_status,
        ocpi_status=row.ocpi_status,
        latency_ms=row.latency_ms,
        outcome=Outcome(row.outcome),
        error=row.error,
        excerpt=row.excerpt,
    )


def _filtered(statement: Any, filters: QueueFilter) -> Any:
    if filters.partner_id is not None:
        statement = statement.where(outbox.c.partner_id == filters.partner_id)
    if filters.module is not None:
        statement = statement.where(outbox.c.module == filters.module)
    if filters.state is not None:
        statement = statement.where(outbox.c.state == filters.state.value)
    return statement


class SqlOutboxRepository:
    def __init__(
        self, connection: AsyncConnection, on_queue: Callable[[], None] | None = None
    ) -> None:
        self._c = connection
        self._postgres = connection.dialect.name == "postgresql"
        self._supersede_sql = _SUPERSEDE.format(*placeholders(not self._postgres, 5))
        self._bind_datetime = datetime_binder(connection.dialect)
        self._on_queue = on_queue
        #: rows queued by ``add_many`` and not inserted yet (see :meth:`flush`), and their objects
        self._pending: list[dict[str, Any]] = []
        self._pending_objects: set[tuple[int, str]] = set()
        self._head_lock = False
        #: objects locked by this transaction (``_lock_objects``)
        self._locked: set[tuple[int, str]] = set()

    async def _lock_heads(self) -> None:
        """PostgreSQL: take ``HEAD_LOCK`` exclusive (once per transaction): every object's heads
        (``retry``, which may touch any)."""
        if self._postgres and not self._head_lock:
            await self._c.exec_driver_sql(f"SELECT pg_advisory_xact_lock({HEAD_LOCK})")
            self._head_lock = True

    async def _lock_objects(self, objects: Iterable[tuple[int, str]]) -> None:
        """PostgreSQL: before the heads of ``objects`` (partner id, object key) change, lock
        those objects to the commit (and ``HEAD_LOCK`` shared): in sorted order, in one
        statement, so two transactions locking at once never wait for each other in a ring."""
        if not self._postgres or self._head_lock:
            return
        new = sorted(set(objects) - self._locked)
        if not new:
            return
        if len(self._locked) + len(new) > MAX_OBJECT_LOCKS:
            await self._lock_heads()
            return
        await self._c.exec_driver_sql(_LOCK_OBJECTS, ([p for p, _ in new], [k for _, k in new]))
        self._locked.update(new)

    async def _lock_messages(self, message_ids: Sequence[int]) -> None:
        """``_lock_objects`` for the objects of these messages (one statement)."""
        if not self._postgres or self._head_lock or not message_ids:
            return
        if len(self._locked) + len(message_ids) > MAX_OBJECT_LOCKS:
            await self._lock_heads()
            return
        await self._c.exec_driver_sql(_LOCK_MESSAGES, (list(message_ids),))

    async def _mark_new_heads(self, rows: Sequence[dict[str, Any]]) -> None:
        """The objects of the messages just inserted (``rows``): the oldest pending message of
        each heads it (a new one when its object had none pending). By object, not by the new
        ids: an INSERT that returns ids in order is one statement per row on SQLite (SQLAlchemy
        has no sentinel it trusts there), which made an import of 10,000 Locations 10,000 hops
        to SQLite's thread (docs/performance.md)."""
        by_partner: dict[int, set[str]] = {}
        for row in rows:
            by_partner.setdefault(row["partner_id"], set()).add(row["object_key"])
        for partner_id, objects in by_partner.items():
            keys = sorted(objects)
            for start in range(0, len(keys), 5000):
                chunk = keys[start : start + 5000]
                if self._postgres:
                    await self._c.exec_driver_sql(_MARK_HEADS_PG, (partner_id, chunk))
                else:
                    await self._c.execute(_MARK_HEADS, {"partner": partner_id, "keys": chunk})

    async def _mark_next_heads(self, ended: Sequence[int]) -> None:
        """The messages ``ended`` are no longer pending: the next of each object heads it."""
        if ended:
            await self._c.execute(_MARK_NEXT_HEAD, [{"m_id": m} for m in ended])

    async def _queued(self) -> None:
        """Wake workers once the transaction commits: in-process, and over LISTEN/NOTIFY."""
        if self._on_queue is not None:
            self._on_queue()
        if self._postgres:
            await self._c.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")

    async def wake(self) -> None:
        """Wake every worker once the transaction commits (a partner came back up)."""
        await self._queued()

    async def add(self, message: NewMessage, now: datetime) -> int:
        """Queue one message at once and return its id (callers that need the id; others use
        :meth:`add_many`, which is buffered)."""
        await self.flush()
        await self._lock_objects([(message.partner_id, message.object_key)])
        if message.full_replace:
            await self._supersede(message, now)
        row = _row(message, now)
        result = await self._c.execute(insert(outbox).returning(outbox.c.id), row)
        message_id = int(result.scalar_one())
        await self._mark_new_heads([row])
        await self._queued()
        return message_id

    async def add_many(self, messages: Sequence[NewMessage], now: datetime) -> None:
        """``add`` for many messages in order, buffered: the rows are inserted by one statement
        when the unit of work commits (or before anything else here reads or writes the outbox),
        so the changes a group commit gathers cost one INSERT, not one each (performance.md)."""
        for message in messages:
            if now.tzinfo is None or (message.not_before and message.not_before.tzinfo is None):
                # as UtcDateTime refuses them (PostgreSQL's rows go in without it: ``flush``)
                raise ValueError("naive datetime given to the database: use aware UTC datetimes")
            if message.full_replace:
                # What it supersedes is inserted first (``_run`` flushes), and only what is older.
                await self._supersede(message, now)
            self._pending.append(_row(message, now))
            self._pending_objects.add((message.partner_id, message.object_key))

    async def flush(self) -> None:
        """Insert the buffered rows (one executemany: a multi-row INSERT) and wake workers."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        self._pending_objects.clear()
        await self._lock_objects((row["partner_id"], row["object_key"]) for row in rows)
        if self._postgres:
            # Straight to asyncpg's executemany, as SQLAlchemy's executemany sends it, without
            # its processing of each row's 19 values (7-10 against 14-15 µs a row of CPU)
            await self._c.exec_driver_sql(
                _insert_sql(tuple(rows[0])), [tuple(row.values()) for row in rows]
            )
        else:
            await self._c.execute(insert(outbox), rows)
        await self._mark_new_heads(rows)
        await self._queued()

    async def _run(self, statement: Any, parameters: Any = None) -> Any:
        """Every statement but the buffered insert: buffered rows go first, so what this
        transaction queued is seen, in order."""
        await self.flush()
        return await self._c.execute(statement, parameters)

    async def _supersede(self, message: NewMessage, now: datetime) -> None:
        """A newer full PUT replaces older queued messages of the object that are not in flight
        (what is left pending is in flight, so it heads the object already; else the PUT will).

        Buffered rows are inserted first only when one is of this object (it is older, so it is
        superseded too): the UPDATE touches no other object, so the rest stay buffered and a group
        commit's session updates still cost one INSERT, not one per update (issue 21)."""
        key = (message.partner_id, message.object_key)
        await self._lock_objects([key, *self._pending_objects])
        if key in self._pending_objects:
            await self.flush()
        at = self._bind_datetime(now)
        await execute(
            self._c, self._supersede_sql, [False, at, message.partner_id, message.object_key, at]
        )

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[QueuedMessage]:
        """One statement: mark the oldest due messages that head their object's queue as ours,
        and return them in id order."""
        statement = _claim_statement(self._postgres)
        if self._postgres:
            await self._c.exec_driver_sql(_WALK_HEADS)
        rows = await self._run(
            statement,
            {"worker": worker, "now": now, "until": now + lease, "batch": limit},
        )
        claimed = [_to_message(row) for row in rows]
        claimed += await self._claim_probes(worker, now, lease)
        return sorted(claimed, key=lambda m: m.id)

    async def _claim_probes(
        self, worker: str, now: datetime, lease: timedelta
    ) -> list[QueuedMessage]:
        """One probe per down partner whose probe is due: its oldest due message."""
        taken = await self._run(_TAKE_PROBES, {"now": now, "until": now + lease})
        probes = []
        for partner_id in [row.partner_id for row in taken]:
            statement = _claim_statement(self._postgres, probe=True)
            parameters = {"worker": worker, "now": now, "until": now + lease}
            row = await self._run(statement, {**parameters, "batch": 1, "partner": partner_id})
            found = row.first()
            lease_values: dict[str, Any] = {"probe_message_id": found.id if found else None}
            if found is None:
                lease_values["probe_until"] = None  # nothing due: the next claim tries again
            else:
                probes.append(dataclasses.replace(_to_message(found), probe=True))
            await self._run(
                update(partner_delivery)
                .where(partner_delivery.c.partner_id == partner_id)
                .values(**lease_values)
            )
        return probes

    async def record(
        self,
        attempt: Attempt,
        *,
        state: MessageState,
        next_attempt_at: datetime | None = None,
        reply_location: str | None = None,
    ) -> None:
        """Store one attempt and its effect on the message, releasing the claim."""
        await self.record_many([(attempt, state, next_attempt_at, reply_location)])

    async def record_many(self, results: Sequence[Recorded]) -> None:
        """Store attempts and their effects in two statements (executemany), whatever their number
        (on PostgreSQL prebuilt, sent to the driver as they are: docs/performance.md, push)."""
        if not results:
            return
        await self.flush()
        await self._lock_messages([a.message_id for a, _, _, _ in results])
        attempts = [
            (
                a.message_id,
                a.attempted_at,
                a.worker,
                a.http_status,
                a.ocpi_status,
                a.latency_ms,
                a.outcome.value,
                a.error,
                a.excerpt,
            )
            for a, _, _, _ in results
        ]
        effects = [
            (
                a.message_id,
                state.value,
                state is MessageState.PENDING,
                a.error,
                next_at,
                None if state is MessageState.PENDING else a.attempted_at,
                location,
            )
            for a, state, next_at, location in results
        ]
        if self._postgres:
            # Straight to asyncpg's executemany (as SQLAlchemy sends them, without its
            # processing of each row's values; the datetimes are the worker's aware ones)
            await self._c.exec_driver_sql(_RECORD_ATTEMPT, attempts)
            await self._c.exec_driver_sql(_RECORD_EFFECT, effects)
        else:
            await self._run(
                insert(outbox_attempts),
                [dict(zip(_ATTEMPT_COLUMNS, a, strict=True)) for a in attempts],
            )
            await self._run(
                _RECORD_EFFECT_CORE, [dict(zip(_EFFECT_KEYS, e, strict=True)) for e in effects]
            )
        await self._mark_next_heads(
            [a.message_id for a, state, _, _ in results if state is not MessageState.PENDING]
        )

    async def expire(self, message_id: int, reason: str, now: datetime) -> None:
        await self._end([message_id], MessageState.DEAD, reason, now, unclaimed_only=False)

    async def supersede(self, message_ids: Sequence[int], reason: str, now: datetime) -> int:
        return await self._end(message_ids, MessageState.SUPERSEDED, reason, now)

    async def _end(
        self,
        message_ids: Sequence[int],
        state: MessageState,
        reason: str,
        now: datetime,
        *,
        unclaimed_only: bool = True,
    ) -> int:
        """End these messages in ``state``, saying why (those still pending and, unless
        ``unclaimed_only`` is off, not in flight); the next of each object heads it. How many."""
        if not message_ids:
            return 0
        await self.flush()
        await self._lock_messages(message_ids)
        statement = update(outbox).where(outbox.c.id.in_(list(message_ids)))
        if unclaimed_only:
            statement = statement.where(outbox.c.state == MessageState.PENDING.value).where(
                (outbox.c.claimed_until.is_(None)) | (outbox.c.claimed_until < now)
            )
        result = await self._run(
            statement.values(
                state=state.value,
                head=False,
                last_error=reason,
                finished_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )
        await self._mark_next_heads(message_ids)
        return int(result.rowcount or 0)

    async def release_held(self, partner_id: int, object_key: str, now: datetime) -> int:
        """Make the object's held messages (``not_before``) due now; how many."""
        result = await self._run(
            update(outbox)
            .where(outbox.c.partner_id == partner_id)
            .where(outbox.c.object_key == object_key)
            .where(outbox.c.state == MessageState.PENDING.value)
            .where(outbox.c.next_attempt_at > now)
            .values(next_attempt_at=now)
        )
        released = int(result.rowcount or 0)
        if released:
            await self._queued()
        return released

    async def release(self, message_ids: Sequence[int]) -> None:
        """Give claimed messages back unsent (their partner went down while they waited)."""
        if message_ids:
            await self._run(
                update(outbox)
                .where(outbox.c.id.in_(list(message_ids)))
                .where(outbox.c.state == MessageState.PENDING.value)
                .values(claimed_by=None, claimed_until=None)
            )

    async def release_claims(self, worker: str | None = None) -> int:
        """Free claims (of one worker, or all: SQLite has a single worker, so a restart frees all)."""
        statement = (
            update(outbox)
            .where(outbox.c.claimed_by.is_not(None))
            .where(outbox.c.state == MessageState.PENDING.value)
        )
        if worker is not None:
            statement = statement.where(outbox.c.claimed_by == worker)
        result = await self._run(statement.values(claimed_by=None, claimed_until=None))
        return int(result.rowcount or 0)

    async def extend_claims(self, worker: str, ids: Sequence[int], until: datetime) -> int:
        """Renew this worker's claims on ``ids`` (messages it is still sending or recording) to
        ``until``; a claim another worker took meanwhile is left alone."""
        if not ids:
            return 0
        result = await self._run(
            update(outbox)
            .where(outbox.c.id.in_(list(ids)))
            .where(outbox.c.claimed_by == worker)
            .where(outbox.c.state == MessageState.PENDING.value)
            .values(claimed_until=until)
        )
        return int(result.rowcount or 0)

    async def claimers(self) -> list[str]:
        """Workers that hold claims on pending messages."""
        rows = await self._run(
            select(outbox.c.claimed_by)
            .where(outbox.c.claimed_by.is_not(None))
            .where(outbox.c.state == MessageState.PENDING.value)
            .distinct()
        )
        return [row.claimed_by for row in rows]

    async def get(self, message_id: int) -> QueuedMessage | None:
        row = (await self._run(select(outbox).where(outbox.c.id == message_id))).first()
        return _to_message(row) if row else None

    async def attempts(self, message_id: int) -> list[Attempt]:
        rows = await self._run(
            select(outbox_attempts)
            .where(outbox_attempts.c.message_id == message_id)
            .order_by(outbox_attempts.c.id)
        )
        return [_to_attempt(row) for row in rows]

    async def find(
        self, filters: QueueFilter, limit: int = 100, newest_first: bool = False
    ) -> list[QueuedMessage]:
        order = outbox.c.id.desc() if newest_first else outbox.c.id
        rows = await self._run(_filtered(select(outbox), filters).order_by(order).limit(limit))
        return [_to_message(row) for row in rows]

    async def count(self, filters: QueueFilter) -> int:
        result = await self._run(_filtered(select(func.count()).select_from(outbox), filters))
        return int(result.scalar_one())

    async def retry(self, filters: QueueFilter, ids: Sequence[int], now: datetime) -> int:
        """Put DEAD messages back in the queue, due now (marked heads: the claim's check decides
        whether one is its object's oldest pending message)."""
        await self.flush()
        await self._lock_heads()
        statement = update(outbox).where(outbox.c.state == MessageState.DEAD.value)
        if ids:
            statement = statement.where(outbox.c.id.in_(list(ids)))
        statement = _filtered(statement, QueueFilter(filters.partner_id, filters.module, None))
        result = await self._run(
            statement.values(
                state=MessageState.PENDING.value,
                next_attempt_at=now,
                finished_at=None,
                claimed_by=None,
                claimed_until=None,
                head=True,
            )
        )
        await self._queued()
        return int(result.rowcount or 0)

    async def purge(self, filters: QueueFilter, older_than: datetime | None) -> int:
        """Delete finished messages (never PENDING ones: nothing queued is ever dropped)."""
        statement = delete(outbox).where(outbox.c.state != MessageState.PENDING.value)
        statement = _filtered(statement, filters)
        if older_than is not None:
            statement = statement.where(outbox.c.created_at < older_than)
        # Attempts go with their message (ON DELETE CASCADE).
        result = await self._run(statement)
        return int(result.rowcount or 0)

    async def stats(self) -> list[QueueStats]:
        rows = await self._run(
            select(
                outbox.c.partner_id,
                outbox.c.module,
                outbox.c.state,
                func.count().label("n"),
                func.min(outbox.c.created_at).label("oldest"),
            )
            .where(outbox.c.state.in_([MessageState.PENDING.value, MessageState.DEAD.value]))
            .group_by(outbox.c.partner_id, outbox.c.module, outbox.c.state)
        )
        return [
            QueueStats(r.partner_id, r.module, MessageState(r.state), r.n, _aware(r.oldest))
            for r in rows
        ]


def _aware(value: Any) -> datetime | None:
    """Aggregates bypass the column type on SQLite: re-attach UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
