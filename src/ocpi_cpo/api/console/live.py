"""Live parts of the console: server-sent events carrying the re-rendered HTML of a part.

The stream renders its part every ``POLL_SECONDS`` and sends it only when it changed, so what
another process wrote (a worker, a second ``serve``) shows as well as what this one did. A
stream lasts ``LIFETIME_SECONDS`` and the browser's EventSource reconnects (``retry``), so a
server stopping is never held up by an open stream, and a signed-out browser stops getting data.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import Request
from fastapi.responses import StreamingResponse

POLL_SECONDS = 0.5
LIFETIME_SECONDS = 15.0
RETRY_MS = 500


def event(html: str) -> bytes:
    """One SSE message: each line of the HTML on its own ``data:`` line (the browser rejoins)."""
    lines = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: update\n{lines}\n".encode()


async def _updates(request: Request, render: Callable[[], Awaitable[str]]) -> AsyncIterator[bytes]:
    yield f"retry: {RETRY_MS}\n\n".encode()
    last = None
    ends = time.monotonic() + LIFETIME_SECONDS
    while time.monotonic() < ends:
        html = await render()
        if html != last:
            last = html
            yield event(html)
        await asyncio.sleep(POLL_SECONDS)
        if await request.is_disconnected():
            return


def stream(request: Request, render: Callable[[], Awaitable[str]]) -> StreamingResponse:
    return StreamingResponse(
        _updates(request, render),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
