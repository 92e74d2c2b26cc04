"""OCPI 2.1.1 Sender pages: the stored (2.2.1-rich) objects rendered down, kept ready.

A 2.1.1 page is built from the same rows and the same query as the 2.2.1 one (same visibility,
same paging headers: ``ocpi.sender``); each object's 2.1.1 wire JSON is rendered the first time
it is served and kept, keyed by the stored document it was rendered from, so a changed object is
rendered again and an unchanged one is never re-encoded (architecture.md, "One stored object,
rendered per version"). The table is bounded and emptied when full, like ``ocpi.callers``.

An object 2.1.1 cannot say (a tariff restriction on current, a power type it lacks) is left out
of the page and logged with the field, never sent altered: the same rule as the pushes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from pydantic import BaseModel

from ocpi_cpo import metrics
from ocpi_cpo.ocpi.wire_check import checked
from ocpi_cpo.services.errors import WireRefused

VERSION = "2.1.1"
LOG = logging.getLogger("ocpi_cpo.ocpi.v2_1_1")
_SIZE = 16384

Json = dict[str, Any]


class Kept:
    """2.1.1 wire JSON by the stored document it was rendered from (None: cannot be said)."""

    def __init__(self, size: int = _SIZE) -> None:
        self._size = size
        self._entries: dict[bytes, bytes | None] = {}

    def rendered(
        self,
        stored: bytes,
        render: Callable[[Json], Json],
        module: str,
        where: str,
        model: type[BaseModel],
    ) -> bytes | None:
        if stored in self._entries:
            return self._entries[stored]
        try:
            body = checked(VERSION, module, where, model, render(orjson.loads(stored)))
            wire: bytes | None = orjson.dumps(body)
        except WireRefused as refused:
            metrics.REFUSED.labels(refused.version, refused.module).inc()
            LOG.error("left out of a 2.1.1 %s page: %s", module, refused)
            wire = None
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[stored] = wire
        return wire

    def __contains__(self, stored: bytes) -> bool:
        return stored in self._entries

    def __len__(self) -> int:
        return len(self._entries)


def present(rendered: Sequence[bytes | None]) -> list[bytes]:
    return [r for r in rendered if r is not None]
