"""Notes each OCPI request we answer in the journal: method, path (no query), status, the
X-Request-ID and X-Correlation-ID (set by the tracing middleware outside this one), latency,
and the calling party's OCPI-from-* headers. Never a header's value otherwise (no token).

Counts it too (``ocpi_cpo_ocpi_requests``): by version, module and HTTP status, the module read
from the path among those we serve (``versions``, ``details`` for a version's endpoint list,
else ``other``), so a caller cannot grow the label set with made-up paths."""

from __future__ import annotations

import time
from collections.abc import Collection

from ocpi_cpo import metrics
from ocpi_cpo.journal import Entry, Journal, elapsed_ms, now
from ocpi_cpo.ocpi.tracing import ASGIApp, Message, Receive, Scope, Send


class JournalMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        journal: Journal,
        versions: Collection[str] = (),
        modules: Collection[str] = (),
    ) -> None:
        self.app = app
        self.journal = journal
        self.versions = frozenset(versions)
        self.modules = frozenset(modules)

    def _labels(self, path: str) -> tuple[str, str]:
        """(version, module) of an /ocpi/ path."""
        parts = path.split("/", 4)  # "", "ocpi", version or "versions", module, rest
        first = parts[2] if len(parts) > 2 else ""
        if first == "versions":
            return "", "versions"
        if first not in self.versions:
            return "other", "other"
        if len(parts) < 4 or not parts[3]:
            return first, "details"
        return first, parts[3] if parts[3] in self.modules else "other"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith("/ocpi/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            self._note(scope, path, status["code"], started)

    def _note(self, scope: Scope, path: str, code: int, started: float) -> None:
        version, module = self._labels(path)
        metrics.OCPI_REQUESTS.labels(version, module, str(code) if code else "none").inc()
        state = scope.get("state", {})
        headers = dict(scope.get("headers", []))
        party = (
            headers.get(b"ocpi-from-country-code", b"")
            + b"/"
            + headers.get(b"ocpi-from-party-id", b"")
        )
        self.journal.add(
            Entry(
                now(),
                "OCPI in",
                f"{scope.get('method', '?')} {path}",
                f"HTTP {code}" if code else "no answer",
                request_id=str(state.get("request_id", "")),
                correlation_id=str(state.get("correlation_id", "")),
                latency_ms=elapsed_ms(started),
                detail="from " + party.decode("latin-1") if party != b"/" else "",
            )
        )
