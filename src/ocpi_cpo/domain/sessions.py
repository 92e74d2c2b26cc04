"""A charge as the platform follows it: segments of charging, parking and out-of-order time built
from station events, and the OCPI Session it renders (mod_sessions; ocpp-bridge.md §2.5).

A *segment* starts at every change of what is billed: charging <-> not charging (TIME versus
PARKING_TIME) and out of order (free: gireve.md §11.2). Meter readings move the energy of the
running segment. Each segment becomes one ChargingPeriod:

| segment      | dimensions                                          |
| ------------ | --------------------------------------------------- |
| CHARGING     | ENERGY (kWh), TIME (h), MIN/MAX_POWER when reported |
| PARKING      | ENERGY (kWh), PARKING_TIME (h)                      |
| OUT_OF_ORDER | ENERGY (kWh), TIME 0: the stretch is not billed     |

Energy is register minus register at the segment's start, in kWh; times are the segment's length in
hours with 6 decimals (3.6 ms). A period of zero length is left out. Pure: no I/O, no framework.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from ocpi_cpo.domain.locations import parse_stamp, stamp
from ocpi_cpo.domain.pricing import PricingError, load_tariff, resolve_time_zone
from ocpi_cpo.domain.pricing.boundaries import boundaries
from ocpi_cpo.domain.pricing.tariff import Tariff

Json = dict[str, Any]
_HOURS = Decimal("0.000001")
_KWH = Decimal("0.001")  # Wh precision, as meters report it
_WH_PER_KWH = Decimal(1000)


class SessionStatus(enum.StrEnum):
    PENDING = "PENDING"  # authorized, no transaction yet (may never start)
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"  # will not be billed (the token was refused)


class SegmentKind(enum.StrEnum):
    CHARGING = "CHARGING"
    PARKING = "PARKING"
    OUT_OF_ORDER = "OUT_OF_ORDER"


def number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: whole values as integers (15 kWh, not 15.0), others as floats."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def hours(seconds: Decimal) -> Decimal:
    return (seconds / Decimal(3600)).quantize(_HOURS, rounding=ROUND_HALF_UP)


def _seconds(start: datetime, end: datetime) -> Decimal:
    delta = end - start
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds).scaleb(-6)


@dataclass(slots=True)
class Segment:
    start: datetime
    kind: SegmentKind
    start_wh: Decimal
    end_wh: Decimal
    min_power_kw: Decimal | None = None
    max_power_kw: Decimal | None = None

    def to_json(self) -> Json:
        return {
            "start": stamp_us(self.start),
            "kind": self.kind.value,
            "start_wh": str(self.start_wh),
            "end_wh": str(self.end_wh),
            "min_kw": None if self.min_power_kw is None else str(self.min_power_kw),
            "max_kw": None if self.max_power_kw is None else str(self.max_power_kw),
        }

    @classmethod
    def from_json(cls, data: Json) -> Segment:
        return cls(
            start=parse_stamp(data["start"]),
            kind=SegmentKind(data["kind"]),
            start_wh=Decimal(data["start_wh"]),
            end_wh=Decimal(data["end_wh"]),
            min_power_kw=None if data.get("min_kw") is None else Decimal(data["min_kw"]),
            max_power_kw=None if data.get("max_kw") is None else Decimal(data["max_kw"]),
        )


def stamp_us(moment: datetime) -> str:
    """Full precision for internal state (the wire ``stamp`` keeps milliseconds)."""
    return moment.isoformat()


@dataclass(slots=True)
class Metering:
    """The energy and time accounting of one transaction (what the station reported)."""

    meter_start_wh: Decimal
    meter_start_known: bool
    last_register_wh: Decimal
    segments: list[Segment] = field(default_factory=list)
    #: the register was read at least once after the start
    read: bool = False

    @classmethod
    def begin(cls, at: datetime, meter_start_wh: Decimal, known: bool) -> Metering:
        segment = Segment(at, SegmentKind.CHARGING, meter_start_wh, meter_start_wh)
        return cls(meter_start_wh, known, meter_start_wh, [segment])

    @property
    def kind(self) -> SegmentKind:
        return self.segments[-1].kind

    @property
    def energy_wh(self) -> Decimal:
        return max(Decimal(0), self.last_register_wh - self.meter_start_wh)

    def register(self, register_wh: Decimal) -> None:
        """A register reading; a first reading is the start when the station gave none."""
        if not self.meter_start_known and not self.read:
            self.meter_start_wh = register_wh
            for segment in self.segments:
                segment.start_wh = segment.end_wh = register_wh
        self.read = True
        if register_wh < self.last_register_wh:
            return  # a replayed older sample or a meter reset: never count energy backwards
        self.last_register_wh = register_wh
        self.segments[-1].end_wh = register_wh

    def power(self, power_w: Decimal) -> None:
        kw = power_w / _WH_PER_KWH
        segment = self.segments[-1]
        if segment.kind is not SegmentKind.CHARGING:
            return
        segment.min_power_kw = kw if segment.min_power_kw is None else min(segment.min_power_kw, kw)
        segment.max_power_kw = kw if segment.max_power_kw is None else max(segment.max_power_kw, kw)

    def switch(self, at: datetime, kind: SegmentKind) -> bool:
        """Start a segment of ``kind`` at ``at``; False when nothing changes."""
        current = self.segments[-1]
        if current.kind is kind:
            return False
        if at <= current.start:
            current.kind = kind  # the previous state lasted no time: it never counted
            current.min_power_kw = current.max_power_kw = None
            return True
        self.segments.append(Segment(at, kind, self.last_register_wh, self.last_register_wh))
        return True

    def cut(self, at: datetime) -> bool:
        """Start a new segment of the same kind at ``at`` (a new power limit: the periods show
        the power drawn before and after); False when ``at`` is not after the running one's start."""
        current = self.segments[-1]
        if at <= current.start:
            return False
        self.segments.append(
            Segment(at, current.kind, self.last_register_wh, self.last_register_wh)
        )
        return True

    def out_of_order_seconds(self, end: datetime) -> Decimal:
        return sum(
            (
                _seconds(s.start, e)
                for s, e in self._spans(end)
                if s.kind is SegmentKind.OUT_OF_ORDER
            ),
            Decimal(0),
        )

    def _spans(self, end: datetime) -> list[tuple[Segment, datetime]]:
        ends = [s.start for s in self.segments[1:]] + [end]
        return [(s, max(s.start, e)) for s, e in zip(self.segments, ends, strict=True)]

    def periods(
        self, end: datetime, tariff_id: str | None = None, cuts: Sequence[datetime] = ()
    ) -> list[Json]:
        """The ChargingPeriods up to ``end`` (the running one included), as wire JSON. A segment
        is cut at each of ``cuts`` inside it (where the tariff's price may change: mod_cdrs), its
        energy shared in proportion to time (whole Wh, so the pieces add up to the segment)."""
        result = []
        for segment, until in self._spans(end):
            inside = [c for c in cuts if segment.start < c < until]
            edges = [segment.start, *inside, until]
            whole = _seconds(segment.start, until)
            delivered = segment.end_wh - segment.start_wh
            before = segment.start_wh
            for begin, stop in pairwise(edges):
                length = _seconds(begin, stop)
                if length <= 0:
                    continue
                reached = segment.end_wh
                if stop != until:
                    share = delivered * _seconds(segment.start, stop) / whole
                    reached = segment.start_wh + share.to_integral_value(ROUND_HALF_UP)
                piece = replace(segment, start=begin, start_wh=before, end_wh=reached)
                result.append(_period(piece, length, tariff_id))
                before = reached
        return result

    def closed_count(self) -> int:
        """Segments that can no longer change (all but the running one)."""
        return len(self.segments) - 1

    def to_json(self) -> Json:
        return {
            "meter_start_wh": str(self.meter_start_wh),
            "meter_start_known": self.meter_start_known,
            "last_register_wh": str(self.last_register_wh),
            "read": self.read,
            "segments": [s.to_json() for s in self.segments],
        }

    @classmethod
    def from_json(cls, data: Json) -> Metering:
        return cls(
            meter_start_wh=Decimal(data["meter_start_wh"]),
            meter_start_known=bool(data["meter_start_known"]),
            last_register_wh=Decimal(data["last_register_wh"]),
            segments=[Segment.from_json(s) for s in data["segments"]],
            read=bool(data.get("read", False)),
        )


