"""What a session starts with: the authorization it follows, the EVSE and connector as they are,
the tariff in force, and the CdrToken (gireve.md §8.5, §10, §15; ocpp-bridge.md §2.4).

* The decision: a START_SESSION of the eMSP first (its ``remote_start_id`` when the station gives
  one, else the latest COMMAND grant for the uid at this Location within 15 minutes), then an
  allowed decision for the uid made for this very EVSE within :data:`REUSE` (an Authorize just
  before the StartTransaction), else the authorization service decides now, in real time
  (gireve.md §8.3, §8.5), with the offline rules when the hub does not answer.
* A decision serves one session: the session claims it in the transaction that opens it. A
  station that keeps an authorization cache and starts later charges without asking gets them
  authorized at their start, each with its own ``authorization_reference`` (the eMSP bills by it).
* The CdrToken, ``authorization_reference`` and ``auth_method`` come from that decision.
* The tariff: the connector's ``tariff_ids`` in order, the description targeted at the token's
  eMSP else the default one, the first in force at the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson

from ocpi_cpo.config import Operation, Settings
from ocpi_cpo.domain.authorization import DecisionRecord, DecisionSource
from ocpi_cpo.domain.cdrs import remote_start_id_of, tariff_in_force
from ocpi_cpo.domain.locations import Document, LocationKey, find_connector, find_evse
from ocpi_cpo.domain.sessions import ChargeSession, Json
from ocpi_cpo.domain.stations import AuthorizationOutcome
from ocpi_cpo.domain.tariffs import Party, visible_description
from ocpi_cpo.domain.tokens import TokenUidError, normalise_rfid_uid
from ocpi_cpo.storage.protocols import UnitOfWork

COMMAND_GRACE = timedelta(minutes=15)
#: an Authorize this recent, at the same EVSE and not used yet, answers the StartTransaction
#: without a second request (the plug-in delay after a swipe; ev-server keeps 2 minutes too)
REUSE = timedelta(minutes=2)
_CDR_LOCATION_FIELDS = ("name", "address", "city", "postal_code", "state", "country", "coordinates")


@dataclass(frozen=True, slots=True)
class Place:
    """The EVSE of a charge as it is at the start."""

    key: LocationKey
    document: Document
    evse: Document
    connector: Document

    @property
    def time_zone(self) -> str | None:
        zone = self.document.get("time_zone")
        return str(zone) if zone else None

    def snapshot(self) -> Json:
        """The Location with only this EVSE and connector, as stored (ChargeSession.place)."""
        evse = {**self.evse, "connectors": [self.connector]}
        return {**self.document, "evses": [evse]}

    def cdr_location(self) -> Json:
        """CdrLocation (mod_cdrs): the Location, EVSE and Connector at session start."""
        cdr: Json = {"id": self.key.id}
        for name in _CDR_LOCATION_FIELDS:
            if self.document.get(name) is not None:
                cdr[name] = self.document[name]
        cdr.update(
            evse_uid=self.evse["uid"],
            evse_id=self.evse.get("evse_id") or self.evse["uid"],
            connector_id=self.connector["id"],
            connector_standard=self.connector.get("standard"),
            connector_format=self.connector.get("format"),
            connector_power_type=self.connector.get("power_type"),
        )
        return cdr

    @property
    def preferences_capable(self) -> bool:
        return "CHARGING_PREFERENCES_CAPABLE" in (self.evse.get("capabilities") or [])

    @property
    def tariff_ids(self) -> list[str]:
        return [str(t) for t in self.connector.get("tariff_ids") or []]


async def find_place(uow: UnitOfWork, evse_uid: str, connector_id: str | None) -> Place | None:
    """The EVSE by uid (and its connector: the named one, else the first)."""
    for stored in await uow.locations.by_evse_uid(evse_uid):
        document = orjson.loads(stored.document)
        evse = find_evse(document, evse_uid)
        if evse is None:
            continue
        connector = find_connector(evse, connector_id) if connector_id else None
        if connector is None:
            connectors = evse.get("connectors") or []
            if not connectors:
                continue
            connector = connectors[0]
        return Place(stored.key, document, evse, connector)
    return None


async def place_of(uow: UnitOfWork, session: ChargeSession) -> Place | None:
    """The EVSE and connector of a session as they are now (None when no longer stored)."""
    key = LocationKey(session.key.country_code, session.key.party_id, session.location_id)
    stored = await uow.locations.get(key)
    if stored is None:
        return None
    document = orjson.loads(stored.document)
    evse = find_evse(document, session.evse_uid)
    connector = find_connector(evse, session.connector_id) if evse is not None else None
    if evse is None or connector is None:
        return None
    return Place(stored.key, document, evse, connector)


def decision_uid(uid: str, token_type: str) -> str:
    """The uid as the authorization service records it (RFID uids normalised: gireve.md §8.4)."""
    uid = uid.strip()
    if token_type == "RFID":
        try:
            return normalise_rfid_uid(uid)
        except TokenUidError:
            return uid
    return uid


async def command_grant(
    uow: UnitOfWork, uid: str, location_id: str, remote_start_id: int | None, now: datetime
) -> DecisionRecord | None:
    """The START_SESSION grant this transaction follows, if any."""
    since = now - COMMAND_GRACE
    if remote_start_id is not None:
        for record in await uow.emsp_tokens.decisions(limit=50, uid=uid):
            if (
                record.source is DecisionSource.COMMAND
                and record.at >= since
                and record.session_id is None
                and remote_start_id_of(record) == remote_start_id
            ):
                return record
    return await uow.emsp_tokens.latest(
        uid, since, source=DecisionSource.COMMAND, location_id=location_id, unused=True
    )


async def recent_decision(
    uow: UnitOfWork, uid: str, evse_uid: str, now: datetime
) -> DecisionRecord | None:
    """The latest allowed decision for ``uid`` made for this EVSE within :data:`REUSE` that no
    session used yet. A refusal is asked again (a 1.6 Authorize names no EVSE)."""
    found = await uow.emsp_tokens.latest(uid, now - REUSE, evse_uid=evse_uid, unused=True)
    if found is not None and found.outcome is AuthorizationOutcome.ALLOWED:
        return found
    return None


async def tariff_for(
    uow: UnitOfWork, place: Place, token_party: tuple[str, str], at: datetime
) -> Json | None:
    """The Tariff (wire JSON) that prices a charge at ``place`` starting at ``at``."""
    party = Party(token_party[0].upper(), token_party[1].upper())
    candidates = []
    for tariff_id in place.tariff_ids:
        descriptions = await uow.tariffs.descriptions(
            place.key.country_code, place.key.party_id, tariff_id
        )
        chosen = visible_description(descriptions, [party])
        if chosen is not None:
            candidates.append(chosen)
    tariff = tariff_in_force(candidates, at)
    return tariff.document() if tariff is not None else None


def operation_of(settings: Settings, key: LocationKey) -> Operation | None:
    for operation in settings.operations:
        operator = operation.operator
        if (operator.country_code, operator.party_id) == (key.country_code, key.party_id):
            return operation
    return None


def advenir_token(settings: Settings) -> Json:
    token = settings.advenir
    return {
        "country_code": token.country_code,
        "party_id": token.party_id,
        "uid": token.uid,
        "type": token.type,
        "contract_id": token.contract_id,
    }
