"""Rooms across workers and machines on Redis.

An update is numbered, kept and published by one Lua script, so its number, its place in the
history and its delivery cannot come apart: every worker sees one sequence per room. Pub/sub
carries envelopes between workers; a sorted set per room keeps the latest updates for members
who rejoin; a hash per room lists its members, each under the lease of the worker that serves it.
"""

import asyncio
import logging
import uuid
from abc import abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisClusterException, RedisError
from redis.retry import Retry

from app.core.config import settings
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

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30
RENEW_EVERY = 10
SUBSCRIBE_TIMEOUT = 5.0

# A room's state is a hash: seq (the latest number), epoch (set when the room is first used, so
# it is gone, and made anew, whenever the numbering is), bytes (what the history holds).
# KEYS: state, history; ARGV: a new epoch.
POSITION = """
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
return redis.call('HMGET', KEYS[1], 'seq', 'epoch')
"""
# Numbers an update and keeps it in the history, within the limits.
# KEYS: state, history; ARGV: body, a new epoch, most updates kept, most bytes kept.
_NUMBER_AND_KEEP = """
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[2])
local epoch = redis.call('HGET', KEYS[1], 'epoch')
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
"""
# Returns the update's number and the epoch of the numbering.
NUMBER = _NUMBER_AND_KEEP + "return {seq, epoch}\n"
# As NUMBER, and published (as `numbered` writes it) on the channel ARGV[5] in the same step.
PUBLISH = (
    _NUMBER_AND_KEEP
    + """
redis.call('PUBLISH', ARGV[5], 'u ' .. seq .. ' ' .. epoch .. ' ' .. ARGV[1])
return seq
"""
)

# What the clients raise when the engine cannot answer; a cluster client raises
# RedisClusterException too (no node knows a slot yet, a bad seed).
ENGINE_ERRORS = (RedisError, RedisClusterException, OSError)


def numbered(seq: int, epoch: str, body: str) -> str:
    """An update as it travels: its number, the epoch of the numbering, its body."""
    return f"u {seq} {epoch} {body}"


def encode(envelope: Envelope) -> str:
    """An unnumbered envelope as it travels: its kind, its mark, its body."""
    if envelope.keep_only is not None:
        return f"k {','.join(sorted(envelope.keep_only)) or '-'} {envelope.body}"
    return f"p {envelope.exclude or '-'} {envelope.body}"


def decode(room: str, data: str) -> Envelope:
    """What a message of the room's channel carries: an update (`u`), a put-out (`k`) or news
    (`p`)."""
    kind, mark, body = data.split(" ", 2)
    if kind == "u":
        epoch, body = body.split(" ", 1)
        return Envelope(room, int(mark), body, epoch=epoch)
    if kind == "k":
        keep = frozenset(mark.split(",")) if mark != "-" else frozenset()
        return Envelope(room, None, body, keep_only=keep)
    return Envelope(room, None, body, exclude=None if mark == "-" else mark)


@asynccontextmanager
async def engine_calls() -> AsyncIterator[None]:
    try:
        yield
    except ENGINE_ERRORS as error:
        raise BrokerUnavailable(str(error)) from error