def kwh(wh: Decimal) -> Decimal:
    return (wh / _WH_PER_KWH).quantize(_KWH, rounding=ROUND_HALF_UP)


def _period(segment: Segment, length: Decimal, tariff_id: str | None) -> Json:
    energy = kwh(max(Decimal(0), segment.end_wh - segment.start_wh))
    dimensions: list[Json] = [{"type": "ENERGY", "volume": number(energy)}]
    if segment.kind is SegmentKind.CHARGING:
        dimensions.append({"type": "TIME", "volume": number(hours(length))})
        if segment.max_power_kw is not None and segment.min_power_kw is not None:
            dimensions.append({"type": "MAX_POWER", "volume": number(segment.max_power_kw)})
            dimensions.append({"type": "MIN_POWER", "volume": number(segment.min_power_kw)})
    elif segment.kind is SegmentKind.PARKING:
        dimensions.append({"type": "PARKING_TIME", "volume": number(hours(length))})
    else:
        dimensions.append({"type": "TIME", "volume": 0})
    period: Json = {"start_date_time": stamp(segment.start), "dimensions": dimensions}
    if tariff_id is not None:
        period["tariff_id"] = tariff_id
    return period


@dataclass(frozen=True, slots=True)
class SessionKey:
    country_code: str
    party_id: str
    id: str

    def __str__(self) -> str:
        return f"{self.country_code}/{self.party_id}/{self.id}"


