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
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.backoff import ExponentialBackoff
from redis.exceptions import SlotNotCoveredError
from redis.retry import Retry

from app.core.config import settings
from app.core.redis_cluster import cluster_client, node_url
from app.realtime.rooms.broker import Envelope, History, Listener, Reconnected, new_epoch
from app.realtime.rooms.redis import (
    ENGINE_ERRORS,
    NUMBER,
    SUBSCRIBE_TIMEOUT,
    RedisRooms,
    encode,
    engine_calls,
    numbered,
)

logger = logging.getLogger(__name__)

# How long an update waits for the replica of its master before it is acknowledged without
# (the replica is down or far behind: the update is then as safe as on one Redis).
REPLICA_WAIT_MS = 500


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


class RedisClusterBroker(RedisRooms):
    def __init__(self, listener: Listener, reconnected: Reconnected, history: History) -> None:
        if "{" in settings.REDIS_KEY_PREFIX or "}" in settings.REDIS_KEY_PREFIX:
            raise ValueError("REDIS_KEY_PREFIX must hold no { or }: a room's name is its hash tag")
        client = cluster_client(
            **_client_options(), retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2)
        )
        super().__init__(listener, reconnected, history, client)
        self._cluster = client
        self._subscriber = ShardedSubscriber(
            client, self._received, self._confirm, lambda: self.reconnected()
        )

    def _channel(self, room: str) -> str:
        return f"{self._prefix}room:{hash_tag(room)}"

    def _room(self, channel: str) -> str:
        return super()._room(channel).strip("{}")

    # Delivery between workers

    async def _listen(self, channel: str) -> None:
        await self._subscriber.subscribe(channel)

    async def _unlisten(self, channel: str) -> None:
        await self._subscriber.unsubscribe(channel)

    async def _stop_listening(self) -> None:
        await self._subscriber.close()

    async def publish(self, room: str, body: str) -> int:
        state, kept = self._key(room, "state"), self._key(room, "history")
        cluster = self._cluster
        async with engine_calls():
            await cluster.initialize()  # learns the slot map again after a failover
            master = cluster.get_node_from_key(state)
            replica = cluster.get_node_from_key(state, replica=True)
            pipe = cluster.pipeline()
            pipe.eval(
                NUMBER, 2, state, kept, body, new_epoch(), self.keeps.updates, self.keeps.bytes
            )
            if replica is not None:
                # On the same connection as the script: its write, once a replica has it.
                pipe.execute_command("WAIT", 1, REPLICA_WAIT_MS, target_nodes=master)
            results = await pipe.execute()
            seq, epoch = int(results[0][0]), results[0][1]
            if replica is not None and int(results[1]) < 1:
                logger.warning("Room %s: update %d is on its master only", room, seq)
            await cluster.spublish(self._channel(room), numbered(seq, epoch, body))
        return seq

    async def broadcast(self, envelope: Envelope) -> None:
        async with engine_calls():
            await self._cluster.spublish(self._channel(envelope.room), encode(envelope))

    # Members

    async def _renew_lease(self) -> None:
        await super()._renew_lease()
        # The client learns of a replica that came (synced) or went (failed) only from a fresh
        # slot map: an update waits for the replicas it lists.
        await self._cluster.nodes_manager.initialize()

    async def _leases(self, workers: list[str]) -> list[str | None]:
        # The leases sit in slots of their own: one request per master that holds some.
        leases = await self._cluster.mget_nonatomic([self._lease(w) for w in workers])
        return cast(list[str | None], leases)
