"""The throttle's counts in Redis: one Lua script per attempt, keys under REDIS_KEY_PREFIX.

Each script reads and writes its one key only, so on a Redis Cluster (REDIS_CLUSTER_URLS) it
runs on the master of that key's slot, as it would on one Redis.
"""

from datetime import UTC, datetime, timedelta
from typing import cast

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from app.core.config import settings
from app.core.redis_cluster import cluster_client
from app.throttle.policy import Throttled, retry_after

# KEYS: the counter (a hash: count, blocked until in ms); ARGV: now (ms), free, the longest delay
# (ms), the window (ms), the first delay (ms). Returns 0 when taken, else the ms left of the block.
# The wait is `delay()`'s formula: the count and the block must change in one atomic step.
TAKE = """
local now = tonumber(ARGV[1])
local values = redis.call('HMGET', KEYS[1], 'count', 'blocked')
local blocked = tonumber(values[2]) or 0
if blocked > now then return blocked - now end
local count = (tonumber(values[1]) or 0) + 1
local free = tonumber(ARGV[2])
local wait = 0
if count >= free then
    wait = math.min(tonumber(ARGV[3]), tonumber(ARGV[5]) * 2 ^ math.min(count - free, 30))
end
redis.call('HSET', KEYS[1], 'count', count, 'blocked', now + wait)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + wait)
return 0
"""
GIVE_BACK = """
if redis.call('HINCRBY', KEYS[1], 'count', -1) < 0 then redis.call('HSET', KEYS[1], 'count', 0) end
"""

_redis: Redis | RedisCluster | None = None


def _client() -> Redis | RedisCluster:
    global _redis
    if _redis is None:
        if settings.REDIS_CLUSTER_URLS:
            _redis = cluster_client(socket_connect_timeout=2, socket_timeout=5)
        else:
            _redis = Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    return _redis


def _key(key: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}throttle:{key}"


async def take(key: str, free: int) -> None:
    now = datetime.now(UTC)
    left = await _client().eval(
        TAKE,
        1,
        _key(key),
        int(now.timestamp() * 1000),
        free,
        settings.THROTTLE_MAX_DELAY * 1000,
        settings.THROTTLE_WINDOW * 1000,
        int(settings.THROTTLE_FIRST_DELAY * 1000),
    )
    if int(cast(int, left)) > 0:
        raise Throttled(retry_after(now + timedelta(milliseconds=int(left)), now))


async def forget(key: str) -> None:
    await _client().delete(_key(key))


async def give_back(key: str) -> None:
    await _client().eval(GIVE_BACK, 1, _key(key))


async def close() -> None:
    global _redis
    if _redis is not None:
        await _redis.aclose()
        _redis = None
