"""Rooms on a Redis Cluster (REDIS_CLUSTER_URLS), for when one Redis is not enough.

Every key and the channel of a room share one hash tag, `{room}`: they sit in one slot, on one
master, so the scripts of app/realtime/rooms/redis.py number and keep a room's updates there as
on one Redis, and rooms spread over the masters. Updates travel by sharded pub/sub (SPUBLISH),
which stays on the master that owns the room's slot and its replicas, instead of every node.

An update is numbered and kept first, then, once the master's replica has it too (WAIT), it is
published and acknowledged: a failover may lose an update no one was told about (its sender
may send it again), never one that was acknowledged or published, so a number members got is
not given to another update. (A read of the history, a join's or a gap's, may still see an
update in the instant between its numbering and its replica's answer.) Updates of one room
published by two workers at once may arrive out of order; the hub puts them back in order from
the history, as after any gap.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisClusterException, RedisError, SlotNotCoveredError
from redis.retry import Retry

from app.core.config import settings
from app.core.redis_cluster import cluster_client, node_url
from app.realtime.rooms.broker import (
    Broker,
    BrokerUnavailable,
    Envelope,
    History,
    Listener,
    Position,
    Reconnected,
    new_epoch,
)
from app.realtime.rooms.redis import (
    LEASE_SECONDS,
    POSITION,
    RENEW_EVERY,
    SUBSCRIBE_TIMEOUT,
    decode,
    encode,
)

logger = logging.getLogger(__name__)

# How long an update waits for the replica of its master before it is acknowledged without
# (the replica is down or far behind: the update is then as safe as on one Redis).
REPLICA_WAIT_MS = 500

# As app/realtime/rooms/redis.py's PUBLISH, without publishing: that comes once it is safe.
# KEYS: state, history; ARGV: body, a new epoch, most updates kept, most bytes kept.
NUMBER = """
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[2])
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local entry = seq .. ' ' .. ARGV[1]
redis.call('ZADD', KEYS[2], seq, entry)
local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', #entry)
local size = redis.call('ZCARD', KEYS[2])
while size > 1 and (size > tonumber(ARGV[3]) or bytes > tonumber(ARGV[4])) do
    local oldest = redis.call('ZPOPMIN', KEYS[2])
    bytes = redis.call('HINCRBY', KEYS[1], 'bytes', -#oldest[1])
    size = size - 1
end
return seq
"""

# What the cluster client raises besides RedisError: no node knows the slot (yet), a bad seed.
ENGINE_ERRORS = (RedisError, RedisClusterException, OSError)


@asynccontextmanager
async def _engine_calls() -> AsyncIterator[None]:
    try:
        yield
    except ENGINE_ERRORS as error:
        raise BrokerUnavailable(str(error)) from error


def hash_tag(room: str) -> str:
    """A room's name as the hash tag of its keys and channel (room names hold no braces)."""
    return "{" + room + "}"


def _client_options() -> dict[str, Any]:
    return {"decode_responses": True, "socket_connect_timeout": 2, "socket_timeout": 5}


@dataclass
class _Shard:
    """One master's subscriber connection, and the task that reads it."""

    node: str
    redis: Redis
    pubsub: PubSub
    channels: set[str] = field(default_factory=set)
    reader: asyncio.Task[None] | None = None


class ShardedSubscriber:
    """Sharded pub/sub over one connection per master that owns a subscribed channel.

    redis-py's ClusterPubSub subscribes the same way, one connection per node, but its reader
    (get_sharded_message) asks the nodes one after the other, each for up to the whole timeout:
    a message of one master waits while another's connection is being waited on. Here each
    connection has a reader task of its own, built on redis-py's plain PubSub and the cluster
    client's slot map (get_node_from_key). When a connection fails or its master gives a slot
    away (a failover, a resharding), its channels are subscribed again wherever their slots
    are now, and `back` is called, since messages may have been missed meanwhile.
    """

    def __init__(
        self,
        cluster: RedisCluster,
        received: Callable[[str, str], None],
        confirmed: Callable[[str], None],
        back: Callable[[], None],
    ) -> None:
        self.cluster = cluster
        self.received = received
        self.confirmed = confirmed
        self.back = back
        self.shards: dict[str, _Shard] = {}
        # Every channel wanted, and the master it is subscribed on (None: being moved).
        self.wanted: dict[str, str | None] = {}
        self._moving: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        # Channels subscribed to whose master has not confirmed it yet.
        self._unconfirmed: dict[str, asyncio.Event] = {}

    async def subscribe(self, channel: str) -> None:
        self.wanted[channel] = None
        await self.cluster.initialize()  # learns the slot map, once
        async with self._lock:
            await self._attach(channel)

    async def unsubscribe(self, channel: str) -> None:
        node = self.wanted.pop(channel, None)
        self._unconfirmed.pop(channel, None)
        shard = self.shards.get(node) if node is not None else None
        if shard is None:
            return
        shard.channels.discard(channel)
        await shard.pubsub.sunsubscribe(channel)

    async def close(self) -> None:
        if self._moving is not None:
            self._moving.cancel()
            with suppress(asyncio.CancelledError):
                await self._moving
        for shard in list(self.shards.values()):
            await self._drop(shard)

    async def _attach(self, channel: str) -> None:
        if channel not in self.wanted:
            return
        node = self.cluster.get_node_from_key(channel)
        if node is None:
            raise SlotNotCoveredError(f"no master holds {channel}'s slot")
        shard = self.shards.get(node.name)
        if shard is None:
            redis = Redis.from_url(node_url(node.host, int(node.port)), **_client_options())
            shard = self.shards[node.name] = _Shard(node.name, redis, redis.pubsub())
        self._unconfirmed[channel] = asyncio.Event()
        try:
            # One channel a command: a node refuses SSUBSCRIBE to channels of different slots.
            await shard.pubsub.ssubscribe(channel)
        except ENGINE_ERRORS:
            if shard.reader is None:
                await self._drop(shard)
            raise
        shard.channels.add(channel)
        self.wanted[channel] = node.name
        if shard.reader is None:
            shard.reader = asyncio.create_task(self._read(shard), name=f"rooms-shard-{node.name}")

    async def _drop(self, shard: _Shard) -> None:
        if self.shards.get(shard.node) is shard:
            del self.shards[shard.node]
        if shard.reader is not None and shard.reader is not asyncio.current_task():
            shard.reader.cancel()
            with suppress(asyncio.CancelledError):
                await shard.reader
        with suppress(*ENGINE_ERRORS):
            await shard.pubsub.aclose()  # type: ignore[no-untyped-call]
        with suppress(*ENGINE_ERRORS):
            await shard.redis.aclose()

    async def _read(self, shard: _Shard) -> None:
        try:
            while True:
                message = await shard.pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._handle(shard, message)
        except ENGINE_ERRORS as error:
            logger.warning(
                "Lost the Redis Cluster node %s (%s); moving its rooms", shard.node, error
            )
            for channel in shard.channels:
                if self.wanted.get(channel) == shard.node:
                    self.wanted[channel] = None
            await self._drop(shard)
            self._move_lost()

    def _handle(self, shard: _Shard, message: dict[str, Any]) -> None:
        kind, channel = message["type"], message["channel"]
        if kind == "smessage":
            self.received(channel, message["data"])
        elif kind == "ssubscribe":
            if (unconfirmed := self._unconfirmed.pop(channel, None)) is not None:
                unconfirmed.set()
            self.confirmed(channel)
        elif kind == "sunsubscribe" and self.wanted.get(channel) == shard.node:
            # Not asked for: the master gave the channel's slot away.
            shard.channels.discard(channel)
            self.wanted[channel] = None
            self._move_lost()

    def _move_lost(self) -> None:
        if self._moving is None or self._moving.done():
            self._moving = asyncio.create_task(self._resubscribe(), name="rooms-shard-moves")

    async def _resubscribe(self) -> None:
        """Subscribe every channel that lost its master again, where the cluster now says."""
        delay = 0.1
        while True:
            lost = [channel for channel, node in self.wanted.items() if node is None]
            if not lost:
                break
            try:
                # The slot map as the cluster sees it now (after a failover, once a replica
                # took over), not as this client last learnt it.
                await self.cluster.nodes_manager.initialize()
                async with self._lock:
                    for channel in lost:
                        await self._attach(channel)
                # What was published before a master confirmed may be missed: `back` comes
                # after, so that the hub's look at the history covers it.
                waits = [self._unconfirmed[c].wait() for c in lost if c in self._unconfirmed]
                with suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.gather(*waits), SUBSCRIBE_TIMEOUT)
            except ENGINE_ERRORS as error:
                logger.info("Redis Cluster not ready for the moved rooms yet (%s)", error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        logger.info("Rooms subscribed again on the Redis Cluster")
        self.back()


class RedisClusterBroker(Broker):
    def __init__(self, listener: Listener, reconnected: Reconnected, history: History) -> None:
        super().__init__(listener, reconnected, history)
        self._redis = cluster_client(
            **_client_options(), retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2)
        )
        self._prefix = settings.REDIS_KEY_PREFIX
        if "{" in self._prefix or "}" in self._prefix:
            raise ValueError("REDIS_KEY_PREFIX must hold no { or }: a room's name is its hash tag")
        self._worker = uuid.uuid4().hex
        self._confirmed: dict[str, asyncio.Event] = {}
        self._subscriber = ShardedSubscriber(
            self._redis, self._received, self._confirm, lambda: self.reconnected()
        )
        self._position = self._redis.register_script(POSITION)
        self._tasks: list[asyncio.Task[None]] = []

    def _channel(self, room: str) -> str:
        return f"{self._prefix}room:{hash_tag(room)}"

    def _key(self, room: str, part: str) -> str:
        return f"{self._channel(room)}:{part}"

    def _lease(self, worker: str) -> str:
        return f"{self._prefix}worker:{worker}"

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._keep_lease(), name="rooms-redis-lease")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        await self._subscriber.close()
        with suppress(*ENGINE_ERRORS):
            await self._redis.delete(self._lease(self._worker))
        await self._redis.aclose()

    # Delivery between workers

    def _confirm(self, channel: str) -> None:
        if (confirmed := self._confirmed.get(channel)) is not None:
            confirmed.set()

    def _received(self, channel: str, data: str) -> None:
        if channel in self._confirmed:
            room = channel.removeprefix(f"{self._prefix}room:").strip("{}")
            self.listener(decode(room, data))

    async def subscribe(self, room: str) -> None:
        channel = self._channel(room)
        confirmed = self._confirmed[channel] = asyncio.Event()
        try:
            async with _engine_calls():
                await self._subscriber.subscribe(channel)
            # Only once Redis confirms is every later publish sure to reach this worker.
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await confirmed.wait()
        except (TimeoutError, BrokerUnavailable):
            self._confirmed.pop(channel, None)
            with suppress(*ENGINE_ERRORS):
                await self._subscriber.unsubscribe(channel)
            raise BrokerUnavailable(f"could not subscribe to {channel}") from None

    async def unsubscribe(self, room: str) -> None:
        channel = self._channel(room)
        self._confirmed.pop(channel, None)
        async with _engine_calls():
            await self._subscriber.unsubscribe(channel)

    async def publish(self, room: str, body: str) -> int:
        state, kept = self._key(room, "state"), self._key(room, "history")
        async with _engine_calls():
            await self._redis.initialize()  # learns the slot map again after a failover
            master = self._redis.get_node_from_key(state)
            replica = self._redis.get_node_from_key(state, replica=True)
            pipe = self._redis.pipeline()
            pipe.eval(
                NUMBER, 2, state, kept, body, new_epoch(), self.keeps.updates, self.keeps.bytes
            )
            if replica is not None:
                # On the same connection as the script: its write, once a replica has it.
                pipe.execute_command("WAIT", 1, REPLICA_WAIT_MS, target_nodes=master)
            results = await pipe.execute()
            seq = int(results[0])
            if replica is not None and int(results[1]) < 1:
                logger.warning("Room %s: update %d is on its master only", room, seq)
            await self._redis.spublish(self._channel(room), f"u {seq} {body}")
        return seq

    async def broadcast(self, envelope: Envelope) -> None:
        async with _engine_calls():
            await self._redis.spublish(self._channel(envelope.room), encode(envelope))

    # Sequence and history

    async def position(self, room: str) -> Position:
        async with _engine_calls():
            seq, epoch = await self._position(
                keys=[self._key(room, "state"), self._key(room, "history")], args=[new_epoch()]
            )
        return Position(int(seq or 0), epoch)

    async def history(self, room: str, since: int) -> list[tuple[int, str]]:
        async with _engine_calls():
            entries = cast(
                list[str],
                await self._redis.zrangebyscore(self._key(room, "history"), f"({since}", "+inf"),
            )
        kept = []
        for entry in entries:
            seq, body = entry.split(" ", 1)
            kept.append((int(seq), body))
        return kept

    async def forget(self, room: str) -> None:
        async with _engine_calls():
            await self._redis.delete(
                *(self._key(room, part) for part in ("state", "history", "members"))
            )

    # Members, each under the lease of the worker that serves its socket

    async def _keep_lease(self) -> None:
        while True:
            with suppress(*ENGINE_ERRORS):
                await self._redis.set(self._lease(self._worker), "1", ex=LEASE_SECONDS)
                # The client learns of a replica that came (synced) or went (failed) only
                # from a fresh slot map: an update waits for the replicas it lists.
                await self._redis.nodes_manager.initialize()
            await asyncio.sleep(RENEW_EVERY)

    async def _live_members(self, room: str) -> list[str]:
        key = self._key(room, "members")
        entries = cast(dict[str, str], await self._redis.hgetall(key))
        workers = sorted({field.split(":", 1)[0] for field in entries})
        # The leases sit in slots of their own: one request per master that holds some.
        leases = (
            await self._redis.mget_nonatomic([self._lease(w) for w in workers]) if workers else []
        )
        alive = dict(zip(workers, leases, strict=True))
        stale = [field for field in entries if alive[field.split(":", 1)[0]] is None]
        if stale:
            await self._redis.hdel(key, *stale)
        return [member for field, member in entries.items() if field not in stale]

    async def add_member(self, room: str, connection: str, member: str) -> list[str]:
        async with _engine_calls():
            await self._redis.set(self._lease(self._worker), "1", ex=LEASE_SECONDS)
            await self._redis.hset(
                self._key(room, "members"), f"{self._worker}:{connection}", member
            )
            return await self._live_members(room)

    async def remove_member(self, room: str, connection: str) -> list[str]:
        async with _engine_calls():
            await self._redis.hdel(self._key(room, "members"), f"{self._worker}:{connection}")
            return await self._live_members(room)
