"""Rooms across workers and machines on Redis.

An update is numbered, kept and published by one Lua script, so its number, its place in the
history and its delivery cannot come apart: every worker sees one sequence per room. Pub/sub
carries envelopes between workers; a sorted set per room keeps the latest updates for members
who rejoin; a hash per room lists its members, each under the lease of the worker that serves it.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from app.core.config import settings
from app.rooms.broker import Broker, BrokerUnavailable, Envelope, Listener, Reconnected

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30
RENEW_EVERY = 10
SUBSCRIBE_TIMEOUT = 5.0

# KEYS: sequence counter, history; ARGV: channel, body, history size.
PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, seq .. ' ' .. ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
redis.call('PUBLISH', ARGV[1], 'u ' .. seq .. ' ' .. ARGV[2])
return seq
"""


@asynccontextmanager
async def _engine_calls() -> AsyncIterator[None]:
    try:
        yield
    except (RedisError, OSError) as error:
        raise BrokerUnavailable(str(error)) from error


class RedisBroker(Broker):
    def __init__(self, listener: Listener, reconnected: Reconnected, history_size: int) -> None:
        super().__init__(listener, reconnected, history_size)
        self._redis = Redis.from_url(
            settings.REDIS_URL,
            decode_responses=True,
            socket_connect_timeout=2,
            socket_timeout=5,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
        )
        self._prefix = settings.REDIS_KEY_PREFIX
        self._worker = uuid.uuid4().hex
        self._pubsub: PubSub = self._redis.pubsub()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._subscribed = asyncio.Event()
        self._publish = self._redis.register_script(PUBLISH)
        self._tasks: list[asyncio.Task[None]] = []

    def _channel(self, room: str) -> str:
        return f"{self._prefix}room:{room}"

    def _key(self, room: str, part: str) -> str:
        return f"{self._prefix}room:{room}:{part}"

    def _lease(self, worker: str) -> str:
        return f"{self._prefix}worker:{worker}"

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._read(), name="rooms-redis-reader"),
            asyncio.create_task(self._keep_lease(), name="rooms-redis-lease"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        with suppress(RedisError, OSError):
            await self._redis.delete(self._lease(self._worker))
        with suppress(RedisError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()

    # Delivery between workers

    async def subscribe(self, room: str) -> None:
        channel = self._channel(room)
        confirmed = self._confirmed[channel] = asyncio.Event()
        try:
            async with _engine_calls():
                await self._pubsub.subscribe(channel)
            self._subscribed.set()
            # Only once Redis confirms is every later publish sure to reach this worker.
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await confirmed.wait()
        except (TimeoutError, BrokerUnavailable):
            self._confirmed.pop(channel, None)
            with suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(channel)
            raise BrokerUnavailable(f"could not subscribe to {channel}") from None

    async def unsubscribe(self, room: str) -> None:
        channel = self._channel(room)
        self._confirmed.pop(channel, None)
        async with _engine_calls():
            await self._pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        delay = 0.1
        lost = False
        while True:
            await self._subscribed.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except (RedisError, OSError) as error:
                if not lost:
                    logger.warning("Lost Redis pub/sub (%s); reconnecting", error)
                lost = True
                # Reconnecting (and subscribing again) happens on the next read.
                if self._pubsub.connection is not None:
                    with suppress(RedisError, OSError):
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
        channel = message["channel"]
        if message["type"] == "subscribe":
            if (confirmed := self._confirmed.get(channel)) is not None:
                confirmed.set()
            return
        if message["type"] != "message" or channel not in self._confirmed:
            return
        room = channel.removeprefix(f"{self._prefix}room:")
        kind, mark, body = message["data"].split(" ", 2)
        if kind == "u":
            self.listener(Envelope(room, int(mark), body))
        else:
            self.listener(Envelope(room, None, body, exclude=None if mark == "-" else mark))

    async def publish(self, room: str, body: str) -> int:
        async with _engine_calls():
            seq = await self._publish(
                keys=[self._key(room, "seq"), self._key(room, "history")],
                args=[self._channel(room), body, self.history_size],
            )
        return int(seq)

    async def broadcast(self, envelope: Envelope) -> None:
        data = f"p {envelope.exclude or '-'} {envelope.body}"
        async with _engine_calls():
            await self._redis.publish(self._channel(envelope.room), data)

    # Sequence and history

    async def last_seq(self, room: str) -> int:
        async with _engine_calls():
            seq = await self._redis.get(self._key(room, "seq"))
        return int(seq or 0)

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

    # Members, each under the lease of the worker that serves its socket

    async def _keep_lease(self) -> None:
        while True:
            with suppress(RedisError, OSError):
                await self._redis.set(self._lease(self._worker), "1", ex=LEASE_SECONDS)
            await asyncio.sleep(RENEW_EVERY)

    async def _live_members(self, room: str) -> list[str]:
        key = self._key(room, "members")
        entries = cast(dict[str, str], await self._redis.hgetall(key))
        workers = sorted({field.split(":", 1)[0] for field in entries})
        alive = dict(
            zip(workers, await self._redis.mget([self._lease(w) for w in workers]), strict=True)
        )
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
