"""Get the database ready: `python -m app.prestart` (from backend/) before starting the server.

Applies the migrations and creates the first superuser{% if cookiecutter.auth_totp == "yes" %}; after a rotation of
TOTP_ENCRYPTION_KEY, moves the two-factor secrets to the new key{% endif %}. Safe to run any number of times.
"""

import asyncio
import logging

from alembic import command
from alembic.config import Config
{%- if cookiecutter.database == "postgresql" %}
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
{%- endif %}

from app import {% if cookiecutter.auth_totp == "yes" %}totp, {% endif %}users
from app.core.config import BACKEND_DIR, settings
from app.core.db import engine, open_db
from app.schemas import UserCreate

logger = logging.getLogger("app.prestart")
{%- if cookiecutter.database == "postgresql" %}


async def create_database() -> None:
    """Create the configured database when the server does not have it yet."""
    admin = create_async_engine(settings.postgres_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": settings.POSTGRES_DB},
            )
            if not exists:
                name = settings.POSTGRES_DB.replace('"', '""')
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
                logger.info("Created database %s", settings.POSTGRES_DB)
    finally:
        await admin.dispose()
{%- endif %}


def migrate() -> None:
    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


async def create_first_superuser() -> None:
    async with open_db() as db:
        if await users.get_user_by_email(db, settings.FIRST_SUPERUSER) is None:
            await users.create_user(
                db,
                UserCreate(
                    email=settings.FIRST_SUPERUSER,
                    password=settings.FIRST_SUPERUSER_PASSWORD,
                    is_superuser=True,
                ),
            )
            logger.info("Created the first superuser %s", settings.FIRST_SUPERUSER)
{%- if cookiecutter.auth_totp == "yes" %}
        if settings.PREVIOUS_TOTP_ENCRYPTION_KEYS:
            moved = await totp.reencrypt_all(db)
            logger.info("Encrypted %d two-factor secrets with the new TOTP_ENCRYPTION_KEY", moved)
{%- endif %}
    await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
{%- if cookiecutter.database == "postgresql" %}
    asyncio.run(create_database())
{%- endif %}
    migrate()
    logger.info("Database is at the latest migration")
    asyncio.run(create_first_superuser())


if __name__ == "__main__":
    main()
