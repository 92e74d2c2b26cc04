"""Commands Receiver use cases (mod_commands; gireve.md §9; ocpp-bridge.md §2.3).

``CommandService.receive`` validates a command and answers at once, without waiting for any
station:

| situation                                                   | answer          | then           |
| ----------------------------------------------------------- | --------------- | -------------- |
| the partner's profile does not allow this command           | NOT_SUPPORTED   | nothing        |
| response_url not on the partner's host                      | OCPI 2001       | nothing        |
| location unknown (or not published)                          | OCPI 2003       | nothing        |
| EVSE or connector unknown, no usable EVSE, station offline  | REJECTED        | nothing        |
| STOP_SESSION of a session that is not ACTIVE/PENDING        | UNKNOWN_SESSION | nothing        |
| our own EVSE state says occupied / inoperative (*)          | ACCEPTED        | EVSE_OCCUPIED / EVSE_INOPERATIVE |
| CANCEL_RESERVATION of a reservation we never had accepted   | ACCEPTED        | UNKNOWN_RESERVATION |
| otherwise                                                   | ACCEPTED        | the station's result, or TIMEOUT |

(*) what the EVSE's station said last on its connection to this instance, else the stored status
(``command_checks._as_said``: a status is stored after the station was answered).

An ACCEPTED command is stored PENDING (``domain.commands``) and its station call runs in the
background (``services.command_runs``); exactly one CommandResult follows. A START_SESSION (and a
RESERVE_NOW) is also kept as a COMMAND authorization decision: the session and CDR take the token
and authorization_reference from it, and the token is not authorized again for 15 minutes
(``services.authorization``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from ocpi_cpo.config import CommandSettings
from ocpi_cpo.domain.authorization import DecisionRecord, DecisionSource
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.commands import (
    Answer,
    CommandName,
    CommandReply,
    CommandRequest,
    NewCommand,
    StoredCommand,
)
from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.stations import AuthorizationOutcome
from ocpi_cpo.domain.tokens import TokenUidError, normalise_rfid_uid
from ocpi_cpo.services.command_checks import Plan, StationCall, plan_command
from ocpi_cpo.services.command_runs import SWEEP_EVERY, CommandRunner, ResultRenderer, finish_in
from ocpi_cpo.services.delivery import routing_for
from ocpi_cpo.services.errors import RuleViolation
from ocpi_cpo.services.leadership import Leadership
from ocpi_cpo.services.ports import SessionDirectory, StationDriver, StationEvents
from ocpi_cpo.services.station_drivers import StationDrivers
from ocpi_cpo.storage.protocols import Storage

LOG = logging.getLogger("ocpi_cpo.commands")


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent the command: the partner and the request's routing headers, when given."""

    partner: Partner
    #: OCPI-to: the operation the command is for
    addressed: tuple[str, str] | None = None
    #: OCPI-from: the eMSP behind the hub
    origin: tuple[str, str] | None = None


