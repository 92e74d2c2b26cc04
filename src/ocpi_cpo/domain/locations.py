"""Locations as the platform keeps them: each Location's wire document, ready to serve.

A Location is kept as its wire JSON (the document: Location > EVSE > Connector, parsed into plain
dicts and lists), because that is what every hot path serves (architecture.md, "Measured on this
machine"). The columns that filters, pagination and status changes need are taken from it
(:class:`LocationRow`). Rules and changes on documents live beside this module:
``location_rules`` (the Gireve input checks) and ``location_changes`` (merge, status, pushes).

Who may see a Location (mod_locations ``publish``/``publish_allowed_to``), :class:`Visibility`:

| publish | publish_allowed_to | visibility | partners                                              |
| ------- | ------------------ | ---------- | ----------------------------------------------------- |
| true    | (absent)           | PUBLIC     | every partner                                         |
| false   | one or more tokens | RESTRICTED | every partner: it shows it only to those token holders |
| false   | (absent)           | PRIVATE    | none: a private charge point is not for roaming       |
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: A wire object parsed into plain JSON values (dicts, lists, str, int, float, bool).
Document = dict[str, Any]


class Visibility(enum.StrEnum):
    PUBLIC = "PUBLIC"
    RESTRICTED = "RESTRICTED"
    PRIVATE = "PRIVATE"


#: what any partner may see (the table in the module docstring)
PARTNER_VISIBLE = frozenset({Visibility.PUBLIC, Visibility.RESTRICTED})


def visibility_of(document: Document) -> Visibility:
    if document.get("publish", True):
        return Visibility.PUBLIC
    return Visibility.RESTRICTED if document.get("publish_allowed_to") else Visibility.PRIVATE


@dataclass(frozen=True, slots=True, order=True)
class LocationKey:
    """A Location's identity: its owner (the operation's party) and its id."""

    country_code: str
    party_id: str
    id: str

    @classmethod
    def of(cls, document: Document) -> LocationKey:
        return cls(
            str(document["country_code"]).upper(),
            str(document["party_id"]).upper(),
            str(document["id"]),
        )

    @classmethod
    def parse(cls, text: str) -> LocationKey:
        """``CC/PID/ID`` as an operator types it (country and party upper-cased)."""
        country, _, rest = text.partition("/")
        party, _, location_id = rest.partition("/")
        return cls(country.upper(), party.upper(), location_id)

    def __str__(self) -> str:
        return f"{self.country_code}/{self.party_id}/{self.id}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken input rule; ``path`` is the JSON path in the input, e.g. ``[3].evses[0].evse_id``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class EvseRow:
    """The columns kept per EVSE: status changes and EVSE lookups never parse documents."""

    uid: str
    evse_id: str | None
    status: str
    last_updated: datetime


@dataclass(frozen=True, slots=True)
class LocationRow:
    """What storage keeps of a Location: the wire JSON and the columns queries need."""

    key: LocationKey
    visibility: Visibility
    last_updated: datetime
    document: bytes
    evses: tuple[EvseRow, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class StoredLocation:
    pk: int
    key: LocationKey
    visibility: Visibility
    last_updated: datetime
    document: bytes


@dataclass(frozen=True, slots=True)
class LocationSummary:
    key: LocationKey
    visibility: Visibility
    last_updated: datetime
    evses: int
    #: EVSE count per status
    statuses: dict[str, int]


@dataclass(frozen=True, slots=True)
class OperationCounts:
    country_code: str
    party_id: str
    locations: int
    evses: int
    statuses: dict[str, int]


def stamp(moment: datetime) -> str:
    """A DateTime as OCPI renders it: UTC, 'Z', milliseconds only when present.

    The same rendering as the wire types (``ocpi.v2_2_1.types.format_datetime``, pinned by a test),
    after truncating to the millisecond, so that a stamp written into a document and the
    ``last_updated`` column taken from it agree exactly.
    """
    moment = moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    """The inverse of :func:`stamp` for the wire DateTimes kept in documents (always UTC)."""
    parsed = datetime.fromisoformat(text.removesuffix("Z"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def evses_of(document: Document) -> list[Document]:
    evses = document.get("evses")
    return evses if isinstance(evses, list) else []


def connectors_of(evse: Document) -> list[Document]:
    connectors = evse.get("connectors")
    return connectors if isinstance(connectors, list) else []


def find_evse(document: Document, uid: str) -> Document | None:
    return next((e for e in evses_of(document) if e.get("uid") == uid), None)


def find_connector(evse: Document, connector_id: str) -> Document | None:
    return next((c for c in connectors_of(evse) if c.get("id") == connector_id), None)


def evse_rows(document: Document) -> tuple[EvseRow, ...]:
    return tuple(
        EvseRow(
            uid=str(evse["uid"]),
            evse_id=evse.get("evse_id"),
            status=str(evse["status"]),
            last_updated=parse_stamp(str(evse["last_updated"])),
        )
        for evse in evses_of(document)
    )


@dataclass(frozen=True, slots=True)
class LocationPage:
    """One page of the Locations Sender, for one caller (transport_and_format, pagination)."""

    visibilities: frozenset[Visibility]
    offset: int
    limit: int
    date_from: datetime | None = None
    date_to: datetime | None = None
    #: only this operation's Locations (the request's OCPI-to party), or every operation's
    owner: tuple[str, str] | None = None
