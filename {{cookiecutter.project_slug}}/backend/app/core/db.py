from collections.abc import AsyncIterator
{% if cookiecutter.database == "sqlite" -%}
from typing import Any

from sqlalchemy import event
{% else %}
{% endif -%}
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.config import settings


def make_engine(url: str = settings.DATABASE_URL) -> AsyncEngine:
{%- if cookiecutter.database == "sqlite" %}
    # SQLite allows one writer at a time: wait for the lock rather than fail at once.
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine
{%- else %}
    return create_async_engine(url, pool_pre_ping=True)
{%- endif %}


engine = make_engine()
SessionMaker = async_sessionmaker(engine, expire_on_commit=False)


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionMaker() as session:
        yield session
