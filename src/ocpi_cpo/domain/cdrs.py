"""CDRs: the priced record of a finished charge, and Credit CDRs (mod_cdrs; gireve.md §11).

* :func:`build_cdr`: one CDR per completed session, sealed with the Location and the Tariff in
  force at the session's start; ``total_time`` is the whole session minus any out-of-order time
  (gireve.md §11.2: out-of-order time is free for eMSPs); optional totals that are zero are left
  out; ``signed_data`` is passed through when the station signed its readings.
* :func:`credit_cdr`: a CDR is final; a correction is a Credit CDR naming the original in
  ``credit_reference_id``, with every money amount negated (energy and times are quantities and
  stay as they were: the wire types refuse negative ones).
* :func:`cdr_token_of`, :func:`auth_method_of`: the token and how it was authorized, from the
  authorization decision the charge started with.
* :func:`tariff_in_force`: which of a connector's tariffs applies to a session starting at a moment.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from ocpi_cpo.domain.authorization import DecisionRecord, DecisionSource
from ocpi_cpo.domain.locations import stamp
from ocpi_cpo.domain.pricing import PricingResult
from ocpi_cpo.domain.sessions import ChargeSession, hours, number
from ocpi_cpo.domain.stations import SignedValue
from ocpi_cpo.domain.tariffs import Tariff

Json = dict[str, Any]
#: Suffix of a Credit CDR's id: ``<original id>-C`` (CiString(39); our ids are 16 characters).
CREDIT_SUFFIX = "-C"
_OPTIONAL_TOTALS = (
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)
_MONEY = ("total_cost", *_OPTIONAL_TOTALS)


def cdr_token_of(
    decision: DecisionRecord | None, uid: str, token_type: str, own: tuple[str, str]
) -> Json:
    """CdrToken from the eMSP's Token JSON the decision kept; our own party and the uid when the
    token document is unknown (a charge nobody roams for)."""
    if decision is not None and decision.token_document:
        try:
            token = orjson.loads(decision.token_document)
        except orjson.JSONDecodeError:
            token = None
        if isinstance(token, dict) and {"country_code", "party_id", "uid"} <= token.keys():
            return {
                "country_code": str(token["country_code"]),
                "party_id": str(token["party_id"]),
                "uid": str(token["uid"]),
                "type": str(token.get("type") or token_type),
                "contract_id": str(token.get("contract_id") or token["uid"]),
            }
    return {
        "country_code": own[0],
        "party_id": own[1],
        "uid": uid,
        "type": token_type,
        "contract_id": uid,
    }


def auth_method_of(decision: DecisionRecord | None) -> str:
    """COMMAND for a START_SESSION, AUTH_REQUEST when the eMSP answered in real time, else
    WHITELIST (a local or offline decision: mod_cdrs AuthMethod)."""
    if decision is None:
        return "WHITELIST"
    if decision.source is DecisionSource.COMMAND:
        return "COMMAND"
    if decision.source is DecisionSource.REAL_TIME:
        return "AUTH_REQUEST"
    return "WHITELIST"


def remote_start_id_of(decision: DecisionRecord) -> int | None:
    """The remote_start_id the commands service writes in a COMMAND decision's reason."""
    for part in decision.reason.replace(",", " ").split():
        name, _, value = part.partition("=")
        if name == "remote_start_id" and value.isdigit():
            return int(value)
    return None


def in_force(tariff: Tariff, at: datetime) -> bool:
    starts, ends = tariff.start_date_time, tariff.end_date_time
    return (starts is None or starts <= at) and (ends is None or at < ends)


def tariff_in_force(candidates: Sequence[Tariff], at: datetime) -> Tariff | None:
    """The first of the connector's tariffs (in its ``tariff_ids`` order) in force at ``at``; when
    none is, the first one (priced anyway, as the pricing engine does with a warning)."""
    for tariff in candidates:
        if in_force(tariff, at):
            return tariff
    return candidates[0] if candidates else None


def _drop_zero(totals: Json) -> Json:
    for name in _OPTIONAL_TOTALS:
        price = totals.get(name)
        if isinstance(price, dict) and not any(price.values()):
            del totals[name]
    if not totals.get("total_parking_time"):
        totals.pop("total_parking_time", None)
    return totals


@dataclass(frozen=True, slots=True)
class Signed:
    encoding_method: str | None
    public_key: str | None
    values: tuple[SignedValue, ...]


def signed_data(signed: Signed) -> Json | None:
    if not signed.values:
        return None
    data: Json = {"encoding_method": signed.encoding_method or "OCMF"}
    if signed.public_key:
        data["public_key"] = signed.public_key
    data["signed_values"] = [
        {"nature": v.nature, "plain_data": v.plain_data, "signed_data": v.signed_data}
        for v in signed.values
    ]
    return data


