"""Get the database ready: `python -m app.prestart` (from backend/) before starting the server.

Creates the database if the server has none yet, applies the migrations and creates the first
superuser. Safe to run any number of times.
"""

import asyncio
import logging

from alembic import command
from alembic.config import Config

from app import {% if cookiecutter.auth_totp == "yes" %}totp, {% endif %}users
from app.core.config import BACKEND_DIR, settings
from app.core.db import create_database, engine, open_db
from app.schemas import UserCreate

logger = logging.getLogger("app.prestart")


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
        # After a rotation of TOTP_ENCRYPTION_KEY, the two-factor secrets move to the new key.
        if settings.PREVIOUS_TOTP_ENCRYPTION_KEYS:
            moved = await totp.reencrypt_all(db)
            logger.info("Encrypted %d two-factor secrets with the new TOTP_ENCRYPTION_KEY", moved)
{%- endif %}
    await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if asyncio.run(create_database()):
        logger.info("Created the database")
    migrate()
    logger.info("Database is at the latest migration")
    asyncio.run(create_first_superuser())


if __name__ == "__main__":
    main()