@dataclass(slots=True)
class ChargeSession:
    """One session: its identity, how it was authorized, what it is priced with, its metering.

    ``cdr_token``, ``cdr_location`` and ``tariff`` are wire JSON taken at the start (a CDR is
    sealed with the Location and Tariff in force when the session started).
    """

    key: SessionKey
    station_id: str
    transaction_id: str | None
    status: SessionStatus
    started_at: datetime
    location_id: str
    evse_uid: str
    connector_id: str
    cdr_token: Json
    auth_method: str
    authorization_reference: str | None
    currency: str
    time_zone: str | None
    cdr_location: Json
    tariff: Json | None
    metering: Metering
    last_updated: datetime
    ended_at: datetime | None = None
    #: the charge is published to partners (roaming or Advenir); an INVALID one never is
    published: bool = True
    advenir: bool = False
    preferences_capable: bool = False
    charging_preferences: Json | None = None
    #: the charging profile the station accepted last (domain.smart_charging plan JSON) and when
    #: it was sent (our clock): the minimum interval between two profiles counts from there
    charging_profile: Json | None = None
    profile_sent_at: datetime | None = None
    #: set while the latest preferences wait for their profile (they came within the minimum
    #: interval): when it is due; None once sent, refused or impossible (kept in a column)
    profile_due_at: datetime | None = None
    #: ChargingPeriods already sent by PATCH (a PATCH appends: send each closed one once)
    periods_sent: int = 0
    total_cost: Json | None = None
    #: the CDR built at the end (its id), None before
    cdr_id: str | None = None
    #: the station's time of the latest event: the running period lasts until then
    as_of: datetime | None = None
    #: when we first told partners (our clock): a partner registered later gets full PUTs
    opened_at: datetime | None = None
    #: the connector's ``tariff_ids`` at the start: when they name no tariff we hold, the CDR
    #: cannot be priced and is held (never sent free by accident)
    tariff_ids: list[str] = field(default_factory=list)
    #: the Location at the start with only this charge's EVSE and connector (the stored, richest
    #: form): OCPI 2.1.1 Sessions and CDRs carry it as ``location``; None for older sessions
    place: Json | None = None
    #: ``tariff`` as the pricing engine reads it, beside the JSON it was read from (``priced_with``)
    _tariff_read: tuple[Json, Tariff] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def priced_with(self) -> Tariff:
        """``tariff`` read for the pricing engine (PricingError when it cannot be), once per
        object while ``tariff`` is the same: a change is priced and rendered with it three times
        (the price, the price cuts of the periods priced and of those rendered: issue 21)."""
        if self.tariff is None:
            raise PricingError("no tariff")
        read = self._tariff_read
        if read is not None and read[0] is self.tariff:
            return read[1]
        tariff = load_tariff(self.tariff)
        self._tariff_read = (self.tariff, tariff)
        return tariff

    def reported(self, at: datetime) -> None:
        """An event of the station at ``at`` (never before the start, never going back)."""
        at = max(at, self.started_at)
        self.as_of = at if self.as_of is None else max(self.as_of, at)

    @property
    def token_party(self) -> tuple[str, str]:
        return str(self.cdr_token["country_code"]), str(self.cdr_token["party_id"])

    @property
    def tariff_id(self) -> str | None:
        return None if self.tariff is None else str(self.tariff.get("id"))

    def periods(self, end: datetime | None = None) -> list[Json]:
        until = end or self.ended_at or self.as_of or self.started_at
        return self.metering.periods(until, self.tariff_id, self.price_cuts(until))

    def price_cuts(self, until: datetime) -> list[datetime]:
        """Where the tariff's restrictions may change the price between the start and ``until``
        (local time of the Location: midnight, daylight-saving changes); none without a tariff
        or when the tariff cannot be read (pricing then says why)."""
        if self.tariff is None:
            return []
        try:
            tariff = self.priced_with()
            zone = resolve_time_zone(self.time_zone or "UTC")
        except PricingError:
            return []
        return boundaries(tariff, zone, self.started_at, until)

    def document(self) -> Json:
        """The OCPI Session object as JSON values (mod_sessions, Session object)."""
        doc: Json = {
            "country_code": self.key.country_code,
            "party_id": self.key.party_id,
            "id": self.key.id,
            "start_date_time": stamp(self.started_at),
        }
        if self.ended_at is not None:
            doc["end_date_time"] = stamp(self.ended_at)
        doc["kwh"] = number(kwh(self.metering.energy_wh))
        doc["cdr_token"] = self.cdr_token
        doc["auth_method"] = self.auth_method
        if self.authorization_reference is not None:
            doc["authorization_reference"] = self.authorization_reference
        doc.update(
            location_id=self.location_id,
            evse_uid=self.evse_uid,
            connector_id=self.connector_id,
            currency=self.currency,
        )
        periods = self.periods()
        if periods:
            doc["charging_periods"] = periods
        if self.total_cost is not None:
            doc["total_cost"] = self.total_cost
        doc["status"] = self.status.value
        doc["last_updated"] = stamp(self.last_updated)
        return doc

    def patch(self) -> Json:
        """The PATCH body for this change: what may have changed, periods closed since the last
        PATCH only (a PATCH with ``charging_periods`` appends: mod_sessions, PATCH method)."""
        body: Json = {
            # it changes once: a PENDING session becomes ACTIVE when the transaction starts
            "start_date_time": stamp(self.started_at),
            "kwh": number(kwh(self.metering.energy_wh)),
            "status": self.status.value,
        }
        if self.ended_at is not None:
            body["end_date_time"] = stamp(self.ended_at)
        if self.total_cost is not None:
            body["total_cost"] = self.total_cost
        periods = self.periods()
        running = stamp(self.metering.segments[-1].start)
        closed = sum(1 for p in periods if p["start_date_time"] < running)
        if self.ended_at is not None:
            closed = len(periods)
        if closed > self.periods_sent:
            body["charging_periods"] = periods[self.periods_sent : closed]
            self.periods_sent = closed
        body["last_updated"] = stamp(self.last_updated)
        return body

    def to_state(self) -> Json:
        """Everything not kept in columns, for storage."""
        return {
            "started_at": stamp_us(self.started_at),
            "ended_at": None if self.ended_at is None else stamp_us(self.ended_at),
            "cdr_token": self.cdr_token,
            "auth_method": self.auth_method,
            "authorization_reference": self.authorization_reference,
            "currency": self.currency,
            "time_zone": self.time_zone,
            "cdr_location": self.cdr_location,
            "tariff": self.tariff,
            "metering": self.metering.to_json(),
            "advenir": self.advenir,
            "preferences_capable": self.preferences_capable,
            "charging_preferences": self.charging_preferences,
            "charging_profile": self.charging_profile,
            "profile_sent_at": None
            if self.profile_sent_at is None
            else stamp_us(self.profile_sent_at),
            "periods_sent": self.periods_sent,
            "total_cost": self.total_cost,
            "cdr_id": self.cdr_id,
            "as_of": None if self.as_of is None else stamp_us(self.as_of),
            "opened_at": None if self.opened_at is None else stamp_us(self.opened_at),
            "tariff_ids": self.tariff_ids,
            "place": self.place,
        }


