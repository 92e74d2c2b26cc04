"""Gireve's 2.1.1 rules as the 2.1.1 Receiver clients apply them, switched by the partner's
profile as it applies on 2.1.1 (``Profile.at``, ``domain.partners.GIREVE_2_1_1``).

Sources (docs/gireve-2.1.1.md): Gireve's guide CNX-GIREVE/GIREVE_Tech_OCPI_V2.1.1,
``integration_guidelines.md`` ("New attribute authorization_id", "Management of B2B tariffs"),
``cpo_tariffs.md`` ("Tariffs flows implemented by Gireve": PUT and GET only),
``cpo_locations.md`` (dynamic attributes: EVSE status and connector tariff_id).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import Json
from ocpi_cpo.services.publishing import TariffsChanged

LOG = logging.getLogger("ocpi_cpo.publishing")


def with_authorization_id(partner: Partner, body: Json, document: Json) -> Json:
    """A Session or CDR body with Gireve's ``authorization_id`` (the authorization the eMSP gave:
    2.2.1's ``authorization_reference``, which we store) when the profile asks for it."""
    reference = document.get("authorization_reference")
    if partner.profile.authorization_id and reference:
        return {**body, "authorization_id": reference}
    return body


def tariffs_change(partner: Partner, change: TariffsChanged) -> TariffsChanged:
    """``change`` as the partner can take it: the default description only, when it holds one
    description per id; no DELETE when it has none (logged: the tariff stays at the partner
    until a connector stops naming it)."""
    profile = partner.profile
    publish = list(change.publish)
    if not profile.tariff_descriptions_per_emsp:
        publish = [t for t in publish if t.key.target is None]
    withdraw = change.withdraw
    if withdraw and not profile.tariff_delete:
        LOG.warning(
            "tariff %s/%s/%s withdrawn: not sent to partner %s, which takes no Tariffs DELETE"
            " on OCPI %s",
            *change.owner,
            change.tariff_id,
            partner.name,
            partner.version,
        )
        withdraw = False
    return replace(change, withdraw=withdraw, publish=publish)
