"""The throttle's counts in the database: one upsert per attempt (table attempt_counters)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select, update
{%- if cookiecutter.database == "sqlite" %}
from sqlalchemy.dialects.sqlite import insert
{%- else %}
from sqlalchemy.dialects.postgresql import insert
{%- endif %}

from app.core.config import settings
from app.core.db import open_db
from app.models import AttemptCounter
from app.throttle.policy import Throttled, delay, retry_after

# Expired counters are deleted once in this many attempts of a process.
SWEEP_EVERY = 200
_attempts_since_sweep = 0


async def take(key: str, free: int) -> None:
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
            raise Throttled(retry_after(blocked_until or now, now))
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


async def forget(key: str) -> None:
    async with open_db() as db:
        await db.execute(delete(AttemptCounter).where(AttemptCounter.key == key))
        await db.commit()


async def give_back(key: str) -> None:
    async with open_db() as db:
        await db.execute(
            update(AttemptCounter)
            .where(AttemptCounter.key == key, AttemptCounter.count > 0)
            .values(count=AttemptCounter.count - 1)
        )
        await db.commit()


async def close() -> None:
    """Nothing to close: the counts go through the app's database connections."""
