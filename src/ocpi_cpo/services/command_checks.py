"""What a command needs before it is answered: its location, EVSE, connector, session or
reservation, the station's state, and the station call to make once it is accepted.

Read-only (one read transaction, no station call awaited): the answer goes back at once
(``services.commands`` has the table of answers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import orjson

from ocpi_cpo.domain.commands import (
    Answer,
    CommandName,
    CommandRequest,
    StoredCommand,
    choose_connector,
    choose_evse,
    evse_refusal,
)
from ocpi_cpo.domain.locations import (
    PARTNER_VISIBLE,
    Document,
    evses_of,
    find_connector,
    find_evse,
)
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.stations import CommandOutcome, EvseStatus
from ocpi_cpo.services.errors import NotFoundError
from ocpi_cpo.services.ownership import Parties, acting_for, is_hub, may_act_on
from ocpi_cpo.services.ports import SessionDirectory
from ocpi_cpo.services.station_drivers import StationDrivers
from ocpi_cpo.storage.protocols import UnitOfWork

#: the station call of an accepted command, given the stored command (its id, ids it got)
StationCall = Callable[[StoredCommand], Awaitable[CommandOutcome]]


class UnknownLocationError(NotFoundError):
    """OCPI 2003 (mod_commands: the location is not known to us)."""


@dataclass(slots=True)
class Plan:
    answer: Answer = Answer.ACCEPTED
    message: str | None = None
    #: the operation owning the location (routing of the result)
    owner: tuple[str, str] | None = None
    location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    station_id: str | None = None
    transaction_id: str | None = None
    station_reservation_id: int | None = None
    #: a result known at once, without asking any station
    result: tuple[CommandOutcome, str] | None = None
    call: StationCall | None = field(default=None)


def _refused(answer: Answer, message: str) -> Plan:
    return Plan(answer=answer, message=message)


async def plan_command(
    uow: UnitOfWork,
    request: CommandRequest,
    partner: Partner,
    routing: tuple[tuple[str, str] | None, tuple[str, str] | None],
    drivers: StationDrivers,
    sessions: SessionDirectory | None,
) -> Plan:
    """``routing``: the request's (OCPI-to, OCPI-from) parties, each None when not sent.

    Ownership (services.ownership): STOP_SESSION, RESERVE_NOW replacing a reservation and
    CANCEL_RESERVATION act only on sessions and reservations of the parties the caller acts for;
    others are unknown to it. UNLOCK_CONNECTOR comes from a hub, or from an eMSP whose token had
    the current or last session at that connector.
    """
    addressed, origin = routing
    parties = acting_for(partner, origin)
    bound = partner.operation_party
    if bound is not None and request.location_id is not None:
        # A partner bound to one operation (gireve-2.1.1.md §2) knows no other's Locations.
        await _location(uow, request.location_id, bound, strict=True)
    match request.name:
        case CommandName.START_SESSION:
            return await _start(uow, request, addressed, drivers)
        case CommandName.STOP_SESSION:
            return await _stop(request, (parties, bound), drivers, sessions)
        case CommandName.RESERVE_NOW:
            return await _reserve(uow, request, (partner, parties), addressed, drivers)
        case CommandName.CANCEL_RESERVATION:
            return await _cancel(uow, request, (partner, parties), drivers)
        case CommandName.UNLOCK_CONNECTOR:
            unlocker = None if is_hub(partner) else parties
            return await _unlock(uow, request, unlocker, addressed, drivers)


async def _location(
    uow: UnitOfWork,
    location_id: str | None,
    addressed: tuple[str, str] | None,
    *,
    strict: bool = False,
) -> tuple[Document, tuple[str, str]]:
    """The location the command names, among those partners may see; for the addressed
    operation (OCPI-to) when it owns one of that id (``strict``: only then)."""
    found = [
        s
        for s in await uow.locations.by_location_id(location_id or "")
        if s.visibility in PARTNER_VISIBLE
    ]
    if addressed is not None:
        owned = [s for s in found if (s.key.country_code, s.key.party_id) == addressed]
        found = owned if strict else owned or found
    if not found:
        raise UnknownLocationError(f"location_id: unknown location {location_id!r}")
    stored = found[0]
    document: Document = orjson.loads(stored.document)
    return document, (stored.key.country_code, stored.key.party_id)


#: statuses only the CPO sets (no station reports them): the station's word does not replace them
_CPO_STATUSES = frozenset({"PLANNED", "REMOVED"})


def _as_said(location: Document, drivers: StationDrivers, evse_uid: str | None) -> Document:
    """The Location with the status of the EVSE ``evse_uid`` (None: of each EVSE) as its station
    said it last, where that station is connected to this instance and said one
    (``StationDrivers.live_status``), unless the CPO made the EVSE PLANNED or REMOVED.

    A StatusNotification is answered before its status is stored, and storing it may wait (a busy
    database, another transaction holding the Location): a hub that starts a session as soon as
    the previous one's CDR arrived would otherwise meet the stored CHARGING of the session just
    ended, and get EVSE_OCCUPIED while the station says Available (ocpp-bridge.md §2.3)."""
    evses = evses_of(location)
    said: list[EvseStatus | None] = []
    for evse in evses:
        uid = str(evse.get("uid"))
        asked = evse_uid in (None, uid) and evse.get("status") not in _CPO_STATUSES
        said.append(drivers.live_status(uid) if asked else None)
    if all(s is None or s.value == evse.get("status") for s, evse in zip(said, evses, strict=True)):
        return location
    return {
        **location,
        "evses": [
            evse if s is None else {**evse, "status": s.value}
            for s, evse in zip(said, evses, strict=True)
        ],
    }


async def _start(
    uow: UnitOfWork,
    request: CommandRequest,
    addressed: tuple[str, str] | None,
    drivers: StationDrivers,
) -> Plan:
    location, owner = await _location(uow, request.location_id, addressed)
    location = _as_said(location, drivers, request.evse_uid)
    if request.evse_uid is None:
        evse = choose_evse(location, drivers.is_online)
        if evse is None:
            return _refused(Answer.REJECTED, "no EVSE of this location is available: name one")
    else:
        evse = find_evse(location, request.evse_uid)
        if evse is None:
            return _refused(Answer.REJECTED, f"evse_uid: unknown EVSE {request.evse_uid!r}")
    evse_uid = str(evse["uid"])
    connector_id = request.connector_id or choose_connector(evse)
    if connector_id is None or find_connector(evse, connector_id) is None:
        return _refused(Answer.REJECTED, f"connector_id: unknown connector {connector_id!r}")
    plan = Plan(owner=owner, location_id=request.location_id, evse_uid=evse_uid)
    plan.connector_id = connector_id
    refusal = evse_refusal(evse)
    if refusal is not None:
        plan.result = refusal
        return plan
    if not drivers.is_online(evse_uid):
        return _refused(Answer.REJECTED, f"the station of EVSE {evse_uid} is offline")
    token = request.token
    assert token is not None

    async def call(command: StoredCommand) -> CommandOutcome:
        return await drivers.start_session(
            evse_uid, connector_id, command.uid or token.uid, token.type, command.id
        )

    plan.call = call
    return plan


async def _stop(
    request: CommandRequest,
    caller: tuple[Parties, tuple[str, str] | None],
    drivers: StationDrivers,
    sessions: SessionDirectory | None,
) -> Plan:
    """``caller``: the parties the caller acts for, and the operation it is bound to (if any):
    a bound partner knows no other operation's sessions (gireve-2.1.1.md §2)."""
    parties, bound = caller
    session_id = request.session_id or ""
    found = (
        await sessions.transaction_of(session_id, parties, bound) if sessions is not None else None
    )
    if found is None:
        return _refused(Answer.UNKNOWN_SESSION, f"session_id: no active session {session_id!r}")
    station_id, transaction_id = found

    async def call(command: StoredCommand) -> CommandOutcome:
        return await drivers.stop_session(station_id, transaction_id)

    return Plan(station_id=station_id, transaction_id=transaction_id, call=call)


