"""What must run once in a cluster runs in one instance, the leader (issue 18, point 4).

Several ``serve`` processes may share one database. Jobs that must not run in each of them
(command timeouts, reconciliation, purges, the watch over dead instances' stations) run where
``Leadership.leader`` is true. Leading is holding the lease ``leader`` (domain.leases) in the
database:

* an instance tries to take or renew it every ``renew_every`` seconds (5 s); it is held for
  ``lease`` seconds (15 s) from the database's clock;
* the holder believes it leads only until ``lease`` seconds after it *sent* its last successful
  renewal (minus a margin), which is before the database lets anyone else take it: two leaders
  never overlap, even when the holder's database connection hangs;
* a holder that dies stops renewing: another instance takes over within ``lease + renew_every``
  (20 s); one that stops cleanly releases the lease and the next try of another takes it at once.

The same code runs on SQLite (one process normally: it simply always leads) and PostgreSQL.

Use::

    leadership = Leadership(storage)
    leadership.every(1.0, sweep_overdue_commands, name="command timeouts")
    leadership.start()
    ...
    await leadership.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable

from ocpi_cpo.domain.leases import LEADER
from ocpi_cpo.storage.protocols import Storage

log = logging.getLogger("ocpi_cpo.leadership")

#: seconds the leader's lease lasts without renewal
LEASE_SECONDS = 15.0
#: seconds between two renewals (or two tries to take it)
RENEW_EVERY = 5.0
#: seconds the holder stops believing it leads before its lease can expire
MARGIN = 1.0

Job = Callable[[], Awaitable[object]]


def instance_id() -> str:
    """This process's name among instances: host, pid and a random tail (pids are reused)."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:6]}"


class Leadership:
    def __init__(
        self,
        storage: Storage,
        holder: str | None = None,
        *,
        lease: float = LEASE_SECONDS,
        renew_every: float = RENEW_EVERY,
        name: str = LEADER,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if renew_every + MARGIN >= lease:
            raise ValueError("the lease must outlast a renewal interval and its margin")
        self.storage = storage
        self.holder = holder or instance_id()
        self.name = name
        self.lease = lease
        self.renew_every = renew_every
        self._monotonic = monotonic
        self._until = 0.0
        self._became = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._jobs: list[tuple[float, Job, str]] = []

    @property
    def leader(self) -> bool:
        """True while this instance holds the lease for sure."""
        return self._monotonic() < self._until

    async def try_lead(self) -> bool:
        """One try to take (or renew) the lease; whether this instance leads now."""
        sent = self._monotonic()
        was = self.leader
        try:
            async with self.storage.transaction() as uow:
                held = await uow.leases.take(self.name, self.holder, self.lease)
        except Exception as exc:  # the database is away: lead only until the lease runs out
            log.warning("leadership %s: could not renew the lease: %s", self.name, exc)
            return self.leader
        self._until = sent + self.lease - MARGIN if held else 0.0
        if held and not was:
            log.info("leadership %s: %s leads", self.name, self.holder)
            self._became.set()
        elif was and not held:
            log.warning("leadership %s: %s no longer leads", self.name, self.holder)
        if not held:
            self._became.clear()
        return held

    async def wait_leader(self) -> None:
        """Return once this instance leads (at once if it does)."""
        while not self.leader:
            self._became.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._became.wait(), self.renew_every)

    def every(self, seconds: float, job: Job, *, name: str) -> None:
        """Run ``job`` every ``seconds`` while this instance leads (from ``start`` on)."""
        self._jobs.append((seconds, job, name))
        if self._tasks:
            self._tasks.append(asyncio.create_task(self._repeat(seconds, job, name), name=name))

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._renew_forever(), name=f"lease {self.name}"))
        for seconds, job, name in self._jobs:
            self._tasks.append(asyncio.create_task(self._repeat(seconds, job, name), name=name))

    async def close(self) -> None:
        """Stop the jobs and hand the lease over at once (released, not left to expire)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.leader:
            self._until = 0.0
            with contextlib.suppress(Exception):
                async with self.storage.transaction() as uow:
                    await uow.leases.release(self.name, self.holder)

    async def _renew_forever(self) -> None:
        while True:
            await self.try_lead()
            await asyncio.sleep(self.renew_every)

    async def _repeat(self, seconds: float, job: Job, name: str) -> None:
        while True:
            await self.wait_leader()
            try:
                await job()
            except Exception:
                log.exception("%s failed; trying again in %g s", name, seconds)
            await asyncio.sleep(seconds)
