"""Fuzzing the socket on a real server: whatever a client sends, the server answers or closes
as the protocol says, never with a fault, never with a trace, never by hanging, and goes on
serving new sessions.

Hypothesis makes up the frames (text, bytes, JSON of every type, requests for known and unknown
states with random data and ids) and, when a property fails, shrinks them to the smallest
sequence that still fails.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.conftest import Server, create_room, running_server
from tools import loadtest

# Neither the rate limit nor the sockets-per-user cap may cut the fuzzing short.
SERVER_ENV = {
    "WS_RATE_LIMIT": "1000000",
    "WS_RATE_BURST": "1000000",
    "WS_MAX_SOCKETS_PER_USER": "1000",
    "WS_AUTH_TIMEOUT": "10",
}
# How long the server may take to answer one frame, or to close.
REPLY_TIMEOUT = 10.0
# Close codes the protocol answers a client's frames with: save, policy (auth, rate), too big.
CLIENT_CLOSE_CODES = {1000, 1008, 1009}
ERROR_CODES = {
    "invalid_json",
    "invalid_request",
    "unknown_state",
    "invalid_data",
    "not_allowed",
    "unavailable",
    "unauthorized",
    "rate_limited",
    "message_too_big",
}
# The longest text id, and the largest integer id, that the server echoes.
MAX_ID_LENGTH = 128
SAFE_INTEGER = 2**53 - 1
# Frames the server sends on its own, not in answer to a request.
UNSOLICITED = {"update", "presence", "closing"}
TRACE_MARKERS = ("Traceback", 'File "')
FUZZ_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def fuzz_server(database: None) -> Iterator[Server]:
    with running_server("fuzz", env=SERVER_ENV) as running:
        yield running


@pytest.fixture(scope="module")
async def fuzz_token(fuzz_server: Server) -> AsyncIterator[str]:
    [token] = await loadtest.create_users(1)
    for name in MEETING_ROOMS:
        await create_room(fuzz_server.url, token, name=name)
    yield token
    await loadtest.delete_users()


@pytest.fixture(autouse=True)
def _no_unhandled_errors(fuzz_server: Server) -> Iterator[None]:
    """Whatever a client sends, the server logs no unhandled error."""
    start = len(fuzz_server.log_text())
    yield
    assert_no_trace_logged(fuzz_server, start)


def assert_no_trace_logged(server: Server, start: int) -> None:
    logged = server.log_text()[start:]
    assert "Traceback" not in logged, logged
    assert "Exception in ASGI application" not in logged, logged


# What a client may send

# Public rooms whose names come up again and again, so that joins, publishes and leaves meet.
MEETING_ROOMS = ["lobby", "room-1"]
TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=10,
)
JSON_OBJECTS = st.dictionaries(TEXT, JSON_VALUES, max_size=4)
# Request ids: anything, and ids at the edges of what the server echoes.
IDS = (
    JSON_VALUES
    | st.sampled_from([SAFE_INTEGER, -SAFE_INTEGER, SAFE_INTEGER + 1, -SAFE_INTEGER - 1])
    | st.text(max_size=MAX_ID_LENGTH + 10)
)
ROOMS = (
    st.sampled_from(MEETING_ROOMS) | st.from_regex(r"[A-Za-z0-9_.:-]{1,12}", fullmatch=True) | TEXT
)
# For each known state, data that is right, nearly right, or anything at all.
STATE_DATA = {
    "ping": JSON_OBJECTS,
    "startThings": st.just({}) | JSON_OBJECTS,
    "save": st.fixed_dictionaries({}, optional={"content": JSON_VALUES}),
    "join": st.fixed_dictionaries(
        {"room": ROOMS},
        optional={"since": st.integers(-2, 100) | JSON_VALUES, "epoch": TEXT | JSON_VALUES},
    ),
    "publish": st.fixed_dictionaries(
        {"room": ROOMS}, optional={"payload": JSON_OBJECTS | JSON_VALUES}
    ),
    "leave": st.fixed_dictionaries({"room": ROOMS}),
    "token": st.fixed_dictionaries({"token": TEXT | JSON_VALUES}),
}
KNOWN_REQUESTS = st.one_of(
    *(
        st.fixed_dictionaries(
            {"state": st.just(state), "data": st.one_of(data, data, JSON_VALUES)},
            optional={"id": IDS},
        )
        for state, data in STATE_DATA.items()
    )
)
OTHER_REQUESTS = st.fixed_dictionaries(
    {"state": TEXT | JSON_VALUES}, optional={"data": JSON_VALUES, "id": IDS}
)
TOKEN_FRAMES = st.fixed_dictionaries({"token": TEXT | JSON_VALUES}, optional={"id": IDS})
# Requests for the known states most often: that is where the handlers are.
FRAMES: st.SearchStrategy[str | bytes] = st.one_of(
    *[KNOWN_REQUESTS.map(json.dumps)] * 4,
    OTHER_REQUESTS.map(json.dumps),
    TOKEN_FRAMES.map(json.dumps),
    JSON_VALUES.map(json.dumps),
    TEXT,
    st.binary(max_size=64),
)
SEQUENCES = st.lists(FRAMES, min_size=1, max_size=8)


# What the server must do


def readable_id(frame: str | bytes) -> str | int | None:
    """The request id the server must echo for this frame, if any."""
    if isinstance(frame, bytes):
        return None
    try:
        payload = json.loads(frame, parse_constant=_refuse)
    except ValueError:
        return None
    request_id = payload.get("id") if isinstance(payload, dict) else None
    if isinstance(request_id, bool):
        return None
    # Only an id a browser reads back unchanged: text of at most 128 characters, or an integer a
    # double holds exactly; any other is refused without being echoed.
    if isinstance(request_id, str) and len(request_id) <= MAX_ID_LENGTH:
        return request_id
    if isinstance(request_id, int) and abs(request_id) <= SAFE_INTEGER:
        return request_id
    return None


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def check_frame(frame: str | bytes, sent: str | bytes) -> dict[str, Any]:
    """A frame from the server: a JSON object with a state, no trace, no internal error."""
    assert isinstance(frame, str), f"a binary frame from the server: {frame!r}"
    for marker in TRACE_MARKERS:
        if isinstance(sent, bytes) or marker not in sent:  # a pong may echo what was sent
            assert marker not in frame, frame
    message = json.loads(frame)
    assert isinstance(message, dict), frame
    assert isinstance(message.get("state"), str), frame
    if message["state"] == "error":
        assert message.get("code") in ERROR_CODES, frame
        assert isinstance(message.get("error"), str), frame
    return message


def check_closed(connection: ClientConnection) -> None:
    assert connection.close_code in CLIENT_CLOSE_CODES, (
        f"closed with {connection.close_code} {connection.close_reason!r}"
    )


async def exchange(connection: ClientConnection, frame: str | bytes) -> bool:
    """Send a frame and check what comes back; False once the server has closed the socket.

    A ping with an id of our own follows the frame: the server answers requests in order, so
    whatever answers the frame comes before that ping's pong.
    """
    marker = f"fuzz-{uuid.uuid4().hex}"
    replies: list[dict[str, Any]] = []
    try:
        await connection.send(frame)
        await connection.send(json.dumps({"state": "ping", "id": marker}))
        async with asyncio.timeout(REPLY_TIMEOUT):
            while True:
                message = check_frame(await connection.recv(), frame)
                if message.get("id") == marker:
                    assert message == {"state": "pong", "data": {}, "id": marker}, message
                    break
                if message["state"] not in UNSOLICITED:
                    replies.append(message)
    except ConnectionClosed:
        check_closed(connection)
        return False
    except TimeoutError:
        raise AssertionError(f"no answer to {frame!r} within {REPLY_TIMEOUT} s") from None
    assert replies, f"no reply to {frame!r}"
    request_id = readable_id(frame)
    if request_id is not None:
        assert any(reply.get("id") == request_id for reply in replies), (frame, replies)
    return True


async def assert_still_serves(server: Server, token: str) -> None:
    connection = await loadtest.open_session(server.ws_url, token)
    try:
        await connection.send(json.dumps({"state": "ping", "data": {"ok": True}, "id": 1}))
        pong = json.loads(await asyncio.wait_for(connection.recv(), REPLY_TIMEOUT))
        assert pong == {"state": "pong", "data": {"ok": True}, "id": 1}
    finally:
        await connection.close()


@FUZZ_SETTINGS
@given(frames=SEQUENCES)
async def test_any_frames_after_the_handshake(
    fuzz_server: Server, fuzz_token: str, frames: list[str | bytes]
) -> None:
    start = len(fuzz_server.log_text())
    connection = await loadtest.open_session(fuzz_server.ws_url, fuzz_token)
    try:
        for frame in frames:
            if not await exchange(connection, frame):
                break
    finally:
        await connection.close()
    await assert_still_serves(fuzz_server, fuzz_token)
    assert_no_trace_logged(fuzz_server, start)


@FUZZ_SETTINGS
@given(frames=SEQUENCES)
async def test_any_frames_as_the_handshake(
    fuzz_server: Server, fuzz_token: str, frames: list[str | bytes]
) -> None:
    """Nothing but a valid token opens a session: anything else is refused, then closed."""
    start = len(fuzz_server.log_text())
    connection = await loadtest.open_session(fuzz_server.ws_url, None)
    try:
        for frame in frames:
            try:
                await connection.send(frame)
            except ConnectionClosed:
                break
        answers = []
        async with asyncio.timeout(REPLY_TIMEOUT):
            try:
                while True:
                    answers.append(check_frame(await connection.recv(), frames[0]))
            except ConnectionClosed:
                pass
    finally:
        await connection.close()
    assert answers == [
        {"state": "error", "error": "Could not validate credentials.", "code": "unauthorized"}
    ]
    assert connection.close_code == 1008
    await assert_still_serves(fuzz_server, fuzz_token)
    assert_no_trace_logged(fuzz_server, start)