async def _reserve(
    uow: UnitOfWork,
    request: CommandRequest,
    caller: tuple[Partner, Parties],
    addressed: tuple[str, str] | None,
    drivers: StationDrivers,
) -> Plan:
    expiry = request.expiry_date
    token = request.token
    assert expiry is not None and token is not None
    location, owner = await _location(uow, request.location_id, addressed)
    location = _as_said(location, drivers, request.evse_uid)
    location_id = str(request.location_id)
    evse_uid = request.evse_uid
    plan = Plan(owner=owner, location_id=location_id, evse_uid=evse_uid)
    if evse_uid is not None:
        evse = find_evse(location, evse_uid)
        if evse is None:
            return _refused(Answer.REJECTED, f"evse_uid: unknown EVSE {evse_uid!r}")
        plan.result = evse_refusal(evse)
        if plan.result is not None:  # answered now: the station is asked nothing
            return plan
        online = drivers.is_online(evse_uid)
    else:
        online = any(drivers.is_online(str(e.get("uid"))) for e in evses_of(location))
    if not online:
        return _refused(Answer.REJECTED, "the station is offline")
    previous = await _reservation(uow, caller, str(request.reservation_id), location_id)
    if previous is not None:  # same location and reservation_id: replace it (mod_commands)
        plan.station_reservation_id = previous.station_reservation_id
    plan.station_id = await _station_of(uow, location_id, evse_uid)

    async def call(command: StoredCommand) -> CommandOutcome:
        return await drivers.reserve_now(
            evse_uid,
            location_id,
            command.station_reservation_id or command.id,
            command.uid or token.uid,
            token.type,
            expiry,
        )

    plan.call = call
    return plan


