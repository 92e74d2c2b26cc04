"""Running accepted commands: the station call in the background, then exactly one CommandResult.

* The station call runs in its own task, never in the HTTP handler (nor in a station handler).
* Whatever ends first, the station's answer or our timeout, moves the command PENDING -> DONE in
  one conditional update and queues its CommandResult in the same transaction (the outbox then
  delivers it with the partner's token, routing headers and retries). The loser finds it DONE.
* A station answer after TIMEOUT is logged and kept as ``late_result``, never sent. A late
  ACCEPTED START_SESSION whose transaction does begin is reported as any session is (with the
  command's token and authorization_reference, kept as a COMMAND authorization decision): the
  energy was delivered (ocpp-bridge.md §2.4, point 8).
* Commands left PENDING by a process that stopped are expired to TIMEOUT by :meth:`sweep`, which
  the leader among instances runs every ``SWEEP_EVERY`` seconds (services.leadership): the
  TIMEOUT goes out within a few seconds of the deadline, whichever instance received it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.commands import CommandName, StoredCommand
from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.stations import CommandOutcome
from ocpi_cpo.services.delivery import enqueue
from ocpi_cpo.services.publishing import DEFAULT_VERSION, CommandFinished
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

LOG = logging.getLogger("ocpi_cpo.commands")
MODULE = "commands"

#: seconds past its deadline a PENDING command is expired by the sweep (its own instance, alive,
#: finishes it at the deadline itself: the sweep is for one that died)
SWEEP_GRACE = 2.0
#: longest a command result waits for its CommandResponse to be answered (issue 16 item 5)
ANSWER_WAIT = 5.0
#: seconds between two sweeps (by the leader only)
SWEEP_EVERY = 1.0

ResultRenderer = Callable[[CommandFinished], NewMessage]
StationCall = Callable[[], Awaitable[CommandOutcome]]
#: the command's result as the eMSP's version takes it (URL, verb, body: supplied by the OCPI
#: layer, ``ocpi.publishing.command_result``); services never pick them

_MESSAGES = {
    CommandOutcome.FAILED: "the station could not carry out the command (offline or failed)",
    CommandOutcome.NOT_SUPPORTED: "the station does not support this command",
    CommandOutcome.REJECTED: "the station rejected the command",
}


def result_message(outcome: CommandOutcome, timeout: float) -> str | None:
    if outcome is CommandOutcome.TIMEOUT:
        return f"the station did not answer within {timeout:g} s"
    return _MESSAGES.get(outcome)


async def finish_in(
    uow: UnitOfWork,
    command: StoredCommand,
    outcome: CommandOutcome,
    message: str | None,
    render: ResultRenderer,
    clock: Clock,
    *,
    held: bool = False,
) -> bool:
    """Decide the command's result and queue it, in the caller's transaction; False (nothing
    queued) when the command had its result already.

    ``held``: the eMSP has not had its CommandResponse yet, so the result waits (issue 16
    item 5) until :meth:`CommandRunner.answered` releases it, or ``ANSWER_WAIT`` at most."""
    now = clock.now()
    if not await uow.commands.finish(command.id, outcome, message, now):
        return False
    not_before = now + timedelta(seconds=ANSWER_WAIT) if held else None
    partner = await uow.partners.get(command.partner_id)
    version = (partner.version if partner is not None else None) or DEFAULT_VERSION
    finished = CommandFinished(command, outcome, message, not_before, version)
    await enqueue(uow, render(finished), now)
    return True


class CommandRunner:
    def __init__(
        self, storage: Storage, clock: Clock, timeout: float, render: ResultRenderer
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.timeout = timeout
        self.render = render
        #: how long a station answer is still awaited after TIMEOUT, to log it
        self.late_wait = max(60.0, 4 * timeout)
        self._tasks: set[asyncio.Task[Any]] = set()
        #: commands whose CommandResponse has not been answered yet: their result is held
        self._unanswered: set[int] = set()

    def launch(self, command: StoredCommand, call: StationCall) -> None:
        self._unanswered.add(command.id)
        task = asyncio.create_task(self._run(command, call), name=f"command-{command.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every launched command has its result (and late answers are logged)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(self, command: StoredCommand, call: StationCall) -> None:
        station = asyncio.ensure_future(_guarded(command, call))
        remaining = (command.deadline - self.clock.now()).total_seconds()
        done, _ = await asyncio.wait({station}, timeout=max(remaining, 0.0))
        if station in done:
            outcome = station.result()
            if not await self.finish(command, outcome, result_message(outcome, self.timeout)):
                await self._late(command, outcome)
            return
        timed_out = await self.finish(
            command, CommandOutcome.TIMEOUT, result_message(CommandOutcome.TIMEOUT, self.timeout)
        )
        if timed_out:
            LOG.warning(
                "command %d %s: no answer from the station within %g s: TIMEOUT sent",
                command.id,
                command.name.value,
                self.timeout,
            )
        try:
            late = await asyncio.wait_for(station, self.late_wait)
        except TimeoutError:
            LOG.warning("command %d: the station never answered", command.id)
            return
        await self._late(command, late)

    async def answered(self, command: int, partner_id: int) -> None:
        """The CommandResponse went out: the command's result, if already queued, goes now."""
        self._unanswered.discard(command)
        try:
            async with self.storage.transaction() as uow:
                await uow.outbox.release_held(partner_id, f"command/{command}", self.clock.now())
        except Exception:
            LOG.exception(
                "command %d: result not released (it goes within %g s)", command, ANSWER_WAIT
            )

    async def finish(
        self, command: StoredCommand, outcome: CommandOutcome, message: str | None
    ) -> bool:
        held = command.id in self._unanswered
        try:
            async with self.storage.transaction() as uow:
                finished = await finish_in(
                    uow, command, outcome, message, self.render, self.clock, held=held
                )
        except Exception:
            # The command stays PENDING: the sweep sends TIMEOUT once it is overdue.
            LOG.exception("command %d: could not record its result %s", command.id, outcome.value)
            return False
        if finished:
            LOG.info("command %d %s: result %s", command.id, command.name.value, outcome.value)
        return finished

    async def _late(self, command: StoredCommand, outcome: CommandOutcome) -> None:
        with contextlib.suppress(Exception):
            async with self.storage.transaction() as uow:
                await uow.commands.record_late(command.id, outcome)
        consequence = "not sent: the command had its result already"
        if command.name is CommandName.START_SESSION and outcome is CommandOutcome.ACCEPTED:
            consequence += (
                "; a transaction it starts is reported as a session with the command's token"
                f" and authorization_reference (remote_start_id={command.id})"
            )
        LOG.warning(
            "command %d %s: late station answer %s %s",
            command.id,
            command.name.value,
            outcome.value,
            consequence,
        )

    async def sweep(self, grace: float = SWEEP_GRACE) -> int:
        """Expire commands PENDING ``grace`` seconds past their deadline (the instance that ran
        them stopped): TIMEOUT."""
        before = self.clock.now() - timedelta(seconds=grace)
        async with self.storage.read() as uow:
            overdue = await uow.commands.overdue(before)
        expired = 0
        for command_id in overdue:
            async with self.storage.transaction() as uow:
                command = await uow.commands.get(command_id)
                if command is None:
                    continue
                message = "no answer recorded for this command (the platform restarted)"
                if await finish_in(
                    uow, command, CommandOutcome.TIMEOUT, message, self.render, self.clock
                ):
                    expired += 1
        if expired:
            LOG.warning("%d commands had no result after a restart: TIMEOUT sent", expired)
        return expired


async def _guarded(command: StoredCommand, call: StationCall) -> CommandOutcome:
    """The station call; an exception is a station error: FAILED."""
    try:
        return await call()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        LOG.warning("command %d %s: the station call failed: %s", command.id, command.name, exc)
        return CommandOutcome.FAILED
