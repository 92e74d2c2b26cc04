"""``ocpi-cpo tokens pull`` when the partner offers no Tokens Sender: one clear line, exit 1."""

from __future__ import annotations

from pathlib import Path

from ocpi_cpo.domain.partners import Endpoint, PartyRole
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.partners import add_registered
from tests.support.processes import cli, write_config


async def test_no_tokens_sender(storage: SqlStorage, database_url: str, tmp_path: Path) -> None:
    async with storage.transaction() as uow:
        await add_registered(
            uow,
            "gireve",
            PartyRole("HUB", "FR", "007"),
            endpoints=[Endpoint("locations", "RECEIVER", "http://127.0.0.1:9/l")],
            versions_url="http://127.0.0.1:9/v",
            profile="gireve-prod",
            outbound_token="t",
        )
    config = write_config(tmp_path / "c.toml", port=8080, database_url=database_url)
    done = cli("tokens", "pull", "gireve", config=config)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "ocpi-cpo: partner gireve offers no Tokens Sender in its version details: nothing to pull"
    ]
