"""Charging preferences that reach the station (mod_sessions PUT ``{session_id}/charging_preferences``;
docs/smart-charging.md).

The answer is synchronous, as the spec has it: the ChargingPreferencesResponse is the PUT's
response ``data`` and mod_sessions has no ``response_url`` to tell later. So the PUT waits for the
station's answer to SetChargingProfile (at most ``[commands] timeout``): ACCEPTED when it accepts,
NOT_POSSIBLE when it rejects, fails, is offline or does not answer, and then nothing is stored.

``[smart_charging] min_interval``: preferences arriving sooner than that after the last profile
sent for the session are checked and planned as usual (an impossible demand is answered at once),
recorded with the time their profile is due (``profile_due_at``) and answered ACCEPTED; the
station gets one profile, from the latest preferences, when the interval has passed (a timer of
this instance). Accepted is never lost: should this instance stop or die first, ``resume`` (a
leader job, run at start-up and every ``RESUME_EVERY`` seconds) finds the waiting ones in the
database and sends them ``grace`` seconds after they were due, when the instance that accepted
them would have sent and recorded them. ``site_limits``: a profile's peak never goes above what
the Location's limit leaves after the peaks of the other profiles running there; preferences at
such a Location are planned, sent and recorded one at a time, across instances too (a lease in
the database, ``domain.leases.SITE_PREFIX``): planned side by side, each would take what the
other also takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Hashable
from datetime import datetime, time, timedelta
from typing import Any

from ocpi_cpo.config import Settings
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.leases import SITE_PREFIX
from ocpi_cpo.domain.pricing import PricingError, load_tariff, resolve_time_zone
from ocpi_cpo.domain.sessions import ChargeSession, SessionKey, SessionStatus
from ocpi_cpo.domain.smart_charging import (
    Answer,
    ChargingPlan,
    CostAt,
    EvseLimits,
    Preferences,
    ProfileType,
    green_cost,
    plan,
    share,
    tariff_cost,
)
from ocpi_cpo.domain.stations import CommandOutcome
from ocpi_cpo.services.leadership import instance_id
from ocpi_cpo.services.session_reads import Audience, visible_session
from ocpi_cpo.services.sessions import SessionService
from ocpi_cpo.services.station_drivers import StationDrivers
from ocpi_cpo.storage.protocols import Storage

log = logging.getLogger("ocpi_cpo.smart_charging")

#: seconds between two looks of the leader for profiles that wait with no instance to send them
RESUME_EVERY = 15.0
#: seconds, beyond ``[commands] timeout``, a waiting profile is left to the instance that
#: accepted it (its timer sends it when due and records it within the command timeout)
RESUME_MARGIN = 5.0
#: waiting profiles scheduled per look (the earliest due first)
RESUME_BATCH = 500
#: seconds between two tries of a plan waiting for its site's turn
SITE_POLL = 0.05
#: a station's answers after which a waiting profile is not tried again
_ANSWERED = frozenset(
    {CommandOutcome.REJECTED, CommandOutcome.NOT_SUPPORTED, CommandOutcome.FAILED}
)


class NotCapable(Exception):
    """The session's EVSE does not offer CHARGING_PREFERENCES_CAPABLE: the spec answers such a
    PUT with HTTP 404 and OCPI 2001 rather than a ChargingPreferencesResponse."""


Json = dict[str, Any]


def _connector(session: ChargeSession) -> Json:
    """The session's connector as it was at the start (the Location snapshot)."""
    place = session.place or {}
    for evse in place.get("evses") or []:
        for connector in evse.get("connectors") or []:
            if str(connector.get("id")) == session.connector_id:
                return dict(connector)
    return {}


def _windows(values: list[str]) -> list[tuple[time, time]]:
    result = []
    for value in values:
        start, end = value.split("-")
        result.append((time.fromisoformat(start), time.fromisoformat(end)))
    return result