class RedisRooms(Broker):
    """What a room keeps in Redis (its numbering, history and members, each member under the
    lease of the worker that serves its socket) and the wait for a channel's confirmation: the
    part that one Redis (RedisBroker) and a Redis Cluster (redis_cluster.py) share. An engine
    gives the client, the channel's name and how it listens to a channel."""

    def __init__(
        self,
        listener: Listener,
        reconnected: Reconnected,
        history: History,
        client: Redis | RedisCluster,
    ) -> None:
        super().__init__(listener, reconnected, history)
        self._redis = client
        self._prefix = settings.REDIS_KEY_PREFIX
        self._worker = uuid.uuid4().hex
        # The channels subscribed to, each set once Redis confirms it.
        self._confirmed: dict[str, asyncio.Event] = {}
        self._position = client.register_script(POSITION)
        self._tasks: list[asyncio.Task[None]] = []

    def _channel(self, room: str) -> str:
        return f"{self._prefix}room:{room}"

    def _room(self, channel: str) -> str:
        return channel.removeprefix(f"{self._prefix}room:")

    def _key(self, room: str, part: str) -> str:
        return f"{self._channel(room)}:{part}"

    def _lease(self, worker: str) -> str:
        return f"{self._prefix}worker:{worker}"

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._keep_lease(), name="rooms-redis-lease"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        await self._stop_listening()
        with suppress(*ENGINE_ERRORS):
            await self._redis.delete(self._lease(self._worker))
        await self._redis.aclose()

    # Delivery between workers: what an engine listens with

    @abstractmethod
    async def _listen(self, channel: str) -> None:
        """Subscribe; Redis's confirmation is to come to `_confirm`."""

    @abstractmethod
    async def _unlisten(self, channel: str) -> None: ...

    @abstractmethod
    async def _stop_listening(self) -> None: ...

    def _confirm(self, channel: str) -> None:
        if (confirmed := self._confirmed.get(channel)) is not None:
            confirmed.set()

    def _received(self, channel: str, data: str) -> None:
        if channel in self._confirmed:
            self.listener(decode(self._room(channel), data))

    async def subscribe(self, room: str) -> None:
        channel = self._channel(room)
        confirmed = self._confirmed[channel] = asyncio.Event()
        try:
            async with engine_calls():
                await self._listen(channel)
            # Only once Redis confirms is every later publish sure to reach this worker.
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await confirmed.wait()
        except (TimeoutError, BrokerUnavailable):
            self._confirmed.pop(channel, None)
            with suppress(*ENGINE_ERRORS):
                await self._unlisten(channel)
            raise BrokerUnavailable(f"could not subscribe to {channel}") from None

    async def unsubscribe(self, room: str) -> None:
        channel = self._channel(room)
        self._confirmed.pop(channel, None)
        async with engine_calls():
            await self._unlisten(channel)

    # Sequence and history

    async def position(self, room: str) -> Position:
        async with engine_calls():
            seq, epoch = await self._position(
                keys=[self._key(room, "state"), self._key(room, "history")], args=[new_epoch()]
            )
        return Position(int(seq or 0), epoch)

    async def history(self, room: str, since: int) -> list[tuple[int, str]]:
        async with engine_calls():
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
        async with engine_calls():
            await self._redis.delete(
                *(self._key(room, part) for part in ("state", "history", "members"))
            )

    # Members, each under the lease of the worker that serves its socket

    async def _keep_lease(self) -> None:
        while True:
            with suppress(*ENGINE_ERRORS):
                await self._renew_lease()
            await asyncio.sleep(RENEW_EVERY)

    async def _renew_lease(self) -> None:
        await self._redis.set(self._lease(self._worker), "1", ex=LEASE_SECONDS)

    async def _leases(self, workers: list[str]) -> list[str | None]:
        return cast(list[str | None], await self._redis.mget([self._lease(w) for w in workers]))

    async def _live_members(self, room: str) -> list[str]:
        key = self._key(room, "members")
        entries = cast(dict[str, str], await self._redis.hgetall(key))
        workers = sorted({field.split(":", 1)[0] for field in entries})
        alive = dict(zip(workers, await self._leases(workers) if workers else [], strict=True))
        stale = [field for field in entries if alive[field.split(":", 1)[0]] is None]
        if stale:
            await self._redis.hdel(key, *stale)
        return [member for field, member in entries.items() if field not in stale]

    async def add_member(self, room: str, connection: str, member: str) -> list[str]:
        async with engine_calls():
            await self._redis.set(self._lease(self._worker), "1", ex=LEASE_SECONDS)
            await self._redis.hset(
                self._key(room, "members"), f"{self._worker}:{connection}", member
            )
            return await self._live_members(room)

    async def remove_member(self, room: str, connection: str) -> list[str]:
        async with engine_calls():
            await self._redis.hdel(self._key(room, "members"), f"{self._worker}:{connection}")
            return await self._live_members(room)


class RedisBroker(RedisRooms):
    """Rooms on one Redis (REDIS_URL): one pub/sub connection per worker carries every room."""

    def __init__(self, listener: Listener, reconnected: Reconnected, history: History) -> None:
        client = Redis.from_url(
            settings.REDIS_URL,
            decode_responses=True,
            socket_connect_timeout=2,
            socket_timeout=5,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
        )
        super().__init__(listener, reconnected, history, client)
        self._pubsub: PubSub = client.pubsub()
        self._subscribed = asyncio.Event()
        self._publish = client.register_script(PUBLISH)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._read(), name="rooms-redis-reader"))
        await super().start()

    async def _listen(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._subscribed.set()

    async def _unlisten(self, channel: str) -> None:
        await self._pubsub.unsubscribe(channel)

    async def _stop_listening(self) -> None:
        with suppress(*ENGINE_ERRORS):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _read(self) -> None:
        delay = 0.1
        lost = False
        while True:
            await self._subscribed.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except ENGINE_ERRORS as error:
                if not lost:
                    logger.warning("Lost Redis pub/sub (%s); reconnecting", error)
                lost = True
                # Reconnecting (and subscribing again) happens on the next read.
                if self._pubsub.connection is not None:
                    with suppress(*ENGINE_ERRORS):
                        await self._pubsub.connection.disconnect()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if lost:
                logger.info("Redis pub/sub is back")
                lost, delay = False, 0.1
                self.reconnected()
            if message is not None:
                self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] == "subscribe":
            self._confirm(message["channel"])
        elif message["type"] == "message":
            self._received(message["channel"], message["data"])

    async def publish(self, room: str, body: str) -> int:
        async with engine_calls():
            seq = await self._publish(
                keys=[self._key(room, "state"), self._key(room, "history")],
                args=[body, new_epoch(), self.keeps.updates, self.keeps.bytes, self._channel(room)],
            )
        return int(seq)

    async def broadcast(self, envelope: Envelope) -> None:
        async with engine_calls():
            await self._redis.publish(self._channel(envelope.room), encode(envelope))