async def _station_of(uow: UnitOfWork, location_id: str, evse_uid: str | None) -> str | None:
    """The station a reservation is made at, to cancel it there later."""
    if evse_uid is not None:
        owner = await uow.stations.owner_of([evse_uid])
        return owner.get(evse_uid, f"SIM:{evse_uid}")
    stations = [s for s in await uow.stations.all() if s.location_id == location_id]
    return stations[0].station_id if stations else None


async def _reservation(
    uow: UnitOfWork,
    caller: tuple[Partner, Parties],
    reservation_id: str,
    location_id: str | None = None,
) -> StoredCommand | None:
    """The caller's reservation of that id: made by the same partner (reservation ids are each
    partner's own) and, from a hub acting for one party, made for that party."""
    partner, parties = caller
    for_party = next(iter(parties)) if parties is not None and is_hub(partner) else None
    return await uow.commands.reservation(partner.id, reservation_id, location_id, for_party)


async def _cancel(
    uow: UnitOfWork,
    request: CommandRequest,
    caller: tuple[Partner, Parties],
    drivers: StationDrivers,
) -> Plan:
    reservation_id = str(request.reservation_id)
    reserved = await _reservation(uow, caller, reservation_id)
    if reserved is None or reserved.station_reservation_id is None:
        plan = Plan()
        plan.result = (
            CommandOutcome.UNKNOWN_RESERVATION,
            f"no reservation {reservation_id!r} was accepted",
        )
        return plan
    station_id = reserved.station_id or ""
    station_reservation_id = reserved.station_reservation_id

    async def call(command: StoredCommand) -> CommandOutcome:
        return await drivers.cancel_reservation(station_id, station_reservation_id)

    return Plan(
        location_id=reserved.location_id,
        evse_uid=reserved.evse_uid,
        station_id=station_id,
        station_reservation_id=station_reservation_id,
        call=call,
    )


async def _unlock(
    uow: UnitOfWork,
    request: CommandRequest,
    parties: Parties,
    addressed: tuple[str, str] | None,
    drivers: StationDrivers,
) -> Plan:
    """``parties`` None: a hub, which may unlock any connector."""
    location, owner = await _location(uow, request.location_id, addressed)
    evse_uid = str(request.evse_uid)
    connector_id = str(request.connector_id)
    evse = find_evse(location, evse_uid)
    if evse is None:
        return _refused(Answer.REJECTED, f"evse_uid: unknown EVSE {evse_uid!r}")
    if find_connector(evse, connector_id) is None:
        return _refused(Answer.REJECTED, f"connector_id: unknown connector {connector_id!r}")
    if parties is not None:
        last = await uow.sessions.latest_at(evse_uid, connector_id)
        if last is None or not may_act_on(parties, last.token_party):
            return _refused(
                Answer.REJECTED,
                "only a hub, or the eMSP whose token had the last session at this connector,"
                " may unlock it",
            )
    if not drivers.is_online(evse_uid):
        return _refused(Answer.REJECTED, f"the station of EVSE {evse_uid} is offline")

    async def call(command: StoredCommand) -> CommandOutcome:
        return await drivers.unlock_connector(evse_uid, connector_id)

    return Plan(
        owner=owner,
        location_id=request.location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        call=call,
    )
