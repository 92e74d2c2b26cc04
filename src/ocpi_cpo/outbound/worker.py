"""The outbox worker: claims due messages, sends them through the one transport, records every
attempt, and retries or parks them by the table in ``domain.delivery``.

Runs inside ``ocpi-cpo serve`` and alone as ``ocpi-cpo worker``; several workers may share one
PostgreSQL database (claims use SKIP LOCKED and keep per-object order). Woken at once by the
in-process signal, by LISTEN/NOTIFY across processes on PostgreSQL, else by a short poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from ocpi_cpo import metrics
from ocpi_cpo.config import Settings
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.delivery import (
    Attempt,
    Backoff,
    MessageState,
    NewMessage,
    Observation,
    Outcome,
    QueuedMessage,
    classify,
    needs_repair,
    says_object_unknown,
    says_partner_down,
)
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.publishing import publisher as every_version
from ocpi_cpo.ocpi.transport import OcpiReply, Transport, TransportError
from ocpi_cpo.ocpi.urls import endpoint_url
from ocpi_cpo.outbound.partner_gate import PartnerGate
from ocpi_cpo.services import partner_delivery, repairs, retrying
from ocpi_cpo.storage.protocols import Storage, UnitOfWork
from ocpi_cpo.storage.sql.changes import listening
from ocpi_cpo.storage.sql.repositories.outbox import NOTIFY_CHANNEL

log = logging.getLogger("ocpi_cpo.outbox")
_EXCERPT = 300


#: the message's state after an attempt with this outcome
_STATE_AFTER = {
    Outcome.DELIVERED: MessageState.DELIVERED,
    Outcome.DEAD: MessageState.DEAD,
    Outcome.RETRY: MessageState.PENDING,
}


def worker_name() -> str:
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:6]}"


def retry_after_seconds(reply: OcpiReply, now: datetime) -> float | None:
    value = reply.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None


#: (the unit of work recording the round, the messages parked as "unknown object")
UnknownObjects = Callable[[UnitOfWork, list[QueuedMessage]], Awaitable[None]]


@dataclass(slots=True)
class Result:
    message: QueuedMessage
    partner: Partner | None
    attempt: Attempt
    state: MessageState
    next_attempt_at: datetime | None
    reply_location: str | None
    #: what the attempt said about its partner (None: not sent, or no partner to judge)
    observation: Observation | None = None
    #: not sent: its partner went down while it waited; the claim is given back
    unsent: bool = False
    #: parked because the partner does not hold the object (``says_object_unknown``)
    unknown_object: bool = False

    def observed(self) -> tuple[int, Observation | None]:
        """What the attempt tells the partner's delivery state, for the round's record. An
        answer to a message claimed as usual (not a probe) tells nothing new: the claim takes no
        message of a partner marked down, so the partner was up then, and if another round has
        marked it down since, its next probe brings it back (within ``probe_cap_seconds``).
        Left out, a round of answers reads and writes no partner state: two statements fewer
        in each record (an insert of the partner's row and a read of it, locked on PostgreSQL),
        on the one writer that the stations' writes share (docs/performance.md)."""
        seen = self.observation
        if seen is not None and not seen.down and not self.message.probe:
            return self.message.partner_id, None
        return self.message.partner_id, seen


class OutboxWorker:
    def __init__(
        self,
        storage: Storage,
        transport: Transport,
        settings: Settings,
        clock: Clock,
        *,
        name: str | None = None,
    ) -> None:
        self.storage = storage
        self.transport = transport
        self.settings = settings.outbox
        self.clock = clock
        self.name = name or worker_name()
        self.backoff = Backoff(
            self.settings.backoff_base_seconds, self.settings.backoff_cap_seconds
        )
        self.gate = PartnerGate(storage, clock, self.settings)
        #: called in the transaction that parks messages whose partner does not hold their
        #: object (HTTP 404, OCPI 2003), to queue a repair instead (issue 16 item 2)
        self.on_unknown_object: UnknownObjects | None = None
        self._database_url = settings.database_url
        self._timeout = settings.partner_timeout
        self._semaphores: dict[int, asyncio.Semaphore] = {}
        self.delivered = 0
        #: renders the whole objects of repairs (services.repairs) in each partner's version;
        #: what no longer fits a partner's wire is logged and left out
        self.publisher = every_version().tolerant()
        #: ids of the messages this worker's rounds are sending or recording
        self._in_flight: set[int] = set()
        # the metrics' labelled children, looked up once (``labels()`` takes a lock and checks
        # its labels each call: two calls a message)
        self._attempts = functools.lru_cache(maxsize=1024)(metrics.ATTEMPTS.labels)
        self._latency = functools.lru_cache(maxsize=64)(metrics.LATENCY.labels)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set. Survives database and partner outages.

        Rounds overlap: a message committed while a round's requests are in flight is claimed at
        once (up to ``rounds_in_flight`` rounds) instead of waiting for that round to finish.
        Order per object holds all the same: a claim never takes a message while an earlier one
        for its object is still pending, in flight or not."""
        await self._release_dead_local_claims()
        listener = await self._listen()
        rounds: set[asyncio.Task[None]] = set()
        renewing = asyncio.create_task(self._renew_leases())
        try:
            while not stop.is_set():
                if len(rounds) >= self.settings.rounds_in_flight:
                    await asyncio.wait(rounds, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    batch, partners = await self._claim()
                except Exception:
                    log.exception("outbox claim failed; retrying shortly")
                    await asyncio.sleep(1.0)
                    continue
                if batch:
                    full = len(batch) == self.settings.batch_size
                    self._start_round(rounds, batch, partners)
                    if full:
                        continue  # more are probably due: claim again at once
                await self._wait(stop, rounds)
        finally:
            if rounds:  # stopping: the rounds in flight still record what they sent
                await asyncio.gather(*rounds, return_exceptions=True)
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()

    def _start_round(
        self,
        rounds: set[asyncio.Task[None]],
        batch: list[QueuedMessage],
        partners: dict[int, Partner],
    ) -> None:
        """Send and record ``batch`` in a round of its own. A message whose lease lapsed while an
        earlier round of this worker still sends or records it (a slow partner, or a record
        waiting for SQLite's write lock) comes back in a claim: it is not sent a second time;
        the earlier round's record ends its claim (or, if that record fails, the claim lapses
        and the message is sent again then)."""
        fresh = [m for m in batch if m.id not in self._in_flight]
        if len(fresh) < len(batch):
            log.warning(
                "%d message(s) claimed again while still in flight here (their lease of %g s"
                " lapsed): not sent twice",
                len(batch) - len(fresh),
                self.settings.lease_seconds,
            )
        batch = fresh
        if not batch:
            return
        ids = {m.id for m in batch}
        self._in_flight |= ids
        task = asyncio.create_task(self._finish_logged(batch, partners))
        rounds.add(task)
        task.add_done_callback(rounds.discard)
        task.add_done_callback(lambda _: self._in_flight.difference_update(ids))

    async def _renew_leases(self) -> None:
        """Every third of the lease, renew the claims of what this worker still sends or records.

        A round can outlast its lease (a slow partner, a record waiting for SQLite's write lock
        on a busy machine): another worker would then claim those messages and send them a second
        time (seen: two workers, 200 of 10,000 sent twice). Renewed, a claim lapses only when its
        worker stopped renewing it: dead, or cut off from the database."""
        interval = self.settings.lease_seconds / 3
        lease = timedelta(seconds=self.settings.lease_seconds)
        while True:
            await asyncio.sleep(interval)
            ids = sorted(self._in_flight)
            if not ids:
                continue
            try:
                async with self.storage.transaction() as uow:
                    await uow.outbox.extend_claims(self.name, ids, self.clock.now() + lease)
            except Exception:
                log.exception("renewing the claims of %d message(s) in flight failed", len(ids))

    async def _wait(self, stop: asyncio.Event, rounds: set[asyncio.Task[None]]) -> None:
        """Until a commit signals new messages, a round ends (its objects' next messages become
        claimable), ``stop``, or the poll interval."""
        waiter = asyncio.ensure_future(self.storage.outbox_signal.wait(self.settings.poll_seconds))
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiter, stopper, *rounds}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiter, stopper):
            task.cancel()

    async def _listen(self) -> Any:
        """PostgreSQL: LISTEN so that commits in other processes wake us at once."""
        if not self._database_url.startswith("postgresql"):
            return None
        import asyncpg

        dsn = self._database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        wake = self.storage.outbox_signal.set
        try:
            return await listening(dsn, {NOTIFY_CHANNEL: lambda *_: wake()})
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("LISTEN %s unavailable (%s); polling instead", NOTIFY_CHANNEL, exc)
            return None

    async def _release_dead_local_claims(self) -> None:
        """Claims of workers on this host whose process is gone are freed at once (after a crash
        the others would wait for the lease to expire)."""
        host = socket.gethostname()
        async with self.storage.read() as uow:
            claimed = await uow.outbox.claimers()
        for worker in claimed:
            parts = worker.split("/")
            local = len(parts) == 3 and parts[0] == host and parts[1].isdigit()
            if local and not _alive(int(parts[1])):
                async with self.storage.transaction() as uow:
                    freed = await uow.outbox.release_claims(worker)
                log.info("freed %d messages claimed by dead worker %s", freed, worker)

    async def drain_once(self) -> int:
        """Claim one batch, send it, record the results. Returns how many were handled."""
        batch, partners = await self._claim()
        if batch:
            await self._finish(batch, partners)
        return len(batch)

    async def _claim(self) -> tuple[list[QueuedMessage], dict[int, Partner]]:
        now = self.clock.now()
        lease = timedelta(seconds=self.settings.lease_seconds)
        async with self.storage.transaction() as uow:
            batch = await uow.outbox.claim(self.name, now, lease, self.settings.batch_size)
        if not batch:
            return batch, {}
        # Read after the claim's commit, outside it: SQLite's one writer is held only as long as
        # the claim itself (statuses wait for it).
        async with self.storage.read(snapshot=False) as uow:
            partners = {p.id: p for p in await uow.partners.all()}
        return batch, partners

    async def _finish(self, batch: list[QueuedMessage], partners: dict[int, Partner]) -> None:
        """Send a claimed batch and record every attempt."""
        everything = await self._send_round(batch, partners)
        sent = [r for r in everything if not r.unsent]
        results = sent

        async def record(uow: UnitOfWork) -> None:
            nonlocal results
            # repairs change the results of unknown objects: each try starts from the answers
            results = [copy.copy(r) if r.unknown_object else r for r in sent]
            await partner_delivery.give_back(uow, [r.message.id for r in everything if r.unsent])
            puts = await self._repairs(uow, results)
            await uow.outbox.record_many(
                [(r.attempt, r.state, r.next_attempt_at, r.reply_location) for r in results]
            )
            await self.gate.record(uow, [r.observed() for r in results])
            # After the record: the repaired PATCH is no longer pending, the PUT supersedes the
            # PATCHes queued behind it.
            await repairs.queue(uow, puts, self.clock.now())
            unknown = [r.message for r in results if r.unknown_object]
            if unknown and self.on_unknown_object is not None:
                await self.on_unknown_object(uow, unknown)

        # What was sent must be recorded: a round whose record is lost is sent again after its
        # lease, so a deadlock victim (PostgreSQL) records again at once.
        await retrying.write(self.storage, record, what="outbox record")
        for result in results:
            name = result.partner.name if result.partner else str(result.message.partner_id)
            self._attempts(name, result.message.module, result.attempt.outcome.value).inc()
            if result.state is MessageState.DELIVERED:
                self.delivered += 1
            elif result.state is MessageState.DEAD:
                _parked(name, result)

    async def _send_round(
        self, batch: list[QueuedMessage], partners: dict[int, Partner]
    ) -> list[Result]:
        """Every message of the round sent, each partner's by ``concurrency_per_partner`` lanes
        at most, each lane taking the partner's next message in id order and one of its slots
        per message (so rounds in flight still share the partner's slots). A lane per partner
        slot, not a task per message: a task, its start and its wait for a slot cost two turns
        of the event loop per message (docs/performance.md, "Durable push")."""
        by_partner: dict[int, deque[QueuedMessage]] = {}
        for message in batch:
            by_partner.setdefault(message.partner_id, deque()).append(message)
        results: list[Result] = []

        async def lane(queue: deque[QueuedMessage], partner: Partner | None) -> None:
            while queue:
                message = queue.popleft()
                results.append(await self._deliver_safely(message, partner))

        lanes = [
            lane(queue, partners.get(partner_id))
            for partner_id, queue in by_partner.items()
            for _ in range(min(self.settings.concurrency_per_partner, len(queue)))
        ]
        if len(lanes) == 1:
            await lanes[0]
        else:
            await asyncio.gather(*lanes)
        results.sort(key=lambda result: result.message.id)  # recorded in id order, as claimed
        return results

    async def _repairs(self, uow: UnitOfWork, results: list[Result]) -> list[NewMessage]:
        """PATCHes answered "unknown object": the full PUTs that replace them (services.repairs);
        each repaired result becomes SUPERSEDED with a REPAIRED attempt saying so."""
        puts: list[NewMessage] = []
        for result in results:
            attempt, message = result.attempt, result.message
            if not result.unknown_object or result.partner is None:
                continue
            if not needs_repair(
                message.module, message.method, attempt.http_status, attempt.ocpi_status
            ):
                continue
            put = await repairs.full_put(uow, self.publisher, message, result.partner)
            if isinstance(put, str):
                result.attempt = replace(attempt, error=f"{attempt.error}; {put}")
                continue
            puts += put
            result.state = MessageState.SUPERSEDED
            result.attempt = replace(
                attempt,
                outcome=Outcome.REPAIRED,
                error=f"{attempt.error}: the partner does not hold the object; a full PUT of it"
                " is queued instead",
            )
            metrics.REPAIRS.labels(result.partner.name, message.module).inc()
        return puts

    async def _finish_logged(
        self, batch: list[QueuedMessage], partners: dict[int, Partner]
    ) -> None:
        try:
            await self._finish(batch, partners)
        except Exception:
            # Not recorded (the database failed us): the claims lapse after lease_seconds and
            # the messages are sent again then, never lost.
            log.exception("outbox round of %d messages not recorded; retrying shortly", len(batch))
            await asyncio.sleep(1.0)

    async def _deliver_safely(self, message: QueuedMessage, partner: Partner | None) -> Result:
        """Whatever a partner answers, one attempt is recorded: nothing it sends may stop the
        round (the others' results would go unrecorded and be sent again)."""
        try:
            return await self._deliver(message, partner)
        except Exception as exc:
            log.exception("delivery of message %d failed unexpectedly", message.id)
            error = f"unexpected {type(exc).__name__}: {exc}"[:300]
            return self._result(message, partner, None, None, 0.0, Outcome.RETRY, error)

    async def _deliver(self, message: QueuedMessage, partner: Partner | None) -> Result:
        now = self.clock.now()
        if now - message.created_at > timedelta(hours=self.settings.max_age_hours):
            return self._result(
                message,
                partner,
                None,
                None,
                0.0,
                Outcome.DEAD,
                f"not delivered within {self.settings.max_age_hours:g} h: parked as a dead letter",
            )
        target = self._url(message, partner)
        if isinstance(target, str) and partner is not None and partner.outbound_token:
            semaphore = self._semaphores.get(partner.id)
            if semaphore is None:
                semaphore = asyncio.Semaphore(self.settings.concurrency_per_partner)
                self._semaphores[partner.id] = semaphore
            async with semaphore:
                if self.gate.given_back(message):
                    return self._unsent(message, partner)
                result = await self._send(message, partner, target)
            if result.observation is not None and result.observation.down:
                await self.gate.went_down(message, result.observation)
            return result
        reason = target.reason if isinstance(target, _Unsendable) else "partner has no token"
        return self._result(message, partner, None, None, 0.0, Outcome.DEAD, reason)

    def _unsent(self, message: QueuedMessage, partner: Partner) -> Result:
        attempt = Attempt(
            message.id, self.clock.now(), self.name, None, None, 0.0, Outcome.RETRY, None, None
        )
        return Result(message, partner, attempt, MessageState.PENDING, None, None, unsent=True)

    async def _send(self, message: QueuedMessage, partner: Partner, url: str) -> Result:
        assert partner.outbound_token is not None
        started = self.clock.now()
        try:
            reply = await self.transport.send(
                message.method,
                url,
                token=partner.outbound_token,
                token_base64=partner.token_base64,
                body=message.body,
                routing=message.routing,
                timeout=self._timeout,
            )
        except TransportError as exc:
            result = self._result(
                message, partner, None, None, exc.latency_ms, Outcome.RETRY, str(exc)
            )
            result.observation = Observation(message.id, started, True, str(exc))
            return self._gated(result)
        self._latency(message.module).observe(reply.latency_ms / 1000)
        outcome = classify(reply.http_status, reply.ocpi_status)
        error = None if outcome is Outcome.DELIVERED else reply.problem()
        result = self._result(
            message,
            partner,
            reply.http_status,
            reply.ocpi_status,
            reply.latency_ms,
            outcome,
            error,
            reply.excerpt[:_EXCERPT],
            retry_after_seconds(reply, self.clock.now()),
        )
        location = reply.headers.get("location")
        result.reply_location = _storable(location)[:1000] if location else None
        result.unknown_object = outcome is Outcome.DEAD and says_object_unknown(
            reply.http_status, reply.ocpi_status
        )
        down = outcome is Outcome.RETRY and says_partner_down(reply.http_status, reply.ocpi_status)
        retry_after = retry_after_seconds(reply, self.clock.now())
        result.observation = Observation(message.id, started, down, error, retry_after)
        return self._gated(result) if down else result

    @staticmethod
    def _gated(result: Result) -> Result:
        """A message whose partner is down waits for the partner, not for its own backoff:
        due again at once, the partner's state holds it back (one probe at a time) until the
        partner answers, and then everything goes at once (issue 16 item 1)."""
        result.next_attempt_at = result.attempt.attempted_at
        return result

    def _url(self, message: QueuedMessage, partner: Partner | None) -> str | _Unsendable:
        if message.interface is None:
            return message.url
        if partner is None:
            return _Unsendable("the partner no longer exists")
        if message.version and partner.version and message.version != partner.version:
            # queued before `partners update --version` moved it: its body is the old wire's
            return _Unsendable(
                f"rendered for OCPI {message.version}; partner {partner.name} is now on"
                f" OCPI {partner.version}"
            )
        endpoint = partner.endpoint(message.module, message.interface)
        if endpoint is None:
            return _Unsendable(
                f"partner {partner.name} offers no {message.module} {message.interface} endpoint"
            )
        return endpoint_url(endpoint.url, message.url)

    def _result(
        self,
        message: QueuedMessage,
        partner: Partner | None,
        http_status: int | None,
        ocpi_status: int | None,
        latency_ms: float,
        outcome: Outcome,
        error: str | None,
        excerpt: str | None = None,
        retry_after: float | None = None,
    ) -> Result:
        now = self.clock.now()
        attempt = Attempt(
            message_id=message.id,
            attempted_at=now,
            worker=self.name,
            http_status=http_status,
            ocpi_status=ocpi_status,
            latency_ms=latency_ms,
            outcome=outcome,
            error=_storable(error) if error else None,
            excerpt=_storable(excerpt) if excerpt else None,
        )
        state = _STATE_AFTER[outcome]
        next_at = None
        if outcome is Outcome.RETRY:
            delay = self.backoff.delay(message.attempts + 1, retry_after)
            next_at = now + timedelta(seconds=delay)
        if outcome is not Outcome.DELIVERED:
            log.info(
                "delivery %s of message %d (%s %s) to %s: %s",
                outcome.value.lower(),
                message.id,
                message.method,
                message.module,
                partner.name if partner else message.partner_id,
                error,
            )
        return Result(message, partner, attempt, state, next_at, None)


@dataclass(frozen=True, slots=True)
class _Unsendable:
    reason: str


def _storable(text: str) -> str:
    """A partner's bytes as text any database stores (PostgreSQL refuses NUL in text)."""
    return text.replace("\x00", "\\x00")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_worker(worker: OutboxWorker) -> tuple[asyncio.Task[None], Callable[[], None]]:
    """Run the worker in the background; returns the task and a function that stops it."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name=f"outbox-worker {worker.name}")
    return task, stop.set


def _parked(partner: str, result: Result) -> None:
    """A dead letter is counted; a dead CDR is a charge nobody bills, so it is also logged at
    error level for the alerting that watches the logs (issue 24)."""
    message = result.message
    metrics.DEAD_LETTERS.labels(partner, message.module).inc()
    if message.module == "cdrs":
        log.error(
            "CDR message %d (%s) to %s parked as a dead letter: %s; fix, then "
            "`ocpi-cpo outbox retry %d`",
            message.id,
            message.object_key,
            partner,
            result.attempt.error,
            message.id,
        )
