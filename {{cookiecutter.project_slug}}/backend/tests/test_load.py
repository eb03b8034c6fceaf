"""The socket under load: many sessions at once, and rooms whose members come, go and vanish.

These run on a server of their own whose rate limit is out of the way, as tools.loadtest's
--help asks of a server under test.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.conftest import Server, create_room, running_server
from tools import loadtest

SESSIONS = 500
ROUND_TRIPS = 100
# The rate limit would close these sockets, and 500 clients starting at once in one process
# can take more than the other tests' 1 s to send their tokens; checking the user on every
# request, as the other tests do, would make this a database benchmark.
SERVER_ENV = {
    "WS_AUTH_TIMEOUT": "10",
    "WS_RATE_LIMIT": "1000000",
    "WS_RATE_BURST": "1000000",
    "WS_USER_RECHECK": "30",
}
# How long any one step may take before the test fails rather than hangs.
STEP_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def load_server(database: None) -> Iterator[Server]:
    with running_server("load", env=SERVER_ENV) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_unhandled_errors(load_server: Server) -> Iterator[None]:
    """Whatever the load, the server logs no unhandled error."""
    start = len(load_server.log_text())
    yield
    logged = load_server.log_text()[start:]
    assert "Traceback" not in logged, logged
    assert "Exception in ASGI application" not in logged, logged


MakeTokens = Callable[[int], Awaitable[list[str]]]


@pytest.fixture
async def make_tokens() -> AsyncIterator[MakeTokens]:
    """Throwaway users, deleted after the test: an access token for each."""
    yield loadtest.create_users
    await loadtest.delete_users()


async def test_500_sessions_of_100_round_trips_lose_nothing(
    load_server: Server, make_tokens: MakeTokens
) -> None:
    tokens = await make_tokens(SESSIONS)

    report = await loadtest.run(load_server.ws_url, tokens, ROUND_TRIPS)

    print(report)  # the figures, for -s or a failure
    assert report.errors == 0
    assert report.lost == 0
    assert report.sessions == SESSIONS
    assert report.round_trips == len(report.latencies) == SESSIONS * ROUND_TRIPS


# Rooms under churn

ROOM = f"churn-{uuid.uuid4().hex[:8]}"
PUBLISHERS = 3
PER_PUBLISHER = 200
LAST_SEQ = PUBLISHERS * PER_PUBLISHER
STAYERS = 4
CHURNERS = 8
CYCLES = 8


@dataclass
class Segment:
    """One membership of a socket in the room: from its `joined` to its `left` (or its end)."""

    joined_seq: int
    since: int | None
    history_complete: bool | None
    seqs: list[int] = field(default_factory=list)


class Member:
    """A socket in the room, read all the time: every update it gets, by membership."""

    def __init__(
        self, connection: ClientConnection, user_id: str, history: list[Segment] | None = None
    ) -> None:
        self.connection = connection
        self.user_id = user_id
        # This person's memberships, carried over from the sockets it had before.
        self.segments: list[Segment] = [] if history is None else history
        # Anything that must not come: updates outside a membership, or for another room.
        self.unexpected: list[dict[str, Any]] = []
        self._in_room = False
        self._joining_since: int | None = None
        self._replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(
        cls, server: Server, token: str, history: list[Segment] | None = None
    ) -> "Member":
        connection = await loadtest.open_session(server.ws_url, None)
        await connection.send(json.dumps({"token": token}))
        initialised = json.loads(await asyncio.wait_for(connection.recv(), STEP_TIMEOUT))
        assert initialised["state"] == "initialised", initialised
        return cls(connection, initialised["data"]["user"]["id"], history)

    async def _read(self) -> None:
        with suppress(ConnectionClosed):
            async for frame in self.connection:
                message = json.loads(frame)
                state, data = message["state"], message.get("data", {})
                if state == "update":
                    if self._in_room and data["room"] == ROOM:
                        self.segments[-1].seqs.append(data["seq"])
                    else:
                        self.unexpected.append(message)
                    self._changed.set()
                elif state != "presence":
                    if state == "joined":
                        complete = data.get("history_complete")
                        self.segments.append(Segment(data["seq"], self._joining_since, complete))
                        self._in_room = True
                    elif state == "left":
                        self._in_room = False
                    self._replies.put_nowait(message)
        self._changed.set()

    async def request(self, state: str, data: dict[str, Any]) -> dict[str, Any]:
        await self.connection.send(json.dumps({"state": state, "data": data, "id": state}))
        reply = await asyncio.wait_for(self._replies.get(), STEP_TIMEOUT)
        assert reply.get("id") == state, reply
        return reply

    async def join(self, since: int | None = None) -> dict[str, Any]:
        self._joining_since = since
        data: dict[str, Any] = {"room": ROOM} if since is None else {"room": ROOM, "since": since}
        joined = await self.request("join", data)
        assert joined["state"] == "joined", joined
        return joined

    async def leave(self) -> None:
        left = await self.request("leave", {"room": ROOM})
        assert left["state"] == "left", left

    @property
    def last_seen(self) -> int:
        return last_seq_of(self.segments[-1])

    async def wait_until_seen(self, seq: int) -> None:
        try:
            async with asyncio.timeout(STEP_TIMEOUT):
                while self.last_seen < seq:
                    assert not self._reader.done(), "the socket closed while waiting for updates"
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"seq {seq} never came; memberships: {self.segments}") from None

    async def kill(self) -> None:
        """Drop the connection the way a crashed client or a dead network does: no close frame."""
        self.connection.transport.abort()
        await asyncio.wait_for(self._reader, STEP_TIMEOUT)

    async def close(self) -> None:
        await self.connection.close()
        await asyncio.wait_for(self._reader, STEP_TIMEOUT)


def last_seq_of(segment: Segment) -> int:
    """The last seq a member knows of by the end of a membership: it joined at, resumed or saw."""
    if segment.seqs:
        return segment.seqs[-1]
    return segment.joined_seq if segment.since is None else segment.since


def check_stayed(member: Member) -> None:
    """One membership, from its join to the last update: every seq once, in order."""
    [segment] = member.segments
    assert segment.seqs == list(range(segment.joined_seq + 1, LAST_SEQ + 1))


def check_resumed(member: Member) -> None:
    """Memberships resumed with `since`: together, every seq from the first join once, in order."""
    first, *rejoins = member.segments
    assert first.since is None
    for previous, segment in zip(member.segments, rejoins, strict=False):
        assert segment.since is not None
        assert segment.history_complete is True
        # Resumed from the last update seen before the leave or the kill.
        assert segment.since == last_seq_of(previous)
        expected = list(range(segment.since + 1, segment.since + 1 + len(segment.seqs)))
        assert segment.seqs == expected, f"resumed after {previous}"
    seen = [seq for segment in member.segments for seq in segment.seqs]
    assert seen == list(range(first.joined_seq + 1, LAST_SEQ + 1))


async def publish_all(publisher: Member, index: int) -> list[int]:
    """Publish one update after another, each once the previous one's seq is known."""
    seqs = []
    for n in range(PER_PUBLISHER):
        published = await publisher.request(
            "publish", {"room": ROOM, "payload": {"p": index, "n": n}}
        )
        assert published["state"] == "published", published
        seqs.append(published["data"]["seq"])
    return seqs


