"""What every OCPI route needs, built once by ``ocpi_cpo.api.create_app`` (the composition root)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from ocpi_cpo.config import Settings
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.journal import Journal
from ocpi_cpo.ocpi.authorization import VersionedAuthorizer
from ocpi_cpo.ocpi.callers import CallerCache
from ocpi_cpo.ocpi.publishing import command_result, publisher
from ocpi_cpo.ocpi.ratelimit import RateLimiter
from ocpi_cpo.ocpi.transport import Transport
from ocpi_cpo.services.authorization import AuthorizationService
from ocpi_cpo.services.commands import CommandService
from ocpi_cpo.services.group_commit import GroupCommit
from ocpi_cpo.services.leadership import Leadership
from ocpi_cpo.services.publishing import Publisher
from ocpi_cpo.services.sessions import SessionService
from ocpi_cpo.services.simulated_stations import SimulatedStations
from ocpi_cpo.services.smart_charging import SmartCharging
from ocpi_cpo.services.station_drivers import StationDrivers
from ocpi_cpo.storage.protocols import Storage


@dataclass(slots=True)
class OcpiContext:
    settings: Settings
    clock: Clock
    storage: Storage
    transport: Transport
    #: the shared transactions of what stations report (services.group_commit)
    station_writes: GroupCommit = field(init=False)
    authorization: AuthorizationService = field(init=False)
    #: commands to stations; the station side plugs in with ``commands.connect(...)``
    commands: CommandService = field(init=False)
    #: the session service (station events feed it; commands ask it: SessionDirectory)
    sessions: SessionService = field(init=False)
    limiter: RateLimiter = field(init=False)
    #: callers by token, a few seconds (ocpi.callers)
    callers: CallerCache = field(init=False)
    #: the latest OCPI requests and OCPP messages of this process (the console's Journal)
    journal: Journal = field(default_factory=Journal)
    #: this instance among those sharing the database: what must run once runs in the leader
    leadership: Leadership = field(init=False)
    #: every OCPI version's Receiver clients, behind the services' publishing port
    publisher: Publisher = field(init=False)
    #: charging preferences into charging profiles at the stations
    smart_charging: SmartCharging = field(init=False)

    def __post_init__(self) -> None:
        self.callers = CallerCache()
        self.leadership = Leadership(self.storage)
        self.publisher = publisher()
        self.limiter = RateLimiter(
            self.settings.limits.partner_rate, self.settings.limits.partner_burst
        )
        timeout = self.settings.authorization_timeout
        hub = VersionedAuthorizer(self.transport, timeout)
        # One queue of shared transactions for what stations report (issue 21): decisions,
        # sessions and EVSE statuses of many stations commit together.
        self.station_writes = GroupCommit(self.storage)
        self.authorization = AuthorizationService(
            self.storage, self.clock, hub, timeout, self.station_writes
        )
        options = self.settings.commands
        simulated = SimulatedStations(self.clock) if options.simulate_stations else None
        self.commands = CommandService(
            self.storage,
            self.clock,
            options,
            StationDrivers(simulated=simulated),
            command_result,
            parties=[
                (o.operator.country_code, o.operator.party_id) for o in self.settings.operations
            ],
        )
        self.sessions = SessionService(
            self.storage,
            self.clock,
            self.settings,
            self.authorization,
            self.publisher,
            self.station_writes,
        )
        self.smart_charging = SmartCharging(
            self.storage, self.clock, self.settings, self.commands.drivers, self.sessions
        )


def get_context(request: Request) -> OcpiContext:
    context: OcpiContext = request.app.state.ocpi
    return context


async def _context_dependency(request: Request) -> OcpiContext:
    # A coroutine: FastAPI runs plain functions in its thread pool, a thread hop per request.
    return get_context(request)


#: Route parameter type: ``context: Context``.
Context = Annotated[OcpiContext, Depends(_context_dependency)]
