"""A fake hub for benchmarks: answers real-time authorizations at once (ALLOWED).

python -m bench.fakehub PORT
"""

from __future__ import annotations

import sys
import uuid

import orjson
from aiohttp import web


async def _authorize(request: web.Request) -> web.Response:
    await request.read()
    uid = request.match_info["uid"]
    token = {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": uid,
        "type": "RFID",
        "contract_id": "NL-EMS-C1",
        "issuer": "EMS",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-11-24T08:00:00Z",
    }
    body = {
        "data": {
            "allowed": "ALLOWED",
            "token": token,
            "authorization_reference": uuid.uuid4().hex[:20],
        },
        "status_code": 1000,
        "timestamp": "2026-11-24T08:00:00Z",
    }
    return web.Response(body=orjson.dumps(body), content_type="application/json")


def main() -> None:
    app = web.Application()
    app.router.add_post("/ocpi/2.2.1/tokens/{uid}/authorize", _authorize)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
