from collections.abc import AsyncIterator
from typing import Any

{% if cookiecutter.database == "sqlite" -%}
from sqlalchemy import event
{% endif -%}
from sqlalchemy.exc import OperationalError, TimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.config import settings

DATABASE_BUSY = "The database is busy; try again in a moment."
# What a database says, in an OperationalError, when it is busy or out of reach.
_UNAVAILABLE_SIGNS = ("database is locked", "connect", "timeout", "too many clients")


def database_unavailable(error: BaseException) -> bool:
    """A request that got no connection in time, or whose database is busy or out of reach:
    answered 503{% if cookiecutter.use_websockets == "yes" %} (`unavailable` on the socket){% endif %}, not as a fault of the code."""
    if isinstance(error, TimeoutError):
        return True
    if isinstance(error, OperationalError):
        message = str(error.orig).lower()
        return any(sign in message for sign in _UNAVAILABLE_SIGNS)
    return False


def _pool() -> dict[str, Any]:
    return {
        "pool_size": settings.DB_POOL_SIZE,
        "max_overflow": settings.DB_MAX_OVERFLOW,
        "pool_timeout": settings.DB_POOL_TIMEOUT,
    }


def make_engine(url: str = settings.DATABASE_URL) -> AsyncEngine:
{%- if cookiecutter.database == "sqlite" %}
    # SQLite allows one writer at a time: wait for the lock rather than fail at once.
    engine = create_async_engine(url, connect_args={"timeout": 30}, **_pool())

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine
{%- else %}
    return create_async_engine(url, pool_pre_ping=True, **_pool())
{%- endif %}


engine = make_engine()
# `async with open_db() as db:` a database session of its own.
open_db = async_sessionmaker(engine, expire_on_commit=False)


async def get_db() -> AsyncIterator[AsyncSession]:
    async with open_db() as db:
        yield db
