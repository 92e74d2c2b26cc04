"""A minimal OCPI receiver for benchmarks: answers every request with a 1000 envelope at once.

python -m bench.receiver PORT

It also checks order per object: a JSON body with ``key`` and ``seq`` must carry a larger ``seq``
than the last one received for that ``key``. ``GET /_bench/stats`` answers how many requests
arrived and how many broke that order (with a few examples); ``?reset=1`` starts counting afresh.
"""

from __future__ import annotations

import sys

import orjson
from aiohttp import web

BODY = b'{"status_code":1000,"timestamp":"2026-01-01T00:00:00Z"}'


class Order:
    def __init__(self) -> None:
        self.last: dict[str, int] = {}
        self.received = 0
        self.out_of_order = 0
        self.examples: list[str] = []

    def see(self, raw: bytes) -> None:
        self.received += 1
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return
        if not isinstance(body, dict):
            return
        key, seq = body.get("key"), body.get("seq")
        if not isinstance(key, str) or not isinstance(seq, int):
            return
        last = self.last.get(key)
        if last is not None and seq <= last:
            self.out_of_order += 1
            if len(self.examples) < 5:
                self.examples.append(f"{key}: {seq} after {last}")
        self.last[key] = seq if last is None else max(last, seq)


def app() -> web.Application:
    order = Order()

    async def ok(request: web.Request) -> web.Response:
        order.see(await request.read())
        return web.Response(body=BODY, content_type="application/json")

    async def stats(request: web.Request) -> web.Response:
        nonlocal order
        answer = {
            "received": order.received,
            "out_of_order": order.out_of_order,
            "examples": order.examples,
        }
        if request.query.get("reset"):
            order = Order()
        return web.Response(body=orjson.dumps(answer), content_type="application/json")

    application = web.Application()
    application.router.add_get("/_bench/stats", stats)
    application.router.add_route("*", "/{tail:.*}", ok)
    return application


def main() -> None:
    web.run_app(app(), host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
