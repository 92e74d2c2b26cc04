"""A receiver that advertises its endpoints with a trailing slash and answers HTTP 307 to the
slashed URL for every bare one (as Django's APPEND_SLASH or FastAPI's redirect_slashes do), on
127.0.0.1. Issue 24: such an eMSP lost a CDR to a stripped slash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from tests.support.processes import free_port


@dataclass
class Seen:
    method: str
    path_qs: str
    authorization: str | None
    body: Any
    redirected: bool


class SlashReceiver:
    def __init__(self, *, redirect_status: int = 307, redirect_to: str | None = None) -> None:
        self.port = free_port()
        self.seen: list[Seen] = []
        self.redirect_status = redirect_status
        #: an absolute base to redirect to instead of this receiver (another origin)
        self.redirect_to = redirect_to
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def advertised(self, module: str) -> str:
        return f"{self.base_url}/ocpi/emsp/2.2.1/{module}/"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = orjson.loads(raw) if raw else None
        bare = not request.path.endswith("/")
        self.seen.append(
            Seen(
                request.method,
                request.path_qs,
                request.headers.get("Authorization"),
                body,
                bare,
            )
        )
        if bare:
            query = f"?{request.query_string}" if request.query_string else ""
            where = (self.redirect_to or "") + request.path + "/" + query
            return web.Response(status=self.redirect_status, headers={"Location": where})
        if "/nowhere/" in request.path:
            return web.Response(status=404, text="Not Found")
        data: Any = None
        if request.path.endswith("/authorize/"):
            data = {"allowed": "ALLOWED", "token": _TOKEN}
        envelope = {"status_code": 1000, "timestamp": "2026-12-03T00:00:00Z", "data": data}
        return web.Response(body=orjson.dumps(envelope), content_type="application/json")

    def delivered(self, fragment: str) -> list[Seen]:
        """Answered requests (on a slashed URL) whose path contains ``fragment``."""
        return [s for s in self.seen if not s.redirected and fragment in s.path_qs]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


_TOKEN = {
    "country_code": "DE",
    "party_id": "EXA",
    "uid": "04AB",
    "type": "RFID",
    "contract_id": "DE-EXA-C12345678-X",
    "issuer": "Example",
    "valid": True,
    "whitelist": "NEVER",
    "last_updated": "2026-12-01T00:00:00Z",
}