def session_from_state(
    key: SessionKey,
    *,
    station_id: str,
    transaction_id: str | None,
    status: SessionStatus,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    published: bool,
    last_updated: datetime,
    state: Json,
    profile_due_at: datetime | None = None,
) -> ChargeSession:
    return ChargeSession(
        key=key,
        station_id=station_id,
        transaction_id=transaction_id,
        status=status,
        started_at=parse_stamp(state["started_at"]),
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        cdr_token=state["cdr_token"],
        auth_method=state["auth_method"],
        authorization_reference=state.get("authorization_reference"),
        currency=state["currency"],
        time_zone=state.get("time_zone"),
        cdr_location=state["cdr_location"],
        tariff=state.get("tariff"),
        metering=Metering.from_json(state["metering"]),
        last_updated=last_updated,
        ended_at=None if state.get("ended_at") is None else parse_stamp(state["ended_at"]),
        published=published,
        advenir=bool(state.get("advenir", False)),
        preferences_capable=bool(state.get("preferences_capable", False)),
        charging_preferences=state.get("charging_preferences"),
        charging_profile=state.get("charging_profile"),
        profile_sent_at=None
        if state.get("profile_sent_at") is None
        else parse_stamp(state["profile_sent_at"]),
        profile_due_at=profile_due_at,
        periods_sent=int(state.get("periods_sent", 0)),
        total_cost=state.get("total_cost"),
        cdr_id=state.get("cdr_id"),
        as_of=None if state.get("as_of") is None else parse_stamp(state["as_of"]),
        opened_at=None if state.get("opened_at") is None else parse_stamp(state["opened_at"]),
        tariff_ids=[str(t) for t in state.get("tariff_ids") or []],
        place=state.get("place"),
    )


@dataclass(frozen=True, slots=True)
class SessionPage:
    """A page of the Sessions Sender for one audience (None: a hub, it sees every session)."""

    offset: int
    limit: int
    date_from: datetime | None = None
    date_to: datetime | None = None
    audience: frozenset[tuple[str, str]] | None = None
    #: only this operation's (country_code, party_id), for a partner bound to it
    owner: tuple[str, str] | None = None