async def churn(server: Server, token: str, index: int, pace: Member) -> Member:
    """Join some way in; then, again and again, leave or get killed and come back with `since`."""
    await pace.wait_until_seen(LAST_SEQ * index // (CHURNERS + 1))
    member = await Member.open(server, token)
    await member.join()
    for cycle in range(CYCLES):
        # Varied, but the same every run: how many updates to wait for, and how to go.
        step = 5 + (11 * index + 17 * cycle) % 36
        await member.wait_until_seen(min(member.last_seen + step, LAST_SEQ))
        if (index + cycle) % 2:
            await member.leave()
        else:
            await member.kill()
            member = await Member.open(server, token, history=member.segments)
        # Whatever reached the member before it went counts as seen.
        await member.join(since=member.last_seen)
    await member.wait_until_seen(LAST_SEQ)
    return member


async def test_rooms_keep_order_while_members_join_leave_and_vanish(
    load_server: Server, make_tokens: MakeTokens
) -> None:
    tokens = await make_tokens(PUBLISHERS + STAYERS + CHURNERS + 1)
    publisher_tokens, rest = tokens[:PUBLISHERS], tokens[PUBLISHERS:]
    stayer_tokens, churner_tokens, observer_token = rest[:STAYERS], rest[STAYERS:-1], rest[-1]

    await create_room(load_server.url, observer_token, name=ROOM)
    publishers = [await Member.open(load_server, token) for token in publisher_tokens]
    for publisher in publishers:
        await publisher.join()

    async def stay(token: str, index: int) -> Member:
        """Join once the room is this far along, and stay to the end."""
        await publishers[0].wait_until_seen(LAST_SEQ * index // (STAYERS + 1))
        member = await Member.open(load_server, token)
        await member.join()
        await member.wait_until_seen(LAST_SEQ)
        return member

    async with asyncio.TaskGroup() as group:
        publishing = [group.create_task(publish_all(p, i)) for i, p in enumerate(publishers)]
        staying = [group.create_task(stay(t, i)) for i, t in enumerate(stayer_tokens)]
        churning = [
            group.create_task(churn(load_server, t, i, publishers[0]))
            for i, t in enumerate(churner_tokens)
        ]
    stayers = [task.result() for task in staying]
    churners = [task.result() for task in churning]

    # One sequence, every number once, whoever published it.
    published = sorted(seq for task in publishing for seq in task.result())
    assert published == list(range(1, LAST_SEQ + 1))
    for member in [*publishers, *stayers, *churners]:
        # Nothing outside a membership: no update before its `joined` or after its `left`.
        assert member.unexpected == [], member.segments
    for member in [*publishers, *stayers]:
        check_stayed(member)
    for member in churners:
        check_resumed(member)

    # The churners go, half of them without a word; the room forgets every one of them.
    for index, member in enumerate(churners):
        if index % 2:
            await member.kill()
        else:
            await member.leave()
            await member.close()
    remaining = {member.user_id for member in [*publishers, *stayers]}
    observer = await Member.open(load_server, observer_token)
    async with asyncio.timeout(STEP_TIMEOUT):
        while True:
            joined = await observer.join(LAST_SEQ)
            await observer.leave()
            members = {m["id"] for m in joined["data"]["members"]} - {observer.user_id}
            if members == remaining:
                break
            await asyncio.sleep(0.05)  # a killed socket is noticed when the server reads it
    for member in [*publishers, *stayers, observer]:
        await member.close()
