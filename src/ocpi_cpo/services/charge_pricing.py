"""A charge priced: one engine call gives the Session's running ``total_cost`` and, at the end,
the CDR's totals (issue "Money right": the last Session pushed shows the CDR's total).

A charge that cannot be priced says why (:class:`Unpriced`): its CDR is held, never sent with a
made-up price (mod_cdrs: a CDR is final; only a Credit CDR corrects it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocpi_cpo.domain.locations import stamp
from ocpi_cpo.domain.pricing import PricingError, load_charge, price_charge
from ocpi_cpo.domain.pricing.result import PricingResult
from ocpi_cpo.domain.sessions import ChargeSession


@dataclass(frozen=True, slots=True)
class Priced:
    """The engine's result (None: nothing to price yet, a charge without periods)."""

    result: PricingResult | None
    #: why the charge cannot be priced; None when it was
    unpriced: str | None = None


def missing_tariff(session: ChargeSession) -> str | None:
    """No tariff prices the charge: the connector names none, or none that the operation
    publishes. Either way the price is unknown, not zero."""
    if session.tariff is not None:
        return None
    owner = f"{session.key.country_code}/{session.key.party_id}"
    if not session.tariff_ids:
        return f"connector {session.evse_uid}/{session.connector_id} names no tariff (tariff_ids)"
    return (
        f"connector {session.evse_uid}/{session.connector_id} names tariff(s)"
        f" {', '.join(session.tariff_ids)}, none of which {owner} publishes"
    )


def price_session(session: ChargeSession, end: datetime, decimals: int | None = None) -> Priced:
    """The session priced with its tariff from its start up to ``end``; ``decimals``: the
    ``[pricing] total_decimals`` setting (None: the currency's minor unit)."""
    missing = missing_tariff(session)
    if missing is not None:
        return Priced(None, missing)
    periods = session.periods(end)
    if session.tariff is None or not periods:
        return Priced(None)
    try:
        charge = load_charge(
            {
                "start_date_time": stamp(session.started_at),
                "end_date_time": stamp(end),
                "currency": session.currency,
                "charging_periods": periods,
            }
        )
        result = price_charge(
            session.priced_with(), charge, session.time_zone or "UTC", decimals=decimals
        )
    except PricingError as exc:
        return Priced(None, f"tariff {session.tariff_id} cannot price it: {exc}")
    return Priced(result)
