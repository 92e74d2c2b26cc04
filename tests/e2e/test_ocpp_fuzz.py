"""Fuzzing the OCPP gateway of a real ``ocpi-cpo serve`` with hypothesis-made frames: valid frames
with wrong payloads, wrong types, unknown actions, huge messages, binary frames. Every frame gets
a CALLERROR (or a CALLRESULT, when hypothesis happens to make a valid call) or the connection is
closed (a well-formed CALLRESULT or CALLERROR is an answer: never answered back); the process
never dies, and a second station's Heartbeat is answered after each example.

Derandomized (the same examples every run, so CI is stable) and small (60 examples).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ocpi_cpo.ocpp_gateway.frames import is_answer
from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e

ACTIONS_16 = ["BootNotification", "Heartbeat", "StatusNotification", "Authorize",
              "StartTransaction", "StopTransaction", "MeterValues", "DataTransfer"]  # fmt: skip
ACTIONS_201 = ["BootNotification", "Heartbeat", "StatusNotification", "Authorize",
               "TransactionEvent", "MeterValues", "NotifyReport"]  # fmt: skip
#: a door wide open: the fuzzer reconnects for every example
OCPP = (
    "{ connection_burst_per_station = 10000, connection_burst_per_address = 100000,"
    " message_burst = 100000, messages_per_second = 100000.0, heartbeat_interval = 3600 }"
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def frames(draw: st.DrawFn, version: str) -> str | bytes:
    actions = ACTIONS_16 if version == "ocpp1.6" else ACTIONS_201
    kind = draw(st.sampled_from(["payload", "types", "unknown", "huge", "binary", "text"]))
    message_id = draw(st.text(min_size=1, max_size=36))
    if kind == "payload":  # a valid frame, a wrong payload
        frame: Any = [2, message_id, draw(st.sampled_from(actions)), draw(st.dictionaries(
            st.sampled_from(["connectorId", "status", "idTag", "meterStart", "evse", "timestamp",
                             "errorCode", "reason", "chargingStation", "x"]),
            json_values, max_size=5))]  # fmt: skip
    elif kind == "types":  # wrong types where the frame has structure
        frame = draw(st.lists(json_values, min_size=0, max_size=5))
        if frame and draw(st.booleans()):
            frame[0] = draw(st.sampled_from([2, 3, 4, "2", 2.0, None]))
    elif kind == "unknown":
        frame = [2, message_id, draw(st.text(max_size=40)), draw(json_values)]
    elif kind == "huge":
        size = draw(st.sampled_from([64_000, 1_000_000]))
        frame = [2, message_id, "DataTransfer", {"vendorId": "x", "data": "A" * size}]
    elif kind == "binary":
        return draw(st.binary(max_size=200))
    else:
        return draw(st.text(max_size=200))
    return orjson.dumps(frame).decode()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("ocpp-fuzz")
    port = free_port()
    database = f"sqlite+aiosqlite:///{folder / 'db.sqlite'}"
    config = write_config(folder / "c.toml", port=port, database_url=database, ocpp=OCPP)
    for station in ("FUZZ", "CALM"):
        added = cli("stations", "add", station, "--location", "LOC1", "--evse", f"1=E-{station}",
                    config=config)  # fmt: skip
        assert added.returncode == 0, added.stderr
    args = ["--config", str(config), "serve"]
    with running(args, ready_url=f"http://127.0.0.1:{port}/ocpi/versions", log=folder / "log"):
        yield f"ws://127.0.0.1:{port}/ocpp"
    log = (folder / "log").read_text(errors="replace")
    # the ocpp library logs the payloads it refuses with their traceback, then answers CALLERROR;
    # any other traceback is a crash of ours
    crashes = [
        line[:3000]
        for line in log.splitlines()
        if "Traceback" in line and '"logger":"ocpp"' not in line
    ]
    assert crashes == []


def _open(url: str, subprotocol: str) -> ClientConnection:
    return connect(url, subprotocols=[Subprotocol(subprotocol)], open_timeout=10, max_size=None)


def _answer(ws: ClientConnection, timeout: float = 10) -> list[Any] | None:
    """The gateway's answer to our frame (its own CALLs skipped); None when it closed."""
    try:
        while True:
            reply = orjson.loads(ws.recv(timeout=timeout))
            if reply[0] != 2:
                return list(reply)
    except ConnectionClosed:
        return None


def _heartbeat_answered(url: str, subprotocol: str) -> bool:
    with _open(f"{url}/CALM", subprotocol) as calm:
        calm.send(orjson.dumps([2, "hb", "Heartbeat", {}]).decode())
        reply = _answer(calm)
    return reply is not None and reply[:2] == [3, "hb"]


@pytest.mark.parametrize("subprotocol", ["ocpp1.6", "ocpp2.0.1"])
def test_every_frame_gets_an_answer_or_a_close(gateway: str, subprotocol: str) -> None:
    @settings(
        max_examples=int(os.environ.get("OCPP_FUZZ_EXAMPLES", "30")),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(frame=frames(subprotocol))
    def one(frame: str | bytes) -> None:
        answer = isinstance(frame, str) and is_answer(frame)
        with _open(f"{gateway}/FUZZ", subprotocol) as ws:
            with contextlib.suppress(ConnectionClosed):  # closed at once (a huge frame)
                ws.send(frame)
            if answer:  # an answer to a CALL of ours is never answered back
                with pytest.raises(TimeoutError):
                    _answer(ws, timeout=0.5)
                reply = None
            else:
                reply = _answer(ws)
        if reply is not None:  # a CALLERROR, or a CALLRESULT to a call that happened to be valid
            assert reply[0] in (3, 4), reply
            if reply[0] == 4:
                assert isinstance(reply[2], str) and reply[2], reply
        assert _heartbeat_answered(gateway, subprotocol)

    one()
