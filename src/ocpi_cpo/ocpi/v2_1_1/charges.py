"""Session and CDR pages of OCPI 2.1.1: both carry the charge's ``location`` (its ``place``),
which the stored 2.2.1 documents do not hold, so a page reads the places of the objects it has
not rendered yet (``services.sender_reads.places``) and keeps the rendering (``sender.Kept``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson
from pydantic import BaseModel

from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sessions import SessionKey
from ocpi_cpo.ocpi.v2_1_1 import gireve
from ocpi_cpo.ocpi.v2_1_1.sender import Kept, present
from ocpi_cpo.services import sender_reads
from ocpi_cpo.storage.protocols import UnitOfWork

Json = dict[str, Any]
Render = Callable[[Json, Json | None], Json]


class KeptCharges:
    """Renderings kept apart for partners whose profile adds Gireve's ``authorization_id``
    (``ocpi.v2_1_1.gireve``) and for the others."""

    def __init__(self) -> None:
        self.plain = Kept()
        self.with_authorization_id = Kept()

    def of(self, partner: Partner) -> Kept:
        return self.with_authorization_id if partner.profile.authorization_id else self.plain


async def rendered(
    uow: UnitOfWork,
    partner: Partner,
    kept_charges: KeptCharges,
    documents: Sequence[bytes],
    key_of: Callable[[Json], SessionKey | None],
    render: Render,
    module: str,
    where: str,
    model: type[BaseModel],
) -> list[bytes]:
    kept = kept_charges.of(partner)
    keys: dict[bytes, SessionKey] = {}
    for document in documents:
        if document not in kept:
            key = key_of(orjson.loads(document))
            if key is not None:
                keys[document] = key
    found = await sender_reads.places(uow, list(keys.values()))
    result = []
    for document in documents:
        place = found.get(keys[document]) if document in keys else None
        result.append(kept.rendered(document, _at(partner, render, place), module, where, model))
    return present(result)


def _at(partner: Partner, render: Render, place: Json | None) -> Callable[[Json], Json]:
    return lambda document: gireve.with_authorization_id(partner, render(document, place), document)
