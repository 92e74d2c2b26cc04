"""``ocpi-cpo tokens pull`` when the partner offers no Tokens Sender: one clear line, exit 1."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ocpi_cpo.domain.partners import Direction, Endpoint, PartnerState, PartyRole
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.processes import cli, write_config


async def test_no_tokens_sender(storage: SqlStorage, database_url: str, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        partner = await uow.partners.create("gireve", "gireve-prod", PartnerState.REGISTERED, now)
        await uow.partners.save_connection(
            partner.id,
            state=PartnerState.REGISTERED,
            direction=Direction.FROM_PARTNER,
            versions_url="http://127.0.0.1:9/v",
            version="2.2.1",
            endpoints=[Endpoint("locations", "RECEIVER", "http://127.0.0.1:9/l")],
            roles=[PartyRole("HUB", "FR", "007")],
            outbound_token="t",
            registered_at=now,
        )
    config = write_config(tmp_path / "c.toml", port=8080, database_url=database_url)
    done = cli("tokens", "pull", "gireve", config=config)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "ocpi-cpo: partner gireve offers no Tokens Sender in its version details: nothing to pull"
    ]
