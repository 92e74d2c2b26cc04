"""``make bench``: every benchmark, each figure beside a baseline measured in the same run.

Writes bench/results.json and prints the table (figure, value, baseline, ratio, target, result).
PostgreSQL figures run when ``OCPI_CPO_BENCH_POSTGRES_URL`` (or the test server on 127.0.0.1)
answers. ``--quick`` runs smaller loads; ``--only NAME`` runs one suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable

from bench import (
    changes,
    claim,
    cli,
    hub_latency,
    locations,
    push,
    recovery,
    scale,
    serve_figures,
)
from bench.report import Figure, print_table, write_results

Suite = Callable[[bool, str | None], Awaitable[list[Figure]]]

SUITES: dict[str, Suite] = {
    "cli": lambda quick, pg: cli.run_all(quick, pg),
    "locations": lambda quick, pg: locations.run_all(quick, pg),
    "push": lambda quick, pg: push.run_all(quick, pg),
    "serve": lambda quick, pg: serve_figures.run_all(quick, pg),
    "stations": lambda quick, pg: hub_latency.run_all(quick, pg),
    "changes": lambda quick, pg: changes.run_all(quick, pg),
    "recovery": lambda quick, pg: recovery.run_all(quick, pg),
    "claim": lambda quick, pg: claim.run_all(quick, pg),
    "scale": lambda quick, pg: scale.run_all(quick, pg),
}


async def _postgres_url() -> str | None:
    url = os.environ.get(
        "OCPI_CPO_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 3})
    name = "ocpi_cpo_bench"
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL figures skipped: {url} not usable ({type(exc).__name__})")
        return None
    finally:
        await admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


async def main(quick: bool, only: str | None) -> list[Figure]:
    postgres = await _postgres_url()
    figures: list[Figure] = []
    for name, suite in SUITES.items():
        if only and name != only:
            continue
        print(f"running {name} ...", flush=True)
        figures += await suite(quick, postgres)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller loads")
    parser.add_argument("--only", choices=sorted(SUITES), help="one suite")
    arguments = parser.parse_args()
    results = asyncio.run(main(arguments.quick, arguments.only))
    print()
    print_table(results)
    write_results(results)
    print("\nwritten to bench/results.json")
    sys.exit(0)
