"""/metrics: Prometheus text behind the admin token, queue depth read from the database."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.partners import PartnerState
from tests.integration.api.conftest import Network, auth

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}


async def test_metrics_need_the_admin_token(network: Network) -> None:
    assert (await network.client.get("/metrics")).status_code == 401
    wrong = await network.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    token = await network.invite()
    assert (await network.client.get("/metrics", headers=auth(token))).status_code == 401


async def test_queue_depth_and_age(network: Network) -> None:
    async with network.storage.transaction() as uow:
        partner = await uow.partners.create(
            "hub", "gireve-preprod", PartnerState.REGISTERED, datetime.now(UTC)
        )
        for i in range(3):
            await uow.outbox.add(
                NewMessage(partner.id, "locations", f"k{i}", "PATCH", "/x", b"{}"),
                datetime.now(UTC),
            )
    response = await network.client.get("/metrics", headers=ADMIN)
    assert response.status_code == 200
    text = response.text
    assert 'ocpi_cpo_outbox_depth{module="locations",partner="hub",state="PENDING"} 3.0' in text
    assert 'ocpi_cpo_outbox_oldest_age_seconds{module="locations",partner="hub"}' in text
    assert "ocpi_cpo_outbox_attempts_total" in text or "# HELP ocpi_cpo_outbox_attempts" in text
