"""A fake partner on 127.0.0.1 (real HTTP, aiohttp): records what it receives and answers as told.

``behaviour`` is a list of answers consumed one per request (then it answers OK): each is an
``Answer`` (HTTP status, OCPI status, headers, delay) or ``DOWN`` (the connection is dropped).
``down`` refuses everything while set.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from tests.support.processes import free_port


@dataclass(frozen=True)
class Answer:
    http: int = 200
    ocpi: int | None = 1000
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    message: str = ""
    #: the body as is, instead of an envelope (garbage drills)
    raw: bytes | None = None


DOWN = Answer(http=0)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float
    http: int
    ocpi: int | None

    @property
    def ok(self) -> bool:
        return 200 <= self.http < 300 and self.ocpi == 1000


class FakePartner:
    def __init__(self) -> None:
        self.port = free_port()
        self.behaviour: list[Answer] = []
        self.received: list[Received] = []
        self.down = False
        #: while set, every request gets this answer (an outage that still answers)
        self.outage: Answer | None = None
        #: requests refused or failed while ``down`` or ``outage`` (probes, in the drills)
        self.refused = 0
        #: a delay for every answer (simulates a slow partner)
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        #: object keys (body["key"]) with a request in progress, and how often two overlapped
        self.active_keys: set[str] = set()
        self.overlaps = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if self.down:
            self.refused += 1
            raise ConnectionResetError("partner down")
        if self.outage is not None:
            self.refused += 1
            answer = self.outage
        else:
            answer = self.behaviour.pop(0) if self.behaviour else Answer()
        if answer is DOWN or answer.http == 0:
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("dropped")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        parsed = orjson.loads(body) if body else None
        key = parsed.get("key") if isinstance(parsed, dict) else None
        if key is not None:
            if key in self.active_keys:
                self.overlaps += 1
            self.active_keys.add(key)
        try:
            if answer.delay or self.delay:
                await asyncio.sleep(answer.delay or self.delay)
            self.received.append(
                Received(
                    request.method,
                    request.path_qs,
                    dict(request.headers),
                    parsed,
                    time.monotonic(),
                    answer.http,
                    answer.ocpi,
                )
            )
        finally:
            self.in_flight -= 1
            if key is not None:
                self.active_keys.discard(key)
        envelope: dict[str, Any] = {"timestamp": "2026-11-24T00:00:00Z"}
        if answer.raw is not None:
            payload = answer.raw
        elif answer.ocpi is not None:
            envelope["status_code"] = answer.ocpi
            if answer.message:
                envelope["status_message"] = answer.message
            payload = orjson.dumps(envelope)
        else:
            payload = b"not an envelope"
        return web.Response(
            body=payload,
            status=answer.http,
            headers=answer.headers,
            content_type="application/json",
        )

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def delivered(self) -> list[Received]:
        return [r for r in self.received if r.ok]
