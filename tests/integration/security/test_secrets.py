"""Tokens never reach a log line: every flow that handles one runs with logging at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ocpi_cpo.logs import QUIET_LOGGERS, JsonFormatter, configure_logging, redact
from tests.integration.api.conftest import Network, auth


@pytest.fixture
def serve_logging() -> Iterator[None]:
    """Logging as `ocpi-cpo serve` sets it, at its most talkative; restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIET_LOGGERS})
    configure_logging("DEBUG")
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("serve_logging")
async def test_no_token_in_logs(network: Network, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token_a = await network.invite(profile="ocpi-2.2.1")
    await network.hub_registers(token_a)
    token_c = network.hub_state.cpo_token
    assert token_c is not None
    await network.client.get("/ocpi/versions", headers=auth(token_a))  # refused: logged?
    await network.client.get("/ocpi/versions", headers=auth("not-a-token-at-all"))
    await network.client.put(
        "/ocpi/2.2.1/credentials",
        headers=auth(token_c),
        json={**network.hub_state.credentials("rotated-hub-token"), "url": "http://gone.test/v"},
    )
    await network.client.delete("/ocpi/2.2.1/credentials", headers=auth(token_c))
    secrets = [
        token_a,
        token_c,
        "rotated-hub-token",
        "admin-token-0123456789abcdef",
        *network.hub_state.issued,
    ]
    text = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for secret in secrets:
        assert secret not in text


def test_the_formatter_masks_authorization_values() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "header was Token c2VjcmV0 and Bearer abc.def", None, None
    )
    line = JsonFormatter().format(record)
    assert "c2VjcmV0" not in line and "abc.def" not in line
    assert redact("Token abc") == "Token ***"
