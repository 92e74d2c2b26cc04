"""Tariff use cases on a real database: spec examples stored, Gireve rules, pushes queued."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest

from ocpi_cpo.domain.delivery import QueuedMessage, QueueFilter
from ocpi_cpo.domain.partners import Endpoint, Partner, PartyRole
from ocpi_cpo.domain.tariffs import Party, Tariff, TariffKey
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.ocpi.v2_2_1.tariffs.mapping import read_tariffs
from ocpi_cpo.services import tariffs as service
from ocpi_cpo.services.errors import NotFoundError, RuleViolation
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.contract.spec_examples import EXAMPLES, normalise
from tests.contract.test_spec_examples import _TARIFFS
from tests.support.partners import add_registered

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
OURS = frozenset({Party("FR", "AB1"), Party("FR", "AB2")})
AB1 = Party("FR", "AB1")
START = "2026-01-01T00:00:00Z"
EARLY = "2015-01-01T00:00:00Z"  # before every end_date_time of the spec examples


def doc(tariff_id: str = "T1", price: float = 0.25, **extra: object) -> dict[str, object]:
    return {
        "country_code": "FR",
        "party_id": "AB1",
        "id": tariff_id,
        "currency": "EUR",
        "type": "REGULAR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": price, "vat": 20, "step_size": 1}]}
        ],
        "start_date_time": START,
        **extra,
    }


def parse(*documents: dict[str, object]) -> list[Tariff]:
    return read_tariffs(list(documents), owner=None, now=NOW)


async def publish(storage: SqlStorage, *documents: dict[str, object]) -> service.Published:
    async with storage.transaction() as uow:
        return await service.publish(uow, publisher(), parse(*documents), OURS, NOW)


async def add_partner(
    storage: SqlStorage, name: str, role: PartyRole, *, receiver: bool = True
) -> Partner:
    endpoints = [Endpoint("tariffs", "RECEIVER", f"http://{name}.test/tariffs")] if receiver else []
    async with storage.transaction() as uow:
        return await add_registered(
            uow,
            name,
            role,
            endpoints=endpoints,
            versions_url=f"http://{name}.test/versions",
            outbound_token="t",
            now=NOW,
        )


async def queued(storage: SqlStorage, partner: Partner) -> list[QueuedMessage]:
    async with storage.read() as uow:
        return await uow.outbox.find(QueueFilter(partner_id=partner.id, module="tariffs"))


def shown(messages: list[QueuedMessage]) -> list[tuple[str, str, object]]:
    return [
        (
            m.method,
            m.url,
            orjson.loads(m.body).get("target_operator_party_id", "default") if m.body else None,
        )
        for m in sorted(messages, key=lambda m: m.id)
    ]


@pytest.mark.parametrize("name", [*_TARIFFS, "tariff_put_example.json"])
async def test_every_spec_example_is_stored_as_given(storage: SqlStorage, name: str) -> None:
    example = json.loads((EXAMPLES / name).read_text(), parse_float=Decimal)
    example["start_date_time"] = EARLY  # Gireve requires it; the examples have none
    [tariff] = read_tariffs(example, owner=AB1, now=NOW)
    async with storage.transaction() as uow:
        result = await service.publish(uow, publisher(), [tariff], OURS, NOW)
    assert result.created == [tariff.key]
    async with storage.read() as uow:
        stored = await uow.tariffs.get(tariff.key)
    assert stored is not None
    expected = json.loads((EXAMPLES / name).read_text())
    expected.update(country_code="FR", party_id="AB1", start_date_time=EARLY)
    expected["last_updated"] = "2026-11-24T08:00:00Z"
    assert normalise(orjson.loads(service.render(stored))) == normalise(expected)


async def test_start_date_time_is_required_and_nothing_is_half_stored(storage: SqlStorage) -> None:
    without = doc("T2")
    del without["start_date_time"]
    with pytest.raises(RuleViolation, match="FR/AB1/T2: start_date_time is required"):
        await publish(storage, doc("T1"), without)
    async with storage.read() as uow:
        assert list(await uow.tariffs.all()) == []


async def test_owner_must_be_one_of_our_operations(storage: SqlStorage) -> None:
    with pytest.raises(RuleViolation, match="owner DE/ALL is not one of our operations"):
        await publish(storage, {**doc(), "country_code": "DE", "party_id": "ALL"})


async def test_price_relevant_fields_never_change(storage: SqlStorage) -> None:
    await publish(storage, doc())
    with pytest.raises(RuleViolation, match="elements cannot change") as refused:
        await publish(storage, doc(price=0.30))
    assert "tariffs change-price T1" in str(refused.value)
    unchanged = await publish(storage, doc())
    assert unchanged.unchanged == [TariffKey("FR", "AB1", "T1")] and unchanged.queued == 0
    texts = await publish(storage, doc(tariff_alt_text=[{"language": "en", "text": "cheap"}]))
    assert texts.updated == [TariffKey("FR", "AB1", "T1")]


async def test_non_regular_types_are_warned(storage: SqlStorage) -> None:
    result = await publish(storage, doc(type="AD_HOC_PAYMENT"))
    assert any("forwards only REGULAR" in w for w in result.warnings)


async def test_pushes_go_to_every_receiver_hub_gets_every_description(
    storage: SqlStorage,
) -> None:
    hub = await add_partner(storage, "hub", PartyRole("HUB", "FR", "107"))
    msp = await add_partner(storage, "msp", PartyRole("EMSP", "FR", "MSP"))
    other = await add_partner(storage, "other", PartyRole("EMSP", "DE", "OTH"))
    mute = await add_partner(storage, "mute", PartyRole("EMSP", "NL", "MUT"), receiver=False)
    targeted = doc(price=0.2, target_operator_country_code="FR", target_operator_party_id="MSP")
    await publish(storage, doc(), targeted)
    assert shown(await queued(storage, hub)) == [
        ("PUT", "/FR/AB1/T1", "default"),
        ("PUT", "/FR/AB1/T1", "MSP"),
    ]
    assert shown(await queued(storage, msp)) == [("PUT", "/FR/AB1/T1", "MSP")]
    assert shown(await queued(storage, other)) == [("PUT", "/FR/AB1/T1", "default")]
    assert await queued(storage, mute) == []
    message = (await queued(storage, hub))[0]
    assert message.object_key == "FR/AB1/T1" and message.routing is not None
    assert (message.routing.from_party_id, message.routing.to_party_id) == ("AB1", "107")


async def test_delete_queues_delete_after_the_puts(storage: SqlStorage) -> None:
    hub = await add_partner(storage, "hub", PartyRole("HUB", "FR", "107"))
    await publish(storage, doc())
    async with storage.transaction() as uow:
        result = await service.delete(
            uow, publisher(), AB1, "T1", None, NOW, every_description=True
        )
    assert result.deleted == [TariffKey("FR", "AB1", "T1")]
    assert [m[0] for m in shown(await queued(storage, hub))] == ["PUT", "DELETE"]
    async with storage.transaction() as uow:
        with pytest.raises(NotFoundError, match="no tariff FR/AB1/T1"):
            await service.delete(uow, publisher(), AB1, "T1", None, NOW, every_description=True)


async def test_removing_an_emsp_description_sends_it_the_default_again(
    storage: SqlStorage,
) -> None:
    msp = await add_partner(storage, "msp", PartyRole("EMSP", "FR", "MSP"))
    hub = await add_partner(storage, "hub", PartyRole("HUB", "FR", "107"))
    targeted = doc(price=0.2, target_operator_country_code="FR", target_operator_party_id="MSP")
    await publish(storage, doc(), targeted)
    async with storage.transaction() as uow:
        await service.delete(
            uow, publisher(), AB1, "T1", Party("FR", "MSP"), NOW, every_description=False
        )
    assert shown(await queued(storage, msp))[-1] == ("PUT", "/FR/AB1/T1", "default")
    assert shown(await queued(storage, hub))[-2:] == [
        ("DELETE", "/FR/AB1/T1", None),
        ("PUT", "/FR/AB1/T1", "default"),
    ]


async def test_change_price_in_one_step(storage: SqlStorage) -> None:
    hub = await add_partner(storage, "hub", PartyRole("HUB", "FR", "107"))
    await publish(storage, doc("OLD"))
    new = doc("NEW", price=0.30)
    del new["start_date_time"]
    at = datetime(2026, 12, 1, tzinfo=UTC)
    async with storage.transaction() as uow:
        result = await service.change_price(uow, publisher(), "OLD", parse(new), at, OURS, NOW)
    assert result.created == [TariffKey("FR", "AB1", "NEW")]
    assert result.updated == [TariffKey("FR", "AB1", "OLD")]
    assert result.connectors == 0  # no stored location lists OLD
    async with storage.read() as uow:
        old = await uow.tariffs.get(TariffKey("FR", "AB1", "OLD"))
        started = await uow.tariffs.get(TariffKey("FR", "AB1", "NEW"))
    assert old is not None and old.end_date_time == at
    assert started is not None and started.start_date_time == at
    bodies = [orjson.loads(m.body or b"{}") for m in await queued(storage, hub)]
    assert [(b["id"], b.get("end_date_time")) for b in bodies] == [
        ("OLD", None),
        ("NEW", None),
        ("OLD", "2026-12-01T00:00:00Z"),
    ]


async def test_change_price_refuses_a_date_before_the_old_start(storage: SqlStorage) -> None:
    await publish(storage, doc("OLD"))
    new = doc("NEW", price=0.30)
    async with storage.transaction() as uow:
        with pytest.raises(RuleViolation, match="must be later"):
            await service.change_price(
                uow, publisher(), "OLD", parse(new), datetime(2026, 1, 1, tzinfo=UTC), OURS, NOW
            )