class SmartCharging:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        settings: Settings,
        drivers: StationDrivers,
        sessions: SessionService,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.options = settings.smart_charging
        self.drivers = drivers
        self.sessions = sessions
        #: one PUT or flush at a time per session (and per site with a limit: ``_site_turn``);
        #: a lock lives while someone uses it
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}
        #: the holder of this instance's site turns (one at a time per site: ``_site_turn``)
        self._me = instance_id()
        self._due: dict[SessionKey, asyncio.Task[None]] = {}
        #: seconds after its due time a waiting profile is sent by an instance that did not
        #: accept the preferences (restarted, or the leader)
        self.grace = settings.commands.timeout + RESUME_MARGIN

    # -- the PUT ------------------------------------------------------------------------------

    async def set_preferences(
        self, session_id: str, seen_by: Audience, preferences: Json
    ) -> str | None:
        """ChargingPreferencesResponse; None for a session the caller may not see (it is then
        answered as unknown: services.ownership)."""
        async with self.storage.read() as uow:
            session = await visible_session(uow, session_id, seen_by)
        if session is None:
            return None
        if not session.preferences_capable:
            raise NotCapable(
                f"the EVSE {session.evse_uid} of session {session_id} is not"
                " CHARGING_PREFERENCES_CAPABLE"
            )
        running = session.status is SessionStatus.ACTIVE and session.transaction_id is not None
        if not running or session.ended_at is not None:
            return Answer.NOT_POSSIBLE.value
        if not self.options.enabled:
            recorded = await self.sessions.record_preferences(session.key, preferences)
            return (Answer.ACCEPTED if recorded else Answer.NOT_POSSIBLE).value
        async with (
            self._one_at_a_time(session.key),
            self._site_turn(session.location_id) as turn,
        ):
            if not turn:
                return Answer.NOT_POSSIBLE.value
            return (await self._apply(session.key, preferences)).value

    @contextlib.asynccontextmanager
    async def _site_turn(self, location_id: str) -> AsyncIterator[bool]:
        """The Location's turn to plan, send and record a profile, when it has a site limit:
        the others' peaks are read in the turn, so two drivers' preferences at one site never
        both take what the limit leaves. In this instance a lock; across instances the lease
        ``SITE_PREFIX`` + id, waited for as long as a turn can last (then False: not planned)."""
        if location_id not in self.options.site_limits:
            yield True
            return
        async with self._one_at_a_time(("site", location_id)):
            name = SITE_PREFIX + location_id
            clock = asyncio.get_running_loop()
            deadline = clock.time() + self.grace + 1.0
            while True:
                async with self.storage.transaction() as uow:
                    taken = await uow.leases.take(name, self._me, self.grace)
                if taken:
                    break
                if clock.time() >= deadline:
                    log.warning("site %s: another instance kept its turn too long", location_id)
                    yield False
                    return
                await asyncio.sleep(SITE_POLL)
            try:
                yield True
            finally:
                with contextlib.suppress(Exception):  # else it ends with its lease
                    async with self.storage.transaction() as uow:
                        await uow.leases.release(name, self._me)

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _apply(self, key: SessionKey, preferences: Json) -> Answer:
        async with self.storage.read() as uow:
            session = await uow.sessions.get(key)
            others = await uow.sessions.at_location(
                session.location_id if session else "", SessionStatus.ACTIVE
            )
        if session is None or session.status is not SessionStatus.ACTIVE:
            return Answer.NOT_POSSIBLE
        now = self.clock.now()
        result = self._plan(session, others, preferences, now)
        if isinstance(result, Answer):
            return result
        await self.drivers.prepare()
        if not self.drivers.is_online(session.evse_uid):
            log.info("session %s: station %s offline, preferences refused", key, session.station_id)
            return Answer.NOT_POSSIBLE
        sent = session.profile_sent_at
        interval = self.options.min_interval
        if sent is not None and (now - sent).total_seconds() < interval:
            due = sent + timedelta(seconds=interval)
            if not await self.sessions.record_preferences(key, preferences, due_at=due):
                return Answer.NOT_POSSIBLE
            self._later(key, (due - now).total_seconds())
            return Answer.ACCEPTED
        outcome = await self._send(session, preferences, result)
        return Answer.ACCEPTED if outcome is CommandOutcome.ACCEPTED else Answer.NOT_POSSIBLE

    async def _send(
        self,
        session: ChargeSession,
        preferences: Json,
        chosen: ChargingPlan,
        *,
        pending: bool = False,
    ) -> CommandOutcome:
        """The station's answer; ACCEPTED only once the profile is recorded too."""
        assert session.transaction_id is not None
        profile = chosen.to_json()
        outcome = await self.drivers.set_charging_profile(
            session.station_id, session.transaction_id, session.evse_uid, profile
        )
        if outcome is not CommandOutcome.ACCEPTED:
            log.warning(
                "session %s: station %s answered SetChargingProfile %s",
                session.key,
                session.station_id,
                outcome.value,
            )
            return outcome
        sent_at = self.clock.now()
        if not await self.sessions.record_preferences(
            session.key, preferences, profile, sent_at, pending_sent=pending
        ):
            return CommandOutcome.FAILED
        log.info(
            "session %s: profile %s sent to %s (peak %d W)",
            session.key,
            preferences.get("profile_type"),
            session.station_id,
            chosen.peak_w,
        )
        return CommandOutcome.ACCEPTED

    def _plan(
        self, session: ChargeSession, others: list[ChargeSession], preferences: Json, now: datetime
    ) -> ChargingPlan | Answer:
        limits = EvseLimits.of_connector(_connector(session))
        if limits is None:
            return Answer.NOT_POSSIBLE
        site_kw = self.options.site_limits.get(session.location_id)
        peaks = [
            ChargingPlan.from_json(other.charging_profile).peak_w
            for other in others
            if other.key != session.key and other.charging_profile is not None
        ]
        available = share(None if site_kw is None else int(site_kw * 1000), peaks)
        wanted = Preferences.from_json(preferences)
        return plan(
            wanted,
            limits,
            now=now,
            delivered_wh=session.metering.energy_wh,
            available_w=available,
            supported=list(self.options.profile_types),
            cost=self._cost(session, wanted.profile_type),
        )

    def _cost(self, session: ChargeSession, profile_type: str) -> CostAt | None:
        try:
            zone = resolve_time_zone(session.time_zone or "UTC")
            if profile_type == ProfileType.GREEN:
                return green_cost(_windows(self.options.green_windows), zone)
            if profile_type == ProfileType.CHEAP and session.tariff is not None:
                return tariff_cost(load_tariff(session.tariff), session.time_zone or "UTC")
        except PricingError as exc:
            log.warning("session %s: no prices to plan with (%s)", session.key, exc)
        return None

    # -- preferences that came too soon --------------------------------------------------------

    def _later(self, key: SessionKey, delay: float) -> None:
        if key in self._due and not self._due[key].done():
            return  # one is due already: it will send the latest preferences
        task = asyncio.create_task(self._flush(key, max(delay, 0.0)), name=f"profile {key}")
        self._due[key] = task

    async def resume(self) -> int:
        """Schedule the profiles that wait in the database (a leader job: at start-up, then every
        ``RESUME_EVERY`` s): each is sent ``grace`` s after it was due, unless sent meanwhile (by
        the instance that accepted it, whose timer fires at the due time). How many were new
        here."""
        async with self.storage.read() as uow:
            waiting = await uow.sessions.profiles_due(RESUME_BATCH)
        now = self.clock.now()
        scheduled = 0
        for session in waiting:
            if session.key in self._due or session.profile_due_at is None:
                continue  # this instance's own timer sends it
            delay = (session.profile_due_at - now).total_seconds() + self.grace
            self._later(session.key, delay)
            scheduled += 1
        if scheduled:
            log.info("%d waiting charging profile(s) scheduled", scheduled)
        return scheduled

    async def _flush(self, key: SessionKey, delay: float) -> None:
        await asyncio.sleep(delay)
        async with self._one_at_a_time(key):
            try:
                await self._send_waiting(key)
            except Exception:
                log.exception("session %s: the latest preferences could not be sent", key)
            finally:
                if self._due.get(key) is asyncio.current_task():
                    del self._due[key]

    async def _send_waiting(self, key: SessionKey) -> None:
        """Send the profile of the session's latest preferences if it still waits. Kept waiting
        (the leader tries again) while the station is offline or does not answer in time, or its
        site's turn does not come."""
        async with self.storage.read() as uow:
            found = await uow.sessions.get(key)
        if found is None:
            return
        async with self._site_turn(found.location_id) as turn:
            if turn:
                await self._send_waiting_in_turn(key)

    async def _send_waiting_in_turn(self, key: SessionKey) -> None:
        async with self.storage.read() as uow:
            session = await uow.sessions.get(key)
            others = await uow.sessions.at_location(
                session.location_id if session else "", SessionStatus.ACTIVE
            )
        if session is None or session.status is not SessionStatus.ACTIVE:
            return
        preferences = session.charging_preferences or {}
        if session.profile_due_at is None or not preferences:
            return  # sent meanwhile (by any instance), or the session ended
        result = self._plan(session, others, preferences, self.clock.now())
        if isinstance(result, Answer):
            log.warning("session %s: latest preferences now %s", key, result.value)
            await self.sessions.drop_pending_profile(key, preferences)
            return
        await self.drivers.prepare()
        if not self.drivers.is_online(session.evse_uid):
            log.info(
                "session %s: station %s offline, profile kept waiting", key, session.station_id
            )
            return
        outcome = await self._send(session, preferences, result, pending=True)
        if outcome in _ANSWERED:
            await self.sessions.drop_pending_profile(key, preferences)

    def pending(self) -> int:
        """Sessions whose latest preferences wait in this instance for their time to send."""
        return sum(1 for task in self._due.values() if not task.done())

    async def close(self) -> None:
        tasks = list(self._due.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._due.clear()