class CommandService:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        settings: CommandSettings,
        drivers: StationDrivers,
        render: ResultRenderer,
        *,
        parties: Sequence[tuple[str, str]] = (),
        sessions: SessionDirectory | None = None,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.settings = settings
        self.drivers = drivers
        self.sessions = sessions
        self.parties = list(parties)
        self.runner = CommandRunner(storage, clock, settings.timeout, render)

    def connect(
        self,
        *,
        ocpp: StationDriver | None = None,
        events: StationEvents | None = None,
        sessions: SessionDirectory | None = None,
    ) -> None:
        """Plug in what the station side provides: the OCPP gateway's driver, the StationEvents
        simulated stations report to, the session directory STOP_SESSION looks sessions up in."""
        if ocpp is not None:
            self.drivers.ocpp = ocpp
        if events is not None and self.drivers.simulated is not None:
            self.drivers.simulated.events = events
        if sessions is not None:
            self.sessions = sessions

    @property
    def reply_timeout(self) -> int:
        """The CommandResponse ``timeout``: our station timeout plus the time to deliver."""
        return math.ceil(self.settings.timeout) + self.settings.result_margin

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self, leadership: Leadership) -> None:
        """Expire what an instance left PENDING, while this one leads (``serve``)."""
        leadership.every(SWEEP_EVERY, self.runner.sweep, name="command timeouts")

    async def close(self) -> None:
        await self.runner.close()
        if self.drivers.simulated is not None:
            await self.drivers.simulated.close()

    # -- the use case ---------------------------------------------------------------------------

    async def receive(self, sender: Sender, request: CommandRequest) -> CommandReply:
        """Answer a command at once; when ACCEPTED, its one result follows in the background.

        Raises ``UnknownLocationError`` (OCPI 2003) and ``RuleViolation`` (OCPI 2001).
        """
        name = request.name
        if name.value not in sender.partner.profile.allowed_commands:
            LOG.info("command %s from %s: not supported", name.value, sender.partner.name)
            return self._reply(
                Answer.NOT_SUPPORTED,
                f"{name.value} is not offered to partners with profile"
                f" {sender.partner.profile_name}",
            )
        _check_response_url(sender.partner, request.response_url)
        if request.expiry_date is not None and request.expiry_date <= self.clock.now():
            raise RuleViolation("expiry_date: must be in the future")
        await self.drivers.prepare()
        async with self.storage.read() as uow:
            routing = (sender.addressed, sender.origin)
            plan = await plan_command(
                uow, request, sender.partner, routing, self.drivers, self.sessions
            )
        if plan.answer is not Answer.ACCEPTED:
            LOG.info("command %s: %s (%s)", name.value, plan.answer.value, plan.message)
            return self._reply(plan.answer, plan.message)
        stored = await self._store(sender, request, plan)
        if plan.call is not None:
            call: StationCall = plan.call
            self.runner.launch(stored, lambda: call(stored))
        LOG.info("command %d %s from %s: ACCEPTED", stored.id, name.value, sender.partner.name)
        return CommandReply(Answer.ACCEPTED, self.reply_timeout, plan.message, stored.id)

    async def answered(self, reply: CommandReply, partner_id: int) -> None:
        """Call once the CommandResponse was sent: the command's result may go (issue 16
        item 5: a result never reaches the eMSP before the answer to its command)."""
        if reply.command_id is not None:
            await self.runner.answered(reply.command_id, partner_id)

    def _reply(self, answer: Answer, message: str | None) -> CommandReply:
        return CommandReply(answer, self.reply_timeout, message)

    async def _store(self, sender: Sender, request: CommandRequest, plan: Plan) -> StoredCommand:
        now = self.clock.now()
        token = request.token
        uid = _normalised(token.uid, token.type) if token is not None else None
        new = NewCommand(
            partner_id=sender.partner.id,
            name=request.name,
            response_url=request.response_url,
            routing=self._routing(sender, plan.owner),
            created_at=now,
            deadline=now + timedelta(seconds=self.settings.timeout),
            document=request.document,
            location_id=plan.location_id,
            evse_uid=plan.evse_uid,
            connector_id=plan.connector_id,
            session_id=request.session_id,
            reservation_id=request.reservation_id,
            uid=uid,
            token_type=token.type if token is not None else None,
            authorization_reference=request.authorization_reference,
            station_id=plan.station_id,
            transaction_id=plan.transaction_id,
        )
        async with self.storage.transaction() as uow:
            command_id = await uow.commands.add(new)
            if request.name is CommandName.RESERVE_NOW:
                await uow.commands.set_station_reservation_id(
                    command_id, plan.station_reservation_id or command_id
                )
            stored = await uow.commands.get(command_id)
            assert stored is not None
            if token is not None and uid is not None:
                await uow.emsp_tokens.record(_grant(stored, uid, token.type, token.document))
            if plan.result is not None:
                outcome, message = plan.result
                await finish_in(
                    uow, stored, outcome, message, self.runner.render, self.clock, held=True
                )
        return stored

    def _routing(self, sender: Sender, owner: tuple[str, str] | None) -> Routing:
        """The result goes from the operation the command was for to the eMSP that sent it."""
        ours = sender.addressed or owner or (self.parties[0] if self.parties else None)
        fallback = routing_for(sender.partner, *(ours or ("", "")))
        if ours is None:
            ours = (fallback.to_country_code, fallback.to_party_id)
        theirs = sender.origin or (fallback.to_country_code, fallback.to_party_id)
        return Routing(ours[0], ours[1], theirs[0], theirs[1])

    async def idle(self) -> None:
        """Tests: wait until launched commands have their result and stations their events."""
        await self.runner.idle()
        if self.drivers.simulated is not None:
            await self.drivers.simulated.idle()


def _normalised(uid: str, token_type: str) -> str:
    uid = uid.strip()
    if token_type != "RFID":
        return uid
    try:
        return normalise_rfid_uid(uid)
    except TokenUidError:
        return uid  # a badge no reader produces cannot be swiped: it only matters remotely


def _grant(command: StoredCommand, uid: str, token_type: str, document: bytes) -> DecisionRecord:
    """The command as an authorization decision (services.authorization reads it)."""
    if command.name is CommandName.START_SESSION:
        reason = f"remote_start_id={command.id}"
    else:
        reason = f"reservation_id={command.reservation_id} (command {command.id})"
    return DecisionRecord(
        id=None,
        at=command.created_at,
        uid=uid,
        token_type=token_type,
        location_id=command.location_id,
        evse_uid=command.evse_uid,
        outcome=AuthorizationOutcome.ALLOWED,
        source=DecisionSource.COMMAND,
        offline=False,
        reason=reason,
        latency_ms=0.0,
        authorization_reference=command.authorization_reference,
        token_document=document,
    )


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _check_response_url(partner: Partner, url: str) -> None:
    """The result is POSTed with the partner's token: only to the partner's own host, never to a
    host an eMSP behind the hub names (the token would leak there)."""
    known = {_origin(e.url) for e in partner.endpoints}
    if partner.versions_url:
        known.add(_origin(partner.versions_url))
    if known and _origin(url) not in known:
        hosts = ", ".join(sorted(f"{s}://{n}" for s, n in known))
        raise RuleViolation(f"response_url: must be on the partner's host ({hosts}), got {url}")
