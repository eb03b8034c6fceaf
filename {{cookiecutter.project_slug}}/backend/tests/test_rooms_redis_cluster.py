"""Rooms on a Redis Cluster (REDIS_CLUSTER_URLS): three masters with a replica each, two worker
processes, rooms on every master; a master dies and its replica takes over mid-session."""

import asyncio
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis as SyncRedis
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot

from app.core.redis_cluster import cluster_client
from app.realtime.rooms.broker import History
from app.realtime.rooms.redis_cluster import (
    REPLICA_WAIT_MS,
    RedisClusterBroker,
    ShardedSubscriber,
    hash_tag,
)
from tests.conftest import (
    Account,
    MakeAccount,
    Server,
    create_room,
    free_port,
    login,
    running_server,
)
from tests.socket_client import SocketClient, session
from tests.test_rooms import in_room, join, updates

# One cluster for the module: under pytest-xdist its tests share a worker.
pytestmark = pytest.mark.xdist_group("redis-cluster")

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
# Milliseconds before a silent master counts as failed and its replica takes over.
NODE_TIMEOUT = 1000


class Node:
    def __init__(self, directory: Path) -> None:
        self.port, self.bus_port = free_port(), free_port()
        self.directory = directory
        self.directory.mkdir()
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--cluster-port", str(self.bus_port),
                "--bind", "127.0.0.1",
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", str(NODE_TIMEOUT),
                "--save", "",
                "--appendonly", "no",
                # A replica's first sync starts at once, not after five seconds.
                "--repl-diskless-sync-delay", "0",
                "--dir", str(directory),
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"redis://{self.address}"

    def wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [REDIS_CLI, "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


class Cluster:
    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes

    @property
    def urls(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def by_port(self, port: int) -> Node:
        return next(node for node in self.nodes if node.port == port)

    def wait_ok(self, alive: list[Node]) -> None:
        """Until every node still running sees the cluster whole, and, when every master
        has its replica, their replicas synced (a node lists a replica only from then)."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if all("cluster_state:ok" in node.cli("cluster", "info") for node in alive) and (
                len(alive) < len(self.nodes) or all(map(self.lists_replicas, alive))
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("the Redis Cluster did not come up")

    @staticmethod
    def lists_replicas(node: Node) -> bool:
        with SyncRedis(port=node.port) as redis:
            ranges = redis.execute_command("CLUSTER SLOTS")
        # Each range: its first slot, its last, its master, then its replicas.
        return all(len(slots) > 3 for slots in ranges)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Six redis-server processes of this module's own: three masters, a replica each."""
    root = tmp_path_factory.mktemp("redis-cluster")
    nodes = [Node(root / str(n)) for n in range(6)]
    try:
        for node in nodes:
            node.wait_listening()
        subprocess.run(
            [
                REDIS_CLI, "--cluster", "create", *(node.address for node in nodes),
                "--cluster-replicas", "1", "--cluster-yes",
            ],
            capture_output=True,
            timeout=30,
            check=True,
        )  # fmt: skip
        made = Cluster(nodes)
        made.wait_ok(nodes)
        yield made
    finally:
        for node in nodes:
            if node.process.poll() is None:
                node.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def cluster_redis(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RedisCluster]:
    """A client of the cluster, as the app makes it, with the app's settings pointing there."""
    from app.core.config import settings

    monkeypatch.setattr(settings, "REDIS_CLUSTER_URLS", cluster.urls.split(","))
    client = cluster_client(decode_responses=True)
    await client.initialize()
    yield client
    await client.aclose()


def master_of(client: RedisCluster, key: str) -> str:
    node = client.get_node_from_key(key)
    assert node is not None
    return str(node.name)


def rooms_on_every_master(client: RedisCluster, per_master: int) -> list[str]:
    """Room names whose slots fall on each of the masters, `per_master` each."""
    from app.core.config import settings

    masters = {str(node.name): 0 for node in client.get_primaries()}
    rooms: list[str] = []
    while min(masters.values()) < per_master:
        room = f"room-{uuid.uuid4().hex[:10]}"
        owner = master_of(client, f"{settings.REDIS_KEY_PREFIX}room:{hash_tag(room)}")
        if masters[owner] < per_master:
            masters[owner] += 1
            rooms.append(room)
    return rooms


class Collected:
    """What a callback was given; `all` is set once it was given `wanted` things."""

    def __init__(self, wanted: int) -> None:
        self.wanted = wanted
        self.items: list[Any] = []
        self.all = asyncio.Event()

    def add(self, item: Any) -> None:
        self.items.append(item)
        if len(self.items) >= self.wanted:
            self.all.set()


async def test_a_worker_subscribes_once_per_master_and_hears_every_master_at_once(
    cluster: Cluster, cluster_redis: RedisCluster
) -> None:
    """However many rooms, one subscriber connection per master; a message from one master
    is read while the others are silent (redis-py's own reader would wait on each in turn)."""
    channels = [f"sub-{hash_tag(room)}" for room in rooms_on_every_master(cluster_redis, 4)]
    received, confirmed = Collected(len(channels)), Collected(len(channels))
    subscriber = ShardedSubscriber(
        cluster_redis,
        lambda channel, data: received.add((channel, data, time.monotonic())),
        confirmed.add,
        lambda: None,
    )
    try:
        for channel in channels:
            await subscriber.subscribe(channel)
        await asyncio.wait_for(confirmed.all.wait(), 5)
        assert sorted(confirmed.items) == sorted(channels)
        masters = {str(node.name) for node in cluster_redis.get_primaries()}
        assert set(subscriber.shards) == masters
        for master in masters:
            port = int(master.rsplit(":", 1)[1])
            clients = cluster.by_port(port).cli("client", "list")
            assert sum(" ssub=0 " not in line for line in clients.splitlines()) == 1, clients

        sent: dict[str, float] = {}
        for channel in channels:
            await asyncio.sleep(0.05)
            sent[channel] = time.monotonic()
            await cluster_redis.spublish(channel, f"to {channel}")
        await asyncio.wait_for(received.all.wait(), 5)
        assert sorted((c, d) for c, d, _ in received.items) == [
            (c, f"to {c}") for c in sorted(channels)
        ]
        slowest = max(at - sent[channel] for channel, _, at in received.items)
        assert slowest < 0.5, f"a message waited {slowest:.2f} s"
    finally:
        await subscriber.close()


async def test_a_channel_whose_slot_moves_is_subscribed_again_on_its_new_master(
    cluster: Cluster, cluster_redis: RedisCluster
) -> None:
    """A resharding moves a slot from one master to another: the master that gave it away ends
    its subscriptions there, and the channel is heard on the new one."""
    masters = sorted(cluster_redis.get_primaries(), key=lambda node: int(node.port))
    source, target = (cluster.by_port(int(node.port)) for node in masters[:2])
    # redis-cli moves the first of the source's slots: a channel in that slot.
    first = min(
        slot for slot, nodes in cluster_redis.nodes_manager.slots_cache.items()
        if nodes[0].name == masters[0].name
    )  # fmt: skip
    channel = next(
        name for n in range(1_000_000) if key_slot((name := f"moving-{n}").encode()) == first
    )
    received, confirmed = Collected(1), Collected(1)
    back = asyncio.Event()
    subscriber = ShardedSubscriber(
        cluster_redis, lambda channel, data: received.add(data), confirmed.add, back.set
    )
    try:
        await subscriber.subscribe(channel)
        await asyncio.wait_for(confirmed.all.wait(), 5)
        assert subscriber.wanted[channel] == masters[0].name
        reshard = await asyncio.create_subprocess_exec(
            REDIS_CLI, "--cluster", "reshard", source.address,
            "--cluster-from", source.cli("cluster", "myid").strip(),
            "--cluster-to", target.cli("cluster", "myid").strip(),
            "--cluster-slots", "1", "--cluster-yes",
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert await asyncio.wait_for(reshard.wait(), 30) == 0
        await asyncio.wait_for(back.wait(), 10)
        assert subscriber.wanted[channel] == masters[1].name
        await cluster_redis.nodes_manager.initialize()
        await cluster_redis.spublish(channel, "after the move")
        await asyncio.wait_for(received.all.wait(), 5)
        assert received.items == ["after the move"]
    finally:
        await subscriber.close()


async def test_an_update_is_acknowledged_once_the_replica_of_its_master_has_it(
    cluster: Cluster, cluster_redis: RedisCluster
) -> None:
    """What a master acknowledged survives its failover: the replica had it before."""
    delivered = Collected(2)
    broker = RedisClusterBroker(delivered.add, lambda: None, History(100, 100_000))
    room = rooms_on_every_master(cluster_redis, 1)[0]
    replica_name = cluster_redis.get_node_from_key(broker._key(room, "state"), replica=True)
    assert replica_name is not None
    replica = cluster.by_port(int(replica_name.port))
    try:
        await broker.subscribe(room)
        started = time.monotonic()
        assert await broker.publish(room, '{"n":1}') == 1
        assert time.monotonic() - started < 0.5
        replica.process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            assert await broker.publish(room, '{"n":2}') == 2
            waited = time.monotonic() - started
        finally:
            replica.process.send_signal(signal.SIGCONT)
        # Acknowledged without the replica only after waiting for it (REPLICA_WAIT_MS).
        assert waited >= REPLICA_WAIT_MS / 1000 * 0.9, f"acknowledged after {waited:.2f} s"
        await asyncio.wait_for(delivered.all.wait(), 5)
        assert [(e.room, e.seq, e.body) for e in delivered.items] == [
            (room, 1, '{"n":1}'),
            (room, 2, '{"n":2}'),
        ]
        assert await broker.history(room, 0) == [(1, '{"n":1}'), (2, '{"n":2}')]
    finally:
        await broker.forget(room)
        await broker.stop()


@pytest.fixture(scope="module")
def workers(database: None, cluster: Cluster) -> Iterator[tuple[Server, Server]]:
    """Two separate server processes on the cluster."""
    env = {"REDIS_CLUSTER_URLS": cluster.urls}
    with running_server("cluster-a", env=env) as a, running_server("cluster-b", env=env) as b:
        yield a, b


@pytest.fixture
async def connect_as(client: httpx.AsyncClient, make_account: MakeAccount) -> AsyncIterator[Any]:
    """`socket = await connect_as(worker)`: a new user's authenticated socket on that worker."""
    async with AsyncExitStack() as stack:

        async def open_on(worker: Server) -> SocketClient:
            account = await make_account()
            token = await login(client, account.email, account.password)
            opened, _ = await stack.enter_async_context(session(worker.ws_url, token))
            return opened

        yield open_on


async def received_until(
    member: SocketClient, room: str, last: int, workers: tuple[Server, Server]
) -> list[dict[str, Any]]:
    """The updates of `room` the member gets, up to the one numbered `last`, within 20 s."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while not got or got[-1]["seq"] < last:
        try:
            got += await updates(member, room, 1)
        except TimeoutError:
            if time.monotonic() < deadline:
                continue
            numbers = [update["seq"] for update in got]
            logs = "\n".join(worker.log_text()[-3000:] for worker in workers)
            raise AssertionError(f"room {room}: got {numbers}, not up to {last}\n{logs}") from None
    return got


async def test_a_master_fails_over_mid_session_and_no_acknowledged_update_is_lost(
    cluster: Cluster,
    cluster_redis: RedisCluster,
    workers: tuple[Server, Server],
    connect_as: Any,
    server: Server,
    superuser_token: str,
) -> None:
    from app.core.config import settings

    a, b = workers
    rooms = [
        await create_room(server.url, superuser_token, name=room)
        for room in rooms_on_every_master(cluster_redis, 1)
    ]
    alice, bob = await connect_as(a), await connect_as(b)
    for room in rooms:
        await join(alice, room)
        joined = await join(bob, room)
        assert len(joined["data"]["members"]) == 2  # alice, on the other worker, is listed
        assert (await alice.next_of("presence", in_room(room)))["data"]["event"] == "joined"
    # Per room, (number, payload) of every update acknowledged to its sender, in order.
    acknowledged: dict[str, list[tuple[int, int]]] = {room: [] for room in rooms}
    refused = 0

    async def publish_until_acknowledged(sender: SocketClient, room: str, n: int) -> None:
        nonlocal refused
        deadline = time.monotonic() + 20
        while True:
            data = {"room": room, "payload": {"n": n}}
            reply = await sender.reply("publish", data, f"{room}-{n}-{refused}")
            if reply["state"] == "published":
                acknowledged[room].append((reply["data"]["seq"], n))
                return
            # While its master is down and no replica has taken over yet: sent again.
            assert reply["code"] == "unavailable", reply
            refused += 1
            assert time.monotonic() < deadline, f"room {room} did not come back"
            await asyncio.sleep(0.1)

    async def publish_in_turn(sender: SocketClient, rooms: list[str], n: int) -> None:
        for room in rooms:
            await publish_until_acknowledged(sender, room, n)

    doomed_master = master_of(
        cluster_redis, f"{settings.REDIS_KEY_PREFIX}room:{hash_tag(rooms[0])}"
    )
    doomed = cluster.by_port(int(doomed_master.rsplit(":", 1)[1]))
    started = time.monotonic()
    for n in range(15):
        if n == 5:
            doomed.kill()
        # Both workers publish into every room at once, each from its own member.
        await asyncio.gather(
            *(
                publish_in_turn(sender, rooms, 2 * n + turn)
                for turn, sender in enumerate((alice, bob))
            )
        )
    survivors = [node for node in cluster.nodes if node is not doomed]
    cluster.wait_ok(survivors)
    await cluster_redis.nodes_manager.initialize()
    assert (
        master_of(cluster_redis, f"{settings.REDIS_KEY_PREFIX}room:{hash_tag(rooms[0])}")
        != doomed_master
    )

    alice_saw: dict[str, list[dict[str, Any]]] = {}
    for room in rooms:
        numbers = [seq for seq, _ in acknowledged[room]]
        assert len(numbers) == 30
        assert len(set(numbers)) == 30
        seen = [
            await received_until(member, room, max(numbers), workers) for member in (alice, bob)
        ]
        assert seen[0] == seen[1], f"room {room}: the workers' members saw different updates"
        assert [update["seq"] for update in seen[0]] == list(range(1, max(numbers) + 1))
        for seq, n in acknowledged[room]:
            assert seen[0][seq - 1]["payload"] == {"n": n}, f"room {room}: update {seq} lost"
        alice_saw[room] = seen[0]
    # While no master held the room's slot, its publishes were refused, not lost or held.
    assert refused > 0
    print(f"failover: {refused} publishes refused, {time.monotonic() - started:.1f} s")

    # The failed-over room's history, from its new master, replays exactly what was missed.
    carol = await connect_as(b)
    last = max(seq for seq, _ in acknowledged[rooms[0]])
    joined = (await join(carol, rooms[0], since=5))["data"]
    assert joined["history_complete"] is True
    replay = [(await carol.receive())["data"] for _ in range(last - 5)]
    assert replay == alice_saw[rooms[0]][5:]


async def test_the_throttle_counts_on_the_cluster_for_every_worker(
    cluster_redis: RedisCluster, workers: tuple[Server, Server], account: Account
) -> None:
    from app.core.config import settings

    a, b = workers
    guess = {"username": account.email, "password": "not-the-password"}
    async with httpx.AsyncClient(base_url=f"{a.url}/api/v1") as on_a:
        statuses = [
            (await on_a.post("/login/oauth", data=guess)).status_code
            for _ in range(settings.THROTTLE_PER_ACCOUNT + 1)
        ]
    assert statuses == [400] * settings.THROTTLE_PER_ACCOUNT + [429]
    async with httpx.AsyncClient(base_url=f"{b.url}/api/v1") as on_b:
        assert (await on_b.post("/login/oauth", data=guess)).status_code == 429
    key = f"{settings.REDIS_KEY_PREFIX}throttle:password:{account.email}"
    assert await cluster_redis.hget(key, "count") == str(settings.THROTTLE_PER_ACCOUNT)


def test_every_node_is_reached_with_the_seeds_scheme_and_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cluster behind TLS and a password (rediss://user:password@...): the nodes the cluster
    names are reached as the seeds are, and the client takes every seed."""
    from app.core import redis_cluster
    from app.core.config import settings

    seeds = ["rediss://app:s3cret@10.0.0.1:6380/0", "rediss://app:s3cret@10.0.0.2:6381"]
    monkeypatch.setattr(settings, "REDIS_CLUSTER_URLS", seeds)
    assert redis_cluster.node_url("10.0.0.9", 7000) == "rediss://app:s3cret@10.0.0.9:7000"
    client = redis_cluster.cluster_client()
    options = client.connection_kwargs
    assert (options["username"], options["password"]) == ("app", "s3cret")
    assert options["connection_class"].__name__ == "SSLConnection"
    assert sorted(client.nodes_manager.startup_nodes) == ["10.0.0.1:6380", "10.0.0.2:6381"]
    monkeypatch.setattr(settings, "REDIS_CLUSTER_URLS", ["redis://10.0.0.1:6379"])
    assert redis_cluster.node_url("10.0.0.9", 7000) == "redis://10.0.0.9:7000"
