"""Slowing down guessers: attempts counted per account and per client address, for every worker.

Each attempt (a password, a code, a request for a mail) is counted *before* the work it asks
for, in one atomic step that also refuses it while its key is blocked; so a thousand concurrent
guesses get no more checks than a thousand sequential ones. The first THROTTLE_PER_ACCOUNT
attempts of an account (THROTTLE_PER_ADDRESS of a client address) pass at once; from then on
each one blocks the key for THROTTLE_FIRST_DELAY (1 s), then twice as long each time, up to
THROTTLE_MAX_DELAY, and a refused
attempt is told how long to wait (429 and Retry-After). A success forgives the account's count
and gives the address its attempt back. A key is forgotten THROTTLE_WINDOW seconds after its
last attempt.

The counts live {% if cookiecutter.realtime_broker == "redis" %}in Redis (one Lua script per attempt){% else %}in the database (one upsert per attempt){% endif %}, shared by every worker. The `limits`
package was not used: it keeps fixed or moving windows (no growing delays) and has no SQL
storage.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
{%- if cookiecutter.realtime_broker == "redis" %}
from typing import cast

from redis.asyncio import Redis
{%- else %}

from sqlalchemy import case, delete, select, update
{%- if cookiecutter.database == "sqlite" %}
from sqlalchemy.dialects.sqlite import insert
{%- else %}
from sqlalchemy.dialects.postgresql import insert
{%- endif %}
{%- endif %}

from app.core.config import settings
{%- if cookiecutter.realtime_broker != "redis" %}
from app.core.db import open_db
from app.models import AttemptCounter
{%- endif %}

# Longer account names (anyone may type anything as a username) are counted by their digest.
MAX_NAME = 200


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"blocked for {retry_after} more seconds")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Keys:
    """What one attempt counts against: an account (of one kind of check) and an address."""

    account: str
    address: str | None

    @classmethod
    def of(cls, kind: str, account: object, address: str | None) -> "Keys":
        """`kind` keeps passwords, codes and mails apart for one account; every kind shares
        the address's count."""
        return cls(f"{kind}:{_name(account)}", f"address:{_name(address)}" if address else None)


def _name(value: object) -> str:
    """A key's name as it was typed, unless it is too long or odd to store as it is."""
    text = str(value).lower()
    if len(text) > MAX_NAME or not text.isprintable():
        return hashlib.sha256(text.encode(errors="replace")).hexdigest()
    return text


def delay(count: int, free: int) -> float:
    """Seconds the key is blocked after its `count`th attempt."""
    if count < free:
        return 0.0
    doubled = settings.THROTTLE_FIRST_DELAY * 2 ** min(count - free, 30)
    return float(min(settings.THROTTLE_MAX_DELAY, doubled))


async def attempt(keys: Keys) -> None:
    """Count an attempt against both keys; Throttled while either is blocked."""
    await _take(keys.account, settings.THROTTLE_PER_ACCOUNT)
    if keys.address is not None:
        await _take(keys.address, settings.THROTTLE_PER_ADDRESS)


async def succeeded(keys: Keys) -> None:
    """The attempt was good: forget the account's count, give the address its attempt back."""
    await _forget(keys.account)
    if keys.address is not None:
        await _give_back(keys.address)


def _retry_after(blocked_until: datetime, now: datetime) -> int:
    return max(1, math.ceil((blocked_until - now).total_seconds()))
{%- if cookiecutter.realtime_broker == "redis" %}


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

_redis: Redis | None = None


def _client() -> Redis:
    global _redis
    if _redis is None:
        _redis = Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    return _redis


def _key(key: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}throttle:{key}"


async def _take(key: str, free: int) -> None:
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
        raise Throttled(_retry_after(now + timedelta(milliseconds=int(left)), now))


async def _forget(key: str) -> None:
    await _client().delete(_key(key))


async def _give_back(key: str) -> None:
    await _client().eval(GIVE_BACK, 1, _key(key))


async def close() -> None:
    global _redis
    if _redis is not None:
        await _redis.aclose()
        _redis = None
{%- else %}


# Expired counters are deleted once in this many attempts of a process.
SWEEP_EVERY = 200
_attempts_since_sweep = 0


async def _take(key: str, free: int) -> None:
    global _attempts_since_sweep
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=settings.THROTTLE_WINDOW)
    table = AttemptCounter
    first = insert(table).values(key=key, count=1, blocked_until=now, expires_at=expires)
    # One statement counts and refuses: a blocked key's row is left as it is, and no row comes
    # back. The row stays locked until the commit, so concurrent attempts queue behind it.
    upsert = first.on_conflict_do_update(
        index_elements=[table.key],
        set_={
            "count": case((table.expires_at > now, table.count + 1), else_=1),
            "expires_at": expires,
        },
        where=table.blocked_until <= now,
    ).returning(table.count)
    async with open_db() as db:
        count = await db.scalar(upsert)
        if count is None:
            blocked_until = await db.scalar(select(table.blocked_until).where(table.key == key))
            await db.commit()
            raise Throttled(_retry_after(blocked_until or now, now))
        wait = delay(count, free)
        if wait:
            await db.execute(
                update(table)
                .where(table.key == key)
                .values(
                    blocked_until=now + timedelta(seconds=wait),
                    expires_at=expires + timedelta(seconds=wait),
                )
            )
        _attempts_since_sweep += 1
        if _attempts_since_sweep >= SWEEP_EVERY:
            _attempts_since_sweep = 0
            await db.execute(delete(table).where(table.expires_at < now))
        await db.commit()


async def _forget(key: str) -> None:
    async with open_db() as db:
        await db.execute(delete(AttemptCounter).where(AttemptCounter.key == key))
        await db.commit()


async def _give_back(key: str) -> None:
    async with open_db() as db:
        await db.execute(
            update(AttemptCounter)
            .where(AttemptCounter.key == key, AttemptCounter.count > 0)
            .values(count=AttemptCounter.count - 1)
        )
        await db.commit()
{%- endif %}
