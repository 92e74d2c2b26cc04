"""Station events on a real database: a station's clock never decides when a change is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from ocpi_cpo.api.app import create_app
from ocpi_cpo.domain.delivery import QueueFilter
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.stations import EvseStatus
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.services import locations
from ocpi_cpo.services.station_events import StationEventsService
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.factories import make_settings
from tests.support.locations import make_location
from tests.support.partners import register_partner

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


class StillClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.mark.parametrize("skew", [timedelta(minutes=10), -timedelta(hours=2)])
async def test_status_is_stamped_and_due_by_our_clock(
    storage: SqlStorage, database_url: str, skew: timedelta
) -> None:
    partner = await register_partner(storage, "http://hub.test")
    async with storage.transaction() as uow:
        await locations.import_locations(
            uow,
            publisher(),
            [make_location(1)],
            [OperatorId.parse("FR*AB1")],
            NOW,
            allow_unknown_tariffs=True,
        )
    clock = StillClock(NOW + timedelta(minutes=1))
    app = create_app(make_settings(database_url), clock=clock, storage=storage)
    events = app.state.station_events
    assert isinstance(events, StationEventsService)

    # The station's clock is off: its timestamp is not what partners see, nor when we send.
    await events.evse_status("E1-1", EvseStatus.CHARGING, clock.now() + skew)

    async with storage.read() as uow:
        [patch] = [
            m
            for m in await uow.outbox.find(QueueFilter(partner_id=partner.id, module="locations"))
            if m.method == "PATCH"
        ]
        [stored] = await uow.locations.by_evse_uid("E1-1")
    assert patch.next_attempt_at <= clock.now()
    assert patch.created_at == clock.now()
    assert orjson.loads(patch.body or b"{}") == {
        "status": "CHARGING",
        "last_updated": "2026-11-24T08:01:00Z",
    }
    [evse] = [e for e in orjson.loads(stored.document)["evses"] if e["uid"] == "E1-1"]
    assert evse["last_updated"] == "2026-11-24T08:01:00Z"
