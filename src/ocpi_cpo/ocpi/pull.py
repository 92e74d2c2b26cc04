"""Pull a partner's paginated Sender list: follow ``Link: <...>; rel="next"`` to the end.

Used for ClientInfo, Tokens and the Check use cases. The page size is the partner's (X-Limit);
the first request asks for ``limit`` when given.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from ocpi_cpo.ocpi.transport import Routing, Transport

_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)
MAX_PAGES = 100_000


class PullError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    total: int | None
    limit: int | None
    url: str


def next_link(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "link":
            match = _NEXT.search(value)
            if match:
                return match.group(1)
    return None


def _int_header(headers: Mapping[str, str], wanted: str) -> int | None:
    for name, value in headers.items():
        if name.lower() == wanted:
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def pull_pages(
    transport: Transport,
    url: str,
    *,
    token: str,
    token_base64: bool = True,
    params: Mapping[str, str] | None = None,
    routing: Routing | None = None,
    timeout: float = 10.0,
) -> AsyncIterator[Page]:
    """Yield each page in order; raise PullError (with the partner's answer) on a failed page."""
    next_url: str | None = url
    first = True
    for _ in range(MAX_PAGES):
        if next_url is None:
            return
        reply = await transport.send(
            "GET",
            next_url,
            token=token,
            token_base64=token_base64,
            params=params if first else None,
            routing=routing,
            timeout=timeout,
        )
        if not reply.ok:
            raise PullError(f"GET {next_url.split('?')[0]} failed: {reply.problem()}")
        if not isinstance(reply.data, list):
            raise PullError(f"GET {next_url.split('?')[0]} answered no list")
        yield Page(
            items=reply.data,
            total=_int_header(reply.headers, "x-total-count"),
            limit=_int_header(reply.headers, "x-limit"),
            url=next_url,
        )
        following = next_link(reply.headers)
        if following == next_url:
            raise PullError(f"the partner's Link header points back to {following}")
        next_url = following
        first = False
    raise PullError(f"more than {MAX_PAGES} pages: stopped")
