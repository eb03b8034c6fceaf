"""Rooms on Redis: two worker processes share every room, and a Redis outage loses nothing."""

import asyncio
import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from app.core.config import settings
from app.realtime.rooms.broker import History
from app.realtime.rooms.redis import RedisBroker
from tests.conftest import MakeAccount, OpenRoom, Server, free_port, login, running_server
from tests.socket_client import SocketClient, session
from tests.test_rooms import in_room, join, updates

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class OwnRedis:
    """A Redis server of this test module's own, which it can kill and start again.

    It writes every change to its append-only file before answering, as a production Redis
    with persistence would, so what it acknowledged survives a crash.
    """

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    redis = OwnRedis(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture(scope="module")
def workers(database: None, own_redis: OwnRedis) -> Iterator[tuple[Server, Server]]:
    """Two separate server processes, one Redis between them."""
    env = {"REDIS_URL": own_redis.url}
    with running_server("worker-a", env=env) as a, running_server("worker-b", env=env) as b:
        yield a, b


@pytest.fixture
async def connect_as(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> AsyncIterator[Callable[[Server], Any]]:
    """`socket = await connect_as(worker)`: a new user's authenticated socket on that worker."""
    async with AsyncExitStack() as stack:

        async def open_on(worker: Server) -> SocketClient:
            account = await make_account()
            token = await login(client, account.email, account.password)
            opened, _ = await stack.enter_async_context(session(worker.ws_url, token))
            return opened

        yield open_on


async def publish(socket: SocketClient, room: str, payload: dict[str, Any]) -> None:
    await socket.send({"state": "publish", "data": {"room": room, "payload": payload}})


async def test_members_on_two_workers_see_one_sequence(
    workers: tuple[Server, Server],
    connect_as: Any,
    open_room: OpenRoom,
) -> None:
    a, b = workers
    room = await open_room()
    alice, bob, carol = await connect_as(a), await connect_as(b), await connect_as(a)
    await join(alice, room)
    joined = await join(bob, room)
    assert len(joined["data"]["members"]) == 2  # alice, on the other worker, is listed
    assert (await alice.next_of("presence", in_room(room)))["data"]["event"] == "joined"
    await join(carol, room)

    count = 40
    await asyncio.gather(
        *(publish(alice, room, {"from": "alice", "n": n}) for n in range(count)),
        *(publish(bob, room, {"from": "bob", "n": n}) for n in range(count)),
    )
    seen = [await updates(member, room, 2 * count) for member in (alice, bob, carol)]
    assert [update["seq"] for update in seen[0]] == list(range(1, 2 * count + 1))
    assert seen[0] == seen[1] == seen[2]


async def test_a_member_rejoining_on_the_other_worker_gets_exactly_what_it_missed(
    workers: tuple[Server, Server],
    connect_as: Any,
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    open_room: OpenRoom,
) -> None:
    a, b = workers
    room = await open_room()
    alice = await connect_as(a)
    await join(alice, room)
    account = await make_account()
    token = await login(client, account.email, account.password)
    async with session(b.ws_url, token) as (bob, _):
        await join(bob, room)
        await publish(alice, room, {"n": 0})
        assert [u["seq"] for u in await updates(bob, room, 1)] == [1]
    for n in range(1, 11):
        await publish(alice, room, {"n": n})
    await updates(alice, room, 11)
    async with session(a.ws_url, token) as (bob, _):
        joined = await join(bob, room, since=1)
        assert joined["data"]["history_complete"] is True
        replay = [(await bob.receive())["data"] for _ in range(10)]
        assert [u["seq"] for u in replay] == list(range(2, 12))
        assert [u["payload"]["n"] for u in replay] == list(range(1, 11))


async def test_a_redis_outage_keeps_sessions_up_and_loses_no_acknowledged_update(
    workers: tuple[Server, Server],
    connect_as: Any,
    own_redis: OwnRedis,
    open_room: OpenRoom,
) -> None:
    a, b = workers
    room = await open_room()
    alice, bob = await connect_as(a), await connect_as(b)
    await join(alice, room)
    await join(bob, room)
    acknowledged: list[int] = []

    async def publish_acknowledged(n: int) -> dict[str, Any]:
        reply: dict[str, Any] = await alice.reply(
            "publish", {"room": room, "payload": {"n": n}}, f"p{n}"
        )
        if reply["state"] == "published":
            acknowledged.append(reply["data"]["seq"])
        return reply

    for n in range(5):
        assert (await publish_acknowledged(n))["state"] == "published"

    own_redis.kill()
    refused = await publish_acknowledged(100)
    assert refused["state"] == "error"
    assert refused["code"] == "unavailable"
    # Single-user sessions do not need Redis: they go on.
    assert (await alice.reply("ping", {"during": "outage"}, "i"))["data"] == {"during": "outage"}
    assert (await bob.reply("startThings", {}, "s"))["state"] == "startThings"

    own_redis.start()
    deadline = time.monotonic() + 30
    while (await publish_acknowledged(5))["state"] != "published":
        assert time.monotonic() < deadline, "rooms did not come back after Redis did"
        await asyncio.sleep(0.5)
    for n in range(6, 10):
        assert (await publish_acknowledged(n))["state"] == "published"

    assert acknowledged == list(range(1, 11))
    for member in (alice, bob):
        received = [u["seq"] for u in await updates(member, room, len(acknowledged))]
        assert received == acknowledged


async def test_two_workers_behind_one_port(
    database: None,
    own_redis: OwnRedis,
    connect_as: Any,
    open_room: OpenRoom,
) -> None:
    with running_server("two-workers", "--workers", "2", env={"REDIS_URL": own_redis.url}) as pair:
        room = await open_room()
        members = [await connect_as(pair) for _ in range(6)]
        for member in members:
            await join(member, room)
        await asyncio.gather(
            *(publish(members[0], room, {"n": n}) for n in range(20)),
            *(publish(members[1], room, {"n": 100 + n}) for n in range(20)),
        )
        seen = [await updates(member, room, 40) for member in members]
        assert [u["seq"] for u in seen[0]] == list(range(1, 41))
        assert all(other == seen[0] for other in seen[1:])


async def test_a_room_redis_lost_starts_a_new_epoch_and_replays_nothing_old(
    workers: tuple[Server, Server], connect_as: Any, own_redis: OwnRedis, open_room: OpenRoom
) -> None:
    a, b = workers
    room = await open_room()
    alice, carol = await connect_as(a), await connect_as(b)
    first = (await join(alice, room))["data"]
    await join(carol, room)
    for n in range(3):
        await publish(alice, room, {"n": n})
    await updates(alice, room, 3)
    await updates(carol, room, 3)
    await alice.request("leave", {"room": room})
    # Redis loses the room (a restart without persistence, an eviction, a flush).
    lost = Redis.from_url(own_redis.url)
    try:
        keys = [key async for key in lost.scan_iter(match=f"*room:{room}:*")]
        assert keys
        await lost.delete(*keys)
    finally:
        await lost.aclose()
    bob = await connect_as(a)  # where no one is in the room any more
    joined = (await join(bob, room, since=3, epoch=first["epoch"]))["data"]
    assert joined["epoch"] != first["epoch"]
    assert (joined["seq"], joined["history_complete"]) == (0, False)
    # Carol stayed in the room throughout, on the other worker: the new numbering reaches her,
    # with its epoch.
    await publish(bob, room, {"n": "new"})
    for member in (bob, carol):
        (update,) = await updates(member, room, 1)
        assert (update["seq"], update["epoch"]) == (1, joined["epoch"])


async def test_redis_keeps_no_more_history_than_allowed() -> None:
    """The engine's own limits, on the machine's Redis: the Lua script trims by count and bytes."""
    broker = RedisBroker(lambda _: None, lambda: None, History(updates=5, bytes=10_000))
    room = f"bytes-{uuid.uuid4().hex[:8]}"
    try:
        for n in range(4):
            await broker.publish(room, json.dumps({"text": "x" * 3000, "n": n}))
        kept = await broker.history(room, 0)
        assert [seq for seq, _ in kept] == [2, 3, 4]
        await broker.publish(room, json.dumps({"text": "x" * 20_000}))
        assert [seq for seq, _ in await broker.history(room, 0)] == [5], "the latest is kept"
        for n in range(6):
            await broker.publish(room, json.dumps({"n": n}))
        assert [seq for seq, _ in await broker.history(room, 0)] == [7, 8, 9, 10, 11]
        position = await broker.position(room)
        assert position.seq == 11
        assert position == await broker.position(room), "asking again changes nothing"
    finally:
        async with Redis.from_url(settings.REDIS_URL) as cleanup:
            await cleanup.delete(*[key async for key in cleanup.scan_iter(match=f"*{room}*")])
        await broker.stop()
