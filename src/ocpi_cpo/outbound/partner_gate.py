"""Backoff per partner inside a worker (issue 16 item 1; architecture.md, "Partner delivery
states"): what each round's attempts said about their partners is stored (the rule is
``domain.delivery.observe``), the first "down" answer at once, and messages claimed before this
worker saw their partner fail are given back unsent instead of waiting on a dead partner.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from ocpi_cpo.config import OutboxSettings
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.delivery import Backoff, Observation, QueuedMessage
from ocpi_cpo.services import partner_delivery
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

log = logging.getLogger("ocpi_cpo.outbox")


class PartnerGate:
    def __init__(self, storage: Storage, clock: Clock, settings: OutboxSettings) -> None:
        self.storage = storage
        self.clock = clock
        self.settings = settings
        self.backoff = Backoff(settings.probe_base_seconds, settings.probe_cap_seconds)
        #: partner id -> when this worker last saw it fail as down
        self._suspect: dict[int, datetime] = {}

    def given_back(self, message: QueuedMessage) -> bool:
        """Claimed before this worker saw its partner fail as down (and not the probe): give
        it back unsent; the partner's one probe goes instead."""
        known = self._suspect.get(message.partner_id)
        if known is None or message.probe:
            return False
        return self._claimed_at(message) < known

    async def went_down(self, message: QueuedMessage, seen: Observation) -> None:
        """The first down answer a round sees is stored at once, not when the round ends (an
        answer that hangs holds its round up to ``partner_timeout``): other workers stop
        claiming for that partner, and this one gives back what it claimed before."""
        known = self._suspect.get(message.partner_id)
        if known is not None and known >= self._claimed_at(message):
            return
        self._suspect[message.partner_id] = self.clock.now()
        if message.probe:
            return  # the round records it (a failed probe lengthens the interval)
        try:
            async with self.storage.transaction() as uow:
                await partner_delivery.observed(
                    uow, message.partner_id, [seen], self.backoff, self.clock.now()
                )
        except Exception:
            log.exception("partner %d state not stored; its round will", message.partner_id)

    async def record(
        self, uow: UnitOfWork, observed: Sequence[tuple[int, Observation | None]]
    ) -> None:
        """Store what a round's attempts said about each partner, in the round's transaction;
        a partner back up wakes every worker (its whole backlog is due at once)."""
        seen: dict[int, list[Observation]] = {}
        for partner_id, observation in observed:
            if observation is not None:
                seen.setdefault(partner_id, []).append(observation)
        now = self.clock.now()
        for partner_id, observations in seen.items():
            state = await partner_delivery.observed(
                uow, partner_id, observations, self.backoff, now
            )
            if state is None:
                continue
            if state.available:
                log.info("partner %d answers again: its messages are due now", partner_id)
            elif state.failures == 1:
                log.warning(
                    "partner %d is down (%s): one probe at a time, %g s apart at most, until "
                    "it answers",
                    partner_id,
                    state.last_error,
                    self.settings.probe_cap_seconds,
                )

    def _claimed_at(self, message: QueuedMessage) -> datetime:
        assert message.claimed_until is not None
        return message.claimed_until - timedelta(seconds=self.settings.lease_seconds)
