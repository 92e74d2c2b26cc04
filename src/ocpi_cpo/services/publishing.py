"""The publishing port: services say what changed; each OCPI version says how a partner hears it.

A service decides *who* hears about a change (the rules are version-neutral: visibility, the hub
hears everything, an eMSP its own tokens) and publishes one of the changes below for each of them.
It never builds a URL nor picks a verb: the partner's version package does (``ocpi.<version>``,
its modules' ``receiver.py``), returning the outbox messages, which are queued in the caller's
transaction (architecture.md, "Delivery" and "A module's anatomy").

Every rendered body is held to its version's wire schema before it is queued: one that does not
fit raises :class:`WireRefused` naming the field, and nothing of the transaction is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.location_changes import Change as LocationChange
from ocpi_cpo.domain.locations import Document, LocationKey
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.services.errors import RuleViolation, WireRefused
from ocpi_cpo.storage.protocols import UnitOfWork

if TYPE_CHECKING:  # annotations only: a Location change (evses set-status) needs none of them
    from ocpi_cpo.domain.commands import StoredCommand
    from ocpi_cpo.domain.sessions import ChargeSession, Json
    from ocpi_cpo.domain.stations import CommandOutcome
    from ocpi_cpo.domain.tariffs import Tariff

LOG = logging.getLogger("ocpi_cpo.publishing")

#: the version a partner registered before versions were stored speaks
DEFAULT_VERSION = "2.2.1"


@dataclass(frozen=True, slots=True)
class LocationChanged:
    """Location ``key`` (now ``document``) changed as ``changes`` say (one EVSE status change is
    one EVSE change of its ``status``). ``supersede``: a whole Location replaces what is queued."""

    key: LocationKey
    document: Document
    changes: Sequence[LocationChange]
    supersede: bool = True


@dataclass(frozen=True, slots=True)
class SessionUpdated:
    """A charge session changed; ``document`` is its stored (richest) form, ``first``: the first
    news of it. One publication is shared by every partner that hears about it."""

    session: ChargeSession
    document: Json
    first: bool
    #: the whole session again, superseding what is queued (repairs, reconciliation)
    resend: bool = False
    _changes: list[Json] = field(default_factory=list, compare=False, repr=False)

    def needs_whole(self, partner: Partner) -> bool:
        """The whole session: the first news, or a partner registered after it opened (it never
        had the start)."""
        if self.first or self.resend:
            return True
        registered = partner.registered_at
        opened = self.session.opened_at or self.session.started_at
        return registered is not None and registered > opened

    def changes(self) -> Json:
        """What may have changed, with the periods closed since the last partial update, once
        per publication (taking them advances ``session.periods_sent``)."""
        if not self._changes:
            self._changes.append(self.session.patch())
        return self._changes[0]


@dataclass(frozen=True, slots=True)
class CdrClosed:
    """A CDR (or a Credit CDR) was made; ``cdr`` is its stored form, ``place`` the session's
    Location at the start with only its EVSE and connector (``ChargeSession.place``)."""

    cdr: Json
    place: Json | None = None


@dataclass(frozen=True, slots=True)
class TariffsChanged:
    """What a partner must now hold of one tariff id: first withdraw the id (``withdraw``), then
    publish ``publish``. ``complete``: the published description is all the partner holds of it
    (older queued messages of the id may be superseded)."""

    owner: tuple[str, str]
    tariff_id: str
    withdraw: bool
    publish: Sequence[Tariff]
    complete: bool


@dataclass(frozen=True, slots=True)
class CommandFinished:
    """A command the eMSP sent has its one result; ``not_before``: held until the eMSP had its
    CommandResponse (or a few seconds at most)."""

    command: StoredCommand
    outcome: CommandOutcome
    message: str | None
    not_before: datetime | None = None
    #: the OCPI version of the partner that sent the command: its result's wire
    version: str = DEFAULT_VERSION


#: what services publish
Published = LocationChanged | SessionUpdated | CdrClosed | TariffsChanged


def owner_of(change: Published) -> tuple[str, str]:
    """The operation (country_code, party_id) whose object ``change`` is about."""
    match change:
        case LocationChanged():
            return change.key.country_code.upper(), change.key.party_id.upper()
        case SessionUpdated():
            key = change.session.key
            return key.country_code.upper(), key.party_id.upper()
        case CdrClosed():
            return str(change.cdr["country_code"]).upper(), str(change.cdr["party_id"]).upper()
        case TariffsChanged():
            return change.owner[0].upper(), change.owner[1].upper()


class VersionWire(Protocol):
    """One OCPI version's Receiver clients (``ocpi.<version>.receivers``)."""

    version: str

    def messages(self, partner: Partner, change: Published) -> list[NewMessage]:
        """The messages that tell ``partner`` about ``change``, validated (or WireRefused)."""
        ...


@dataclass(frozen=True, slots=True)
class Publisher:
    """The port services publish through; built by the composition root with every version.

    A change that does not fit a partner's wire raises WireRefused (the CLI exits 2, the admin
    API answers 422), unless the publisher ``tolerates`` refusals: station events cannot be
    refused (the charge happened), so the message is left out, logged and counted instead.
    """

    wires: Mapping[str, VersionWire] = field(default_factory=dict)
    tolerates: bool = False

    def tolerant(self) -> Publisher:
        return Publisher(self.wires, tolerates=True)

    def version_of(self, partner: Partner) -> str:
        return partner.version or DEFAULT_VERSION

    def messages(self, partner: Partner, change: Published) -> list[NewMessage]:
        bound = partner.operation_party
        if bound is not None and owner_of(change) != bound:
            return []  # bound to another operation (gireve-2.1.1.md §2): not its business
        version = self.version_of(partner)
        wire = self.wires.get(version)
        if wire is None:
            raise RuleViolation(
                f"partner {partner.name!r} speaks OCPI {version}, which this platform does not"
                f" (it speaks {', '.join(sorted(self.wires))})"
            )
        try:
            return wire.messages(partner, change)
        except WireRefused as refused:
            if not self.tolerates:
                raise
            from ocpi_cpo import metrics  # prometheus_client, only when something is refused

            metrics.REFUSED.labels(refused.version, refused.module).inc()
            LOG.error(
                "not queued for partner %s: %s (fix the data: it breaks the wire schema)",
                partner.name,
                refused,
            )
            return []

    async def publish(
        self, uow: UnitOfWork, partners: Sequence[Partner], change: Published, now: datetime
    ) -> int:
        """Queue ``change`` for each of ``partners`` in the caller's transaction; how many
        messages."""
        messages = [m for partner in partners for m in self.messages(partner, change)]
        await uow.outbox.add_many(messages, now)
        return len(messages)
