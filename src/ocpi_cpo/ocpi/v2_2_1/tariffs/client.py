"""The partner's Tariffs Receiver: GET what it stored of each of our tariffs ("check", gireve.md §5).

A Receiver has no list (mod_tariffs): each tariff id is read with
``GET {tariffs}/{country_code}/{party_id}/{tariff_id}`` and compared with what we would send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from ocpi_cpo.domain import partners as partners_domain
from ocpi_cpo.domain.tariffs import FROZEN_FIELDS, MUTABLE_FIELDS, Tariff, TariffKey
from ocpi_cpo.ocpi.pull import PullError
from ocpi_cpo.ocpi.transport import Transport
from ocpi_cpo.ocpi.urls import endpoint_url, path_of
from ocpi_cpo.ocpi.v2_2_1.tariffs.mapping import to_domain
from ocpi_cpo.ocpi.v2_2_1.tariffs.schemas import Tariff as WireTariff
from ocpi_cpo.services.delivery import routing_for

COMPARED_FIELDS = (*FROZEN_FIELDS, *sorted(MUTABLE_FIELDS))


@dataclass(frozen=True, slots=True)
class Mismatch:
    key: TariffKey
    #: "missing", "differs: currency, elements" or "unreadable: ..."
    problem: str


def differences(expected: Tariff, found: Tariff) -> list[str]:
    return [
        name for name in COMPARED_FIELDS if expected.content.get(name) != found.content.get(name)
    ]


async def check_receiver(
    transport: Transport,
    partner: partners_domain.Partner,
    expected: Sequence[Tariff],
    *,
    timeout: float,
) -> list[Mismatch]:
    """Each expected description the partner lacks or holds differently."""
    endpoint = partner.endpoint("tariffs", "RECEIVER")
    if endpoint is None or partner.outbound_token is None:
        raise PullError(f"partner {partner.name!r} offers no tariffs Receiver")
    found: list[Mismatch] = []
    for tariff in expected:
        key = tariff.key
        reply = await transport.send(
            "GET",
            endpoint_url(endpoint.url, path_of(key.country_code, key.party_id, key.id)),
            token=partner.outbound_token,
            token_base64=partner.token_base64,
            routing=routing_for(partner, key.country_code, key.party_id),
            timeout=timeout,
        )
        if reply.http_status == 404 or (reply.ok and reply.data is None):
            found.append(Mismatch(key, "missing"))
            continue
        if not reply.ok:
            raise PullError(f"GET tariff {key} failed: {reply.problem()}")
        try:
            theirs = to_domain(WireTariff.model_validate(reply.data))
        except ValidationError as exc:
            found.append(Mismatch(key, f"unreadable: {exc.errors()[0].get('msg')}"))
            continue
        fields = differences(tariff, theirs)
        if fields:
            found.append(Mismatch(key, "differs: " + ", ".join(fields)))
    return found
