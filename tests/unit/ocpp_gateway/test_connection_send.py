"""An answer to a station whose websocket was closed meanwhile (its newer connection replaced
it, or a shutdown) ends the connection like a disconnect, not as a failure logged with a
traceback (660 such errors in a 10,000-station reconnect storm)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ocpi_cpo.journal import Journal
from ocpi_cpo.ocpp_gateway.door import MessageLimit
from ocpi_cpo.ocpp_gateway.gateway import WebSocketConnection
from ocpi_cpo.ocpp_gateway.journaling import OcppJournal


class ClosedWebSocket:
    def __init__(self, state: WebSocketState) -> None:
        self.application_state = state

    async def send_text(self, text: str) -> None:
        raise RuntimeError('Cannot call "send" once a close message has been sent.')


def _connection(ws: Any) -> WebSocketConnection:
    journal = OcppJournal(Journal(), "CP1", lambda number: None)
    return WebSocketConnection(ws, Any, MessageLimit(10, 10), journal)  # type: ignore[arg-type]


async def test_an_answer_to_a_closed_connection_is_a_disconnect() -> None:
    connection = _connection(ClosedWebSocket(WebSocketState.DISCONNECTED))
    with pytest.raises(WebSocketDisconnect):
        await connection.send('[3,"1",{}]')


async def test_any_other_send_failure_is_not_hidden() -> None:
    connection = _connection(ClosedWebSocket(WebSocketState.CONNECTED))
    with pytest.raises(RuntimeError):
        await connection.send('[3,"1",{}]')
