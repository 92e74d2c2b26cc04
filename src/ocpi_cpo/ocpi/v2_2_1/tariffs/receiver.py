"""The partner's Tariffs Receiver, OCPI 2.2.1: what a partner must hold of a tariff id, as
messages.

mod_tariffs, Receiver interface: ``PUT {receiver}/{country_code}/{party_id}/{tariff_id}`` with a
Tariff, ``DELETE`` on the same URL to withdraw the id. Every message of one tariff id shares one
``object_key``, so the descriptions and the DELETE keep their order (gireve.md §12).
"""

from __future__ import annotations

import orjson

from ocpi_cpo.domain.delivery import NewMessage, path_of
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.tariffs import Tariff
from ocpi_cpo.ocpi.v2_2_1.tariffs.schemas import Tariff as WireTariff
from ocpi_cpo.ocpi.wire_check import checked
from ocpi_cpo.services.delivery import routing_for
from ocpi_cpo.services.publishing import TariffsChanged

VERSION = "2.2.1"
MODULE = "tariffs"


def render_whole(partner: Partner, tariff: Tariff, *, supersede: bool = True) -> NewMessage:
    """One description for ``partner`` as a PUT (publish, repairs, initial sync)."""
    body = checked(VERSION, MODULE, "tariff", WireTariff, tariff.document())
    key = tariff.key
    return _message(
        partner, (key.country_code, key.party_id), key.id, "PUT", orjson.dumps(body), supersede
    )


def messages(partner: Partner, change: TariffsChanged) -> list[NewMessage]:
    result = []
    if change.withdraw:
        result.append(
            _message(partner, change.owner, change.tariff_id, "DELETE", None, change.complete)
        )
    result += [render_whole(partner, t, supersede=change.complete) for t in change.publish]
    return result


def _message(
    partner: Partner,
    owner: tuple[str, str],
    tariff_id: str,
    method: str,
    body: bytes | None,
    supersede: bool,
) -> NewMessage:
    country, party = owner
    return NewMessage(
        partner_id=partner.id,
        module=MODULE,
        # Per tariff id: every description's PUT and the DELETE keep their order.
        object_key=f"{country}/{party}/{tariff_id}",
        method=method,
        url=path_of(country, party, tariff_id),
        body=body,
        routing=routing_for(partner, country, party),
        full_replace=method == "PUT" and supersede,
        version=VERSION,
    )
