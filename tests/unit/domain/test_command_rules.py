"""Command rules decided without I/O: our EVSE state, the EVSE and connector a START_SESSION
without them gets, and the wire CommandResult."""

from __future__ import annotations

import orjson
import pytest

from ocpi_cpo.domain.commands import choose_connector, choose_evse, evse_refusal
from ocpi_cpo.domain.stations import CommandOutcome
from ocpi_cpo.ocpi.v2_2_1.commands.mapping import result_body
from tests.support.locations import make_evse, make_location


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("AVAILABLE", None),
        ("RESERVED", None),
        ("UNKNOWN", None),
        ("CHARGING", CommandOutcome.EVSE_OCCUPIED),
        ("BLOCKED", CommandOutcome.EVSE_OCCUPIED),
        ("INOPERATIVE", CommandOutcome.EVSE_INOPERATIVE),
        ("OUTOFORDER", CommandOutcome.EVSE_INOPERATIVE),
        ("PLANNED", CommandOutcome.EVSE_INOPERATIVE),
        ("REMOVED", CommandOutcome.EVSE_INOPERATIVE),
    ],
)
def test_evse_refusal_table(status: str, expected: CommandOutcome | None) -> None:
    refusal = evse_refusal(make_evse("FR*AB1", 1, 1, status=status))
    assert (refusal[0] if refusal else None) is expected
    if refusal:
        assert status in refusal[1]


def test_choose_evse_takes_the_first_available_and_online() -> None:
    location = make_location(1, evses=3)
    location["evses"][0]["status"] = "CHARGING"
    online = {"E1-2": False, "E1-3": True}
    chosen = choose_evse(location, lambda uid: online.get(uid, True))
    assert chosen is not None and chosen["uid"] == "E1-3"
    assert choose_evse(location, lambda uid: False) is None


def test_choose_connector() -> None:
    assert choose_connector(make_evse("FR*AB1", 1, 1, connectors=2)) == "1"
    assert choose_connector({"uid": "X", "connectors": []}) is None


def test_result_body_is_the_wire_command_result() -> None:
    assert orjson.loads(result_body(CommandOutcome.ACCEPTED, None)) == {"result": "ACCEPTED"}
    timed_out = orjson.loads(result_body(CommandOutcome.TIMEOUT, "no answer within 30 s"))
    assert timed_out == {
        "result": "TIMEOUT",
        "message": [{"language": "en", "text": "no answer within 30 s"}],
    }
