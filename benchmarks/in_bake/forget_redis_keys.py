"""Delete the Redis keys a benchmark run left under its prefix: `python forget_redis_keys.py PREFIX`."""

import asyncio
import sys

from redis.asyncio import Redis

from app.core.config import settings


async def forget(prefix: str) -> int:
    redis = Redis.from_url(settings.REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        return len(keys)
    finally:
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(forget(sys.argv[1]))
