import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

{% if cookiecutter.auth_totp == "yes" -%}
from app import totp as _two_factor_tables  # noqa: F401 (their tables join Base)
{% endif -%}
from app.core.config import settings
from app.core.db import make_engine
from app.models import Base
{%- if cookiecutter.use_websockets == "yes" %}
from app.realtime import models as _realtime_tables  # noqa: F401 (their tables join Base)
{%- endif %}

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=settings.DATABASE_URL,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    # Batch mode lets ALTER-style migrations run on SQLite too.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = make_engine()
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
