"""One price for one charge (issue "Money right", item 4), over random tariffs and charges: the
Session's last total_cost and the CDR's come from one engine call, and a partner pricing the CDR
we send with the tariff it lists gets the same total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpi_cpo.domain.cdrs import build_cdr
from ocpi_cpo.domain.pricing import load_tariff, price_documents
from ocpi_cpo.domain.sessions import ChargeSession, Metering, SegmentKind, SessionKey, SessionStatus
from ocpi_cpo.services.charge_pricing import price_session

START = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # the night before the spring-forward change

components = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["ENERGY", "TIME", "PARKING_TIME", "FLAT"]),
            "price": st.decimals(0, 5, places=2),
            "vat": st.sampled_from([0, 5.5, 20]),
            "step_size": st.sampled_from([1, 60, 300, 500]),
        }
    ),
    min_size=1,
    max_size=4,
)
elements = st.lists(
    st.fixed_dictionaries(
        {"price_components": components},
        optional={
            "restrictions": st.fixed_dictionaries(
                {},
                optional={
                    "start_time": st.sampled_from(["00:00", "02:30", "06:00", "22:00"]),
                    "end_time": st.sampled_from(["03:00", "07:00", "23:30"]),
                    "day_of_week": st.just(["SUNDAY"]),
                },
            )
        },
    ),
    min_size=1,
    max_size=3,
)
# (minutes, Wh delivered, charging?) per segment
steps = st.lists(
    st.tuples(st.integers(1, 240), st.integers(0, 30000), st.booleans()), min_size=1, max_size=5
)


def session_for(tariff: dict[str, object], parts: list[tuple[int, int, bool]]) -> ChargeSession:
    metering = Metering.begin(START, Decimal(0), True)
    at, register = START, Decimal(0)
    for index, (minutes, wh, charging) in enumerate(parts):
        kind = SegmentKind.CHARGING if charging else SegmentKind.PARKING
        if index or not charging:
            metering.switch(at, kind)
        register += wh if charging else 0
        metering.register(register)
        at += timedelta(minutes=minutes)
    session = ChargeSession(
        key=SessionKey("FR", "AB1", "S1"),
        station_id="ST1",
        transaction_id="T1",
        status=SessionStatus.COMPLETED,
        started_at=START,
        location_id="LOC1",
        evse_uid="E1-1",
        connector_id="1",
        cdr_token={"country_code": "NL", "party_id": "EMS", "uid": "U", "type": "RFID"},
        auth_method="WHITELIST",
        authorization_reference=None,
        currency="EUR",
        time_zone="Europe/Paris",
        cdr_location={"id": "LOC1"},
        tariff=tariff,
        metering=metering,
        last_updated=at,
        ended_at=at,
        tariff_ids=["T"],
    )
    return session


@settings(max_examples=150, deadline=None)
@given(elements, steps)
def test_the_session_the_cdr_and_a_partner_see_one_price(
    tariff_elements: list[dict[str, object]], parts: list[tuple[int, int, bool]]
) -> None:
    tariff: dict[str, object] = {
        "country_code": "FR",
        "party_id": "AB1",
        "id": "T",
        "currency": "EUR",
        "elements": tariff_elements,
        "start_date_time": "2026-01-01T00:00:00Z",
    }
    tariff = orjson.loads(orjson.dumps(tariff, default=float))  # JSON values, as stored
    session = session_for(tariff, parts)
    assert session.ended_at is not None
    priced = price_session(session, session.ended_at)  # the one engine call of the stop
    assert priced.unpriced is None and priced.result is not None
    session.total_cost = priced.result.to_cdr_totals()["total_cost"]  # type: ignore[assignment]
    cdr = build_cdr(session, "S1", session.periods(), priced.result, None, session.ended_at)
    assert session.document()["total_cost"] == cdr["total_cost"]
    # a partner re-pricing the CDR as sent (its periods, its tariffs) finds the same total
    again = price_documents(cdr["tariffs"][0], cdr, "Europe/Paris")
    assert again["total_cost"] == cdr["total_cost"]


def test_a_change_reads_its_tariff_once_and_a_new_tariff_is_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Priced, cut into periods and rendered, one change reads its tariff once (issue 21); a
    session given another tariff is priced with that one, never with the one read before."""
    energy = {"type": "ENERGY", "price": 0.30, "vat": 20, "step_size": 1}
    tariff: dict[str, object] = {
        "country_code": "FR",
        "party_id": "AB1",
        "id": "T",
        "currency": "EUR",
        "elements": [{"price_components": [energy]}],
        "start_date_time": "2026-01-01T00:00:00Z",
    }
    reads: list[object] = []

    def counted(document: Any) -> Any:
        reads.append(document)
        return load_tariff(document)

    monkeypatch.setattr("ocpi_cpo.domain.sessions.load_tariff", counted)
    session = session_for(tariff, [(30, 10_000, True)])
    assert session.ended_at is not None
    first = price_session(session, session.ended_at)
    session.document()
    assert len(reads) == 1
    session.tariff = {**tariff, "elements": [{"price_components": [{**energy, "price": 0.60}]}]}
    second = price_session(session, session.ended_at)
    assert len(reads) == 2
    assert first.result is not None and second.result is not None
    totals = [p.result.to_cdr_totals()["total_cost"] for p in (first, second)]  # type: ignore[union-attr]
    assert totals[0] != totals[1]
