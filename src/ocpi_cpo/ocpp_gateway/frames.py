"""What reaches the ``ocpp`` library: OCPP-J frames of a recognisable shape only.

OCPP-J (1.6 §4, 2.0.1 part 4 §4) sends text frames holding a JSON array: a CALL
``[2, id, action, payload]``, a CALLRESULT ``[3, id, payload]`` or a CALLERROR
``[4, id, code, description, details]``. The library logs and drops what it cannot parse, so the
station hears nothing; here such a frame is answered with a CALLERROR (its message id when one
can be read, else ``"-1"`` as 2.0.1 prescribes) and a binary frame closes the connection (1003).
"""

from __future__ import annotations

from typing import Any

import orjson

#: the CALLERROR code for a frame that is no OCPP-J message, per version
FRAME_ERROR = {"1.6": "FormationViolation", "2.0.1": "RpcFrameworkError"}


def _shape_problem(frame: Any) -> str | None:
    if not isinstance(frame, list) or len(frame) < 3:
        return "not a JSON array of an OCPP-J message"
    kind, message_id = frame[0], frame[1]
    if type(kind) is not int or kind not in (2, 3, 4):
        return "MessageTypeId must be 2, 3 or 4"
    if not isinstance(message_id, str) or not message_id or len(message_id) > 36:
        return "MessageId must be a string of 1 to 36 characters"
    if kind == 2 and (len(frame) != 4 or not isinstance(frame[2], str) or not frame[2]):
        return "a CALL is [2, MessageId, Action, Payload]"
    if kind == 2 and not isinstance(frame[3], dict):
        return "a CALL's payload must be a JSON object"
    if kind == 4 and (len(frame) != 5 or not all(isinstance(v, str) for v in frame[2:4])):
        return "a CALLERROR is [4, MessageId, ErrorCode, ErrorDescription, ErrorDetails]"
    return None


def refusal(text: str, version: str) -> str | None:
    """The CALLERROR answering ``text`` when it is no OCPP-J frame we can route; None when the
    library may have it."""
    return check(text, version)[1]


def check(text: str, version: str) -> tuple[Any, str | None]:
    """(the frame, None) when the library may have ``text``; else (None, the CALLERROR
    answering it)."""
    frame: Any = None
    problem: str | None = "not valid JSON"
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    else:
        problem = _shape_problem(frame)
    if problem is None:
        return frame, None
    message_id = "-1"
    readable = isinstance(frame, list) and len(frame) > 1 and isinstance(frame[1], str)
    if readable and 0 < len(frame[1]) <= 36:
        message_id = frame[1]
    code = FRAME_ERROR.get(version, "RpcFrameworkError")
    return None, orjson.dumps([4, message_id, code, problem, {}]).decode()


def is_answer(text: str) -> bool:
    """A well-formed CALLRESULT or CALLERROR: an answer to one of our CALLs, never answered back
    (one matching none of them is dropped by the library)."""
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return _shape_problem(frame) is None and frame[0] in (3, 4)
