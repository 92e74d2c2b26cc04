"""The one JSON-path formatter: where in a document a problem is, as every message names it."""

from __future__ import annotations

from collections.abc import Iterable


def json_path(loc: Iterable[int | str]) -> str:
    """``(3, 'evses', 0, 'evse_id')`` -> ``[3].evses[0].evse_id``; ``()`` -> ``""``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
