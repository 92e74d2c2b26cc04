"""A minimal OCPI receiver for benchmarks: answers every request with a 1000 envelope at once.

python -m bench.receiver PORT
"""

from __future__ import annotations

import sys

from aiohttp import web

BODY = b'{"status_code":1000,"timestamp":"2026-01-01T00:00:00Z"}'


async def _ok(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=BODY, content_type="application/json")


def main() -> None:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _ok)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
