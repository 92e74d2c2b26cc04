"""Table definitions, one file per feature. The schema changes only through the Alembic migrations
in ``migrations/versions`` (each feature has its own chain branching off the foundation).

A repository imports the module of the tables it uses (``tables.outbox``), so a one-shot command
loads only those (docs/architecture.md, "A fast CLI", point 7). :data:`metadata`, which must
hold every table (Alembic, the schema test), is taken from here: asking for it imports every
module of this package first.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocpi_cpo.storage.sql.tables.meta import metadata

__all__ = ["metadata"]


def __getattr__(name: str) -> object:
    if name != "metadata":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    from ocpi_cpo.storage.sql.tables.meta import metadata

    return metadata
