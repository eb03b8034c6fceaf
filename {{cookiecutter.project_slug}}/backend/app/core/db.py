from collections.abc import AsyncIterator
from typing import Any

{% if cookiecutter.database == "sqlite" -%}
from sqlalchemy import event
{% else -%}
from sqlalchemy import text
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
    answered as such (503), not as a fault of the code."""
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


{%- if cookiecutter.database == "sqlite" %}


def make_engine(url: str = settings.DATABASE_URL) -> AsyncEngine:
    # SQLite allows one writer at a time: wait for the lock rather than fail at once.
    engine = create_async_engine(url, connect_args={"timeout": 30}, **_pool())

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


async def create_database() -> bool:
    """Nothing to create: SQLite makes the file when it first opens it."""
    return False
{%- else %}


def make_engine(url: str = settings.DATABASE_URL) -> AsyncEngine:
    return create_async_engine(url, pool_pre_ping=True, **_pool())


async def create_database() -> bool:
    """Create the configured database when the server does not have it yet; whether it did."""
    admin = create_async_engine(settings.postgres_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": settings.POSTGRES_DB},
            )
            if exists:
                return False
            name = settings.POSTGRES_DB.replace('"', '""')
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    finally:
        await admin.dispose()
{%- endif %}


engine = make_engine()
# `async with open_db() as db:` a database session of its own.
open_db = async_sessionmaker(engine, expire_on_commit=False)


async def get_db() -> AsyncIterator[AsyncSession]:
    async with open_db() as db:
        yield db
