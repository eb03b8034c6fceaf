"""The socket's limits, each on a real server: size, rate, sockets per user, idle, pings, tokens,
shutdown."""

import asyncio
import base64
import json
import os
import signal
import struct
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus

from app.core.db import open_db
from app.core.security import TokenType, create_token
from app.realtime.models import SessionRecord, SessionStatus
from tests.conftest import (
    BACKEND_DIR,
    RUN_DIR,
    Account,
    MakeAccount,
    OpenRoom,
    Server,
    _wait_until_healthy,
    bearer,
    free_port,
    login,
    running_server,
    sign_in_of,
)
from tests.socket_client import open_socket, session

MAX_BYTES = 65536  # WS_MAX_MESSAGE_BYTES's default, which the shared server keeps
LIMITS = {
    "WS_RATE_LIMIT": "5",
    "WS_RATE_BURST": "10",
    "WS_MAX_SOCKETS_PER_USER": "2",
    "WS_PING_INTERVAL": "0.5",
    "WS_PING_TIMEOUT": "0.5",
    "WS_ROOMS_PER_SOCKET": "2",
    "ROOMS_PER_USER": "2",
}


@pytest.fixture(scope="module")
def limited(database: None) -> Iterator[Server]:
    """A server with small limits, so that each is reached within a test."""
    with running_server("limited", env=LIMITS) as server:
        yield server


@pytest.fixture(scope="module")
def impatient(database: None) -> Iterator[Server]:
    """A server that closes a socket after 1 s without a message."""
    with running_server("impatient", env={"WS_IDLE_TIMEOUT": "1"}) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_unhandled_errors(server: Server) -> Iterator[None]:
    start = len(server.log_text())
    yield
    assert "Traceback" not in server.log_text()[start:]


# A raw websocket client: to send what well-behaved libraries never do.


class RawSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def send_header(self, length: int, opcode: int = 0x1) -> None:
        """A masked frame's header announcing `length` bytes; the payload is up to the caller."""
        if length < 126:
            sizes = struct.pack("!B", 0x80 | length)
        elif length < 1 << 16:
            sizes = struct.pack("!BH", 0x80 | 126, length)
        else:
            sizes = struct.pack("!BQ", 0x80 | 127, length)
        self.writer.write(struct.pack("!B", 0x80 | opcode) + sizes + bytes(4))  # zero mask

    def send_text(self, text: str) -> None:
        payload = text.encode()
        self.send_header(len(payload))
        self.writer.write(payload)  # masked with zeros: unchanged

    async def frames(self) -> list[tuple[int, bytes]]:
        """Every frame the server sends until it closes the connection."""
        frames: list[tuple[int, bytes]] = []
        while True:
            try:
                first, second = await self.reader.readexactly(2)
            except asyncio.IncompleteReadError:
                return frames
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            frames.append((first & 0x0F, await self.reader.readexactly(length)))

    async def next_text(self) -> dict[str, Any]:
        first, second = await self.reader.readexactly(2)
        assert first & 0x0F == 0x1, "expected a text frame"
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        message: dict[str, Any] = json.loads(await self.reader.readexactly(length))
        return message