#: total_cost of a held CDR released free on purpose (``ocpi-cpo cdrs release ID --zero-cost``),
#: or of a charge without any charging period
ZERO_COST: Json = {"excl_vat": 0, "incl_vat": 0}


def build_cdr(
    session: ChargeSession,
    cdr_id: str,
    periods: list[Json],
    pricing: PricingResult | None,
    signed: Json | None,
    now: datetime,
    remark: str | None = None,
) -> Json:
    """The CDR of a completed ``session`` (mod_cdrs, CDR object), as JSON values.

    ``tariffs`` holds the tariff that priced the charge, as it was at the start (mod_cdrs: the
    tariffs relevant to this CDR); none when no tariff priced it. ``signed`` is the
    ``signed_data`` object (:func:`signed_data`)."""
    assert session.ended_at is not None
    whole = Decimal((session.ended_at - session.started_at).total_seconds())
    billable = max(Decimal(0), whole - session.metering.out_of_order_seconds(session.ended_at))
    energy = sum(
        (
            Decimal(str(d["volume"]))
            for p in periods
            for d in p["dimensions"]
            if d["type"] == "ENERGY"
        ),
        Decimal(0),
    )
    if pricing is not None:
        totals = _drop_zero(pricing.to_cdr_totals())
    else:
        totals = {"total_cost": dict(ZERO_COST)}
    totals["total_energy"] = number(energy)
    totals["total_time"] = number(hours(billable))
    cdr: Json = {
        "country_code": session.key.country_code,
        "party_id": session.key.party_id,
        "id": cdr_id,
        "start_date_time": stamp(session.started_at),
        "end_date_time": stamp(session.ended_at),
        "session_id": session.key.id,
        "cdr_token": session.cdr_token,
        "auth_method": session.auth_method,
    }
    if session.authorization_reference is not None:
        cdr["authorization_reference"] = session.authorization_reference
    cdr["cdr_location"] = session.cdr_location
    cdr["currency"] = session.currency
    if session.tariff is not None and pricing is not None:
        cdr["tariffs"] = [session.tariff]
    cdr["charging_periods"] = periods
    if signed is not None:
        cdr["signed_data"] = signed
    order = (
        "total_cost",
        "total_fixed_cost",
        "total_energy",
        "total_energy_cost",
        "total_time",
        "total_time_cost",
        "total_parking_time",
        "total_parking_cost",
        "total_reservation_cost",
    )
    cdr.update({name: totals[name] for name in order if name in totals})
    if remark:
        cdr["remark"] = remark[:255]
    cdr["last_updated"] = stamp(now)
    return cdr


class CreditRefused(ValueError):
    """The CDR cannot be credited; the message says why."""


def credit_cdr(original: Json, reason: str, now: datetime) -> Json:
    """The Credit CDR of ``original`` (mod_cdrs, Credit CDRs)."""
    if original.get("credit"):
        raise CreditRefused(
            f"CDR {original['id']} is itself a credit CDR: credit the original"
            f" {original.get('credit_reference_id')} only once"
        )
    if not reason.strip():
        raise CreditRefused("give the reason of the credit (--reason TEXT): it goes in 'remark'")
    credit = copy.deepcopy(original)
    credit["id"] = f"{original['id']}{CREDIT_SUFFIX}"
    for name in _MONEY:
        price = credit.get(name)
        if isinstance(price, dict):
            credit[name] = {k: _negate(v) for k, v in price.items()}
    credit["remark"] = reason.strip()[:255]
    credit["credit"] = True
    credit["credit_reference_id"] = original["id"]
    credit["last_updated"] = stamp(now)
    return credit


def _negate(value: Any) -> Any:
    if isinstance(value, int | float) and value:
        return number(-Decimal(str(value)))
    return value


@dataclass(frozen=True, slots=True)
class StoredCdr:
    country_code: str
    party_id: str
    id: str
    session_id: str | None
    credit: bool
    credit_reference_id: str | None
    token_country_code: str
    token_party_id: str
    last_updated: datetime
    document: bytes
    #: why the CDR is held (it could not be priced); None once sent (mod_cdrs: a CDR is final)
    held_reason: str | None = None
    held_since: datetime | None = None

    @property
    def held(self) -> bool:
        return self.held_reason is not None


@dataclass(frozen=True, slots=True)
class CdrPage:
    offset: int
    limit: int
    date_from: datetime | None = None
    date_to: datetime | None = None
    audience: frozenset[tuple[str, str]] | None = None
    #: only this operation's (country_code, party_id), for a partner bound to it
    owner: tuple[str, str] | None = None