@asynccontextmanager
async def raw_socket(ws_url: str) -> AsyncIterator[RawSocket]:
    address = urlsplit(ws_url)
    assert address.hostname is not None
    assert address.port is not None
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    writer.write(request.encode())
    response = await reader.readuntil(b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 101"), response
    try:
        yield RawSocket(reader, writer)
    finally:
        writer.close()


def close_code_of(frames: list[tuple[int, bytes]]) -> int:
    closes = [payload for opcode, payload in frames if opcode == 0x8]
    assert closes, f"no close frame in {frames}"
    code: int = struct.unpack("!H", closes[0][:2])[0]
    return code


# Message size


async def test_a_message_at_the_limit_is_served(server: Server, token: str) -> None:
    async with session(server.ws_url, token) as (client, _):
        frame = json.dumps({"state": "ping", "data": {"pad": ""}})
        frame = json.dumps({"state": "ping", "data": {"pad": "x" * (MAX_BYTES - len(frame))}})
        assert len(frame) == MAX_BYTES
        await client.send(frame)
        assert (await client.receive())["state"] == "pong"


async def test_a_message_over_the_limit_gets_message_too_big_and_1009(
    server: Server, token: str
) -> None:
    async with session(server.ws_url, token) as (client, _):
        await client.send(json.dumps({"state": "ping", "data": {"pad": "x" * MAX_BYTES}}))
        error = await client.receive()
        assert error["code"] == "message_too_big"
        assert str(MAX_BYTES) in error["error"]
        assert await client.close_code() == 1009


@pytest.mark.adapter
async def test_a_huge_frame_is_refused_from_its_header_before_its_payload(
    server: Server, token: str
) -> None:
    async with raw_socket(server.ws_url) as raw:
        raw.send_text(json.dumps({"token": token}))
        assert (await raw.next_text())["state"] == "initialised"
        # A gigabyte announced: the answer cannot wait for the rest, and reaches the client
        # although megabytes more of it arrive after the refusal.
        raw.send_header(1 << 30)
        raw.writer.write(b'{"state": "ping"' + b" " * (4 << 20))
        frames = await asyncio.wait_for(raw.frames(), 5)
    texts = [json.loads(payload) for opcode, payload in frames if opcode == 0x1]
    assert [message["code"] for message in texts] == ["message_too_big"]
    assert close_code_of(frames) == 1009


# Rate


async def test_a_client_over_the_rate_gets_rate_limited_and_1008(
    limited: Server, token: str
) -> None:
    async with session(limited.ws_url, token) as (client, _):
        for n in range(40):
            await client.send({"state": "ping", "data": {"n": n}, "id": n})
        answered = []
        while (message := await client.receive())["state"] == "pong":
            answered.append(message["id"])
        assert message["code"] == "rate_limited"
        assert await client.close_code() == 1008
    # The burst (10) and what refilled meanwhile were served, in order; not all 40.
    assert 10 <= len(answered) < 40
    assert answered == list(range(len(answered)))


async def test_a_client_within_the_rate_is_served(limited: Server, token: str) -> None:
    async with session(limited.ws_url, token) as (client, _):
        for n in range(10):  # the burst
            assert (await client.request("ping", {"n": n}))["state"] == "pong"
        await asyncio.sleep(0.5)  # 5 a second refill 2 or more
        assert (await client.request("ping"))["state"] == "pong"


# Sockets per user


async def test_a_user_over_the_socket_cap_is_refused(
    limited: Server, token: str, make_account: MakeAccount, client: httpx.AsyncClient
) -> None:
    async with session(limited.ws_url, token), session(limited.ws_url, token):
        async with open_socket(limited.ws_url) as third:
            refused = await third.authenticate(token)
            assert refused["code"] == "rate_limited"
            assert "2 connections" in refused["error"]
            assert await third.close_code() == 1008
        # The cap is per user: someone else still gets in.
        other = await make_account()
        other_token = await login(client, other.email, other.password)
        async with session(limited.ws_url, other_token) as (_, initialised):
            assert initialised["state"] == "initialised"
    # Closed sockets no longer count.
    async with session(limited.ws_url, token) as (_, initialised):
        assert initialised["state"] == "initialised"


# Idle


async def test_an_idle_socket_is_told_why_and_closed_with_1000(
    impatient: Server, token: str
) -> None:
    async with session(impatient.ws_url, token) as (client, _):
        closing = await client.receive()  # WS_IDLE_TIMEOUT is 1 s here
        assert closing["state"] == "closing"
        assert closing["data"]["reason"] == "idle"
        assert "1 seconds" in closing["data"]["message"]
        assert await client.close_code() == 1000


async def test_a_socket_in_use_is_not_idle(impatient: Server, token: str) -> None:
    async with session(impatient.ws_url, token) as (client, _):
        for _ in range(8):  # 2.4 s in all, never 1 s without a message
            await asyncio.sleep(0.3)
            assert (await client.request("ping"))["state"] == "pong"


# Rooms


async def test_a_socket_is_in_so_many_rooms_at_most(
    limited: Server, token: str, open_room: OpenRoom
) -> None:
    rooms = [await open_room() for _ in range(3)]
    async with session(limited.ws_url, token) as (client, _):
        for room in rooms[:2]:
            assert (await client.request("join", {"room": room}))["state"] == "joined"
        refused = await client.request("join", {"room": rooms[2]})
        assert refused["code"] == "not_allowed", refused
        assert "2 rooms" in refused["error"]
        await client.request("leave", {"room": rooms[0]})
        assert (await client.request("join", {"room": rooms[2]}))["state"] == "joined"


async def test_a_user_owns_so_many_rooms_at_most(limited: Server, token: str) -> None:
    async with httpx.AsyncClient(base_url=f"{limited.url}/api/v1", headers=bearer(token)) as http:
        made = [
            await http.post("/rooms", json={"name": f"mine-{uuid.uuid4().hex[:8]}"})
            for _ in range(3)
        ]
    assert [answer.status_code for answer in made] == [201, 201, 403]
    assert "2 rooms" in made[2].json()["detail"]


# Pings


async def test_a_peer_that_stops_answering_pings_is_dropped(
    limited: Server,
    account: Account,
    token: str,
    make_account: MakeAccount,
    client: httpx.AsyncClient,
    open_room: OpenRoom,
) -> None:
    watcher = await make_account()
    watcher_token = await login(client, watcher.email, watcher.password)
    room = await open_room()
    async with session(limited.ws_url, watcher_token) as (watching, _):
        await watching.request("join", {"room": room})
        async with raw_socket(limited.ws_url) as dead:
            dead.send_text(json.dumps({"token": token}))
            assert (await dead.next_text())["state"] == "initialised"
            dead.send_text(json.dumps({"state": "join", "data": {"room": room}}))
            assert (await watching.next_of("presence"))["data"]["event"] == "joined"
            # From here the peer reads nothing and answers no ping, as if its machine were gone:
            # within WS_PING_INTERVAL + WS_PING_TIMEOUT (1 s here) it is dropped, and leaves.
            left = await watching.next_of("presence")
            assert left["data"]["event"] == "left"
            assert left["data"]["member"]["id"] == str(account.id)


# Authorization during the session


async def test_a_fresh_token_extends_the_session(
    server: Server, account: Account, token: str
) -> None:
    sid = sign_in_of(token)
    short = create_token(account.id, TokenType.ACCESS, timedelta(seconds=2), sid)
    async with session(server.ws_url, short) as (client, _):
        fresh = create_token(account.id, TokenType.ACCESS, timedelta(minutes=5), sid)
        renewed = await client.request("token", {"token": fresh}, request_id="renew")
        assert renewed["state"] == "token"
        assert renewed["id"] == "renew"
        assert renewed["data"]["expires_at"].startswith("20")
        await asyncio.sleep(2.5)  # past the first token's expiry
        assert (await client.request("ping"))["state"] == "pong"


@pytest.mark.parametrize("kind", ["another user's", "refresh", "expired", "garbage"])
async def test_a_token_that_cannot_renew_ends_the_session(
    server: Server, account: Account, token: str, make_account: MakeAccount, kind: str
) -> None:
    other = await make_account()
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1") as http:
        others = await login(http, other.email, other.password)
    sid = sign_in_of(token)
    tokens = {
        "another user's": others,
        "refresh": create_token(account.id, TokenType.REFRESH, timedelta(minutes=5), sid),
        "expired": create_token(account.id, TokenType.ACCESS, timedelta(seconds=-1), sid),
        "garbage": "not.a.token",
    }
    async with session(server.ws_url, token) as (client, _):
        refused = await client.request("token", {"token": tokens[kind]})
        assert refused["code"] == "unauthorized"
        assert await client.close_code() == 1008


# Shutdown


@pytest.mark.adapter
async def test_shutdown_flushes_replies_says_why_closes_1001_and_keeps_the_draft(
    database: None, account: Account, token: str
) -> None:
    with running_server("shutting-down") as server:
        assert server.process is not None
        async with session(server.ws_url, token) as (client, _):
            assert (await client.request("startThings"))["state"] == "startThings"
            for n in range(50):
                await client.send({"state": "ping", "data": {"n": n}, "id": n})
            server.process.send_signal(signal.SIGTERM)
            answered = []
            while (message := await client.receive())["state"] == "pong":
                answered.append(message["id"])
            # Every request the server read was answered, in order, before it said goodbye.
            assert answered == list(range(len(answered)))
            assert message["state"] == "closing"
            assert message["data"]["reason"] == "shutdown"
            assert await client.close_code() == 1001
        # uvicorn ends by re-raising the signal it handled, once it has shut down cleanly.
        assert server.process.wait(timeout=20) == -signal.SIGTERM
        assert "Application shutdown complete." in server.log_text()
        assert "Traceback" not in server.log_text()
    async with open_db() as db:
        drafts = (
            await db.scalars(
                select(SessionRecord).where(
                    SessionRecord.user_id == account.id,
                    SessionRecord.status == SessionStatus.DRAFT,
                )
            )
        ).all()
    assert len(drafts) == 1
    with running_server("restarted") as server:
        async with session(server.ws_url, token) as (_, initialised):
            assert initialised["data"]["draft"]["id"] == str(drafts[0].id)


async def test_shutdown_lets_a_save_in_flight_finish(database: None, token: str) -> None:
    with running_server("saving") as server:
        assert server.process is not None
        async with session(server.ws_url, token) as (client, _):
            await client.request("startThings")
            await client.send({"state": "save", "data": {"content": {"done": True}}, "id": "s"})
            server.process.send_signal(signal.SIGTERM)
            reply = await client.receive()
            if reply["state"] == "save":
                # Told it was saved: it is.
                assert reply["data"]["status"] == "saved"
                async with open_db() as db:
                    record = await db.get(SessionRecord, uuid.UUID(reply["data"]["id"]))
                    assert record is not None
                    assert record.status == SessionStatus.SAVED
                assert await client.close_code() == 1000
            else:
                # Not read before the shutdown: not saved, and still a draft for next time.
                assert reply["state"] == "closing"
                assert await client.close_code() == 1001


async def test_one_address_cannot_hold_a_crowd_of_sockets_without_signing_in(
    database: None, token: str
) -> None:
    """Sockets that have not sent their token are capped per client address (3 here)."""
    env = {"WS_MAX_UNAUTHENTICATED_PER_ADDRESS": "3", "WS_AUTH_TIMEOUT": "30"}
    here = {"X-Forwarded-For": "203.0.113.9"}
    with running_server("crowd", env=env) as limited:
        await _crowd(limited, token, here)


async def _crowd(limited: Server, token: str, here: dict[str, str]) -> None:
    async with AsyncExitStack() as stack:
        waiting = [
            await stack.enter_async_context(open_socket(limited.ws_url, headers=here))
            for _ in range(3)
        ]
        with pytest.raises(InvalidStatus) as refused:
            async with open_socket(limited.ws_url, headers=here):
                pass
        assert refused.value.response.status_code == 403
        # Another address is not held up by this one.
        elsewhere = {"X-Forwarded-For": "203.0.113.10"}
        async with open_socket(limited.ws_url, headers=elsewhere) as other:
            assert (await other.authenticate(token))["state"] == "initialised"
        # A socket that signs in no longer counts as waiting.
        assert (await waiting[0].authenticate(token))["state"] == "initialised"
        async with open_socket(limited.ws_url, headers=here) as admitted:
            assert (await admitted.authenticate(token))["state"] == "initialised"


@pytest.mark.adapter
@pytest.mark.parametrize("signed_in", [False, True])
async def test_text_that_is_not_utf8_closes_with_1007_and_one_quiet_line(
    server: Server, token: str, signed_in: bool
) -> None:
    """Before the token too: a flood of bad frames must not flood the log with tracebacks."""
    start = len(server.log_text())
    async with raw_socket(server.ws_url) as raw:
        if signed_in:
            raw.send_text(json.dumps({"token": token}))
            assert (await raw.next_text())["state"] == "initialised"
        payload = b'{"state": "ping", "data": "\xff\xfe"}'
        raw.send_header(len(payload))
        raw.writer.write(payload)
        frames = await raw.frames()
    closes = [payload for opcode, payload in frames if opcode == 0x8]
    assert closes, frames
    assert struct.unpack("!H", closes[0][:2])[0] == 1007
    logged = server.log_text()[start:]
    assert "Traceback" not in logged
    assert "ERROR" not in logged


@contextmanager
def plain_uvicorn() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`uvicorn app.main:app` on a free port, as FastAPI users type it: its URL and process."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = RUN_DIR / "plain-uvicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)],
            cwd=BACKEND_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(url, process, log)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_the_message_limit_holds_under_a_plain_uvicorn_command(
    database: None, token: str
) -> None:
    """Such a server has none of `python -m app`'s socket settings: the app checks a frame's
    size itself."""
    with plain_uvicorn() as (url, _):
        ws_url = url.replace("http://", "ws://") + "/api/v1/socket"
        async with session(ws_url, token) as (client, _):
            await client.send(json.dumps({"state": "ping", "data": {"pad": "x" * MAX_BYTES}}))
            error = await client.receive()
            assert error["code"] == "message_too_big"
            assert await client.close_code() == 1009


async def test_a_plain_uvicorn_shutdown_closes_with_1012_and_keeps_the_draft(
    database: None, account: Account, token: str
) -> None:
    """What the guide says of servers other than `python -m app`: no `closing`, uvicorn's own
    1012 (which clients take as "come back"), and the draft is there on the next socket."""
    with plain_uvicorn() as (url, process):
        ws_url = url.replace("http://", "ws://") + "/api/v1/socket"
        async with session(ws_url, token) as (client, _):
            started = await client.request("startThings")
            assert started["state"] == "startThings"
            process.send_signal(signal.SIGTERM)
            assert await client.close_code() == 1012
    with running_server("after-plain-uvicorn") as server:
        async with session(server.ws_url, token) as (_, initialised):
            assert initialised["data"]["draft"] is not None
