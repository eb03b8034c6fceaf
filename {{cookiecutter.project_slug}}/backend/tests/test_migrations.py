"""The migrations build exactly the tables the models describe, and upgrade a project's data."""

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.core.config import Settings
from app.core.db import make_engine
from app.models import UTCDateTime
from tests.conftest import BACKEND_DIR, database_of_its_own


def test_the_migrated_database_matches_the_models(database: None) -> None:
    # `alembic check` compares the migrated database with the models, as autogenerate would.
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "check"],
        cwd=BACKEND_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"models and migrations differ:\n{result.stdout}{result.stderr}"


# The tables as the first revision made them, apart from the models, which follow the latest.
USERS = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("hashed_password", sa.String()),
    sa.column("is_active", sa.Boolean()),
    sa.column("is_superuser", sa.Boolean()),
    sa.column("email_verified", sa.Boolean()),
    sa.column("created_at", UTCDateTime()),
)
SIGN_INS = sa.table(
    "sign_ins",
    sa.column("id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("created_at", UTCDateTime()),
    sa.column("expires_at", UTCDateTime()),
    sa.column("completed_at", UTCDateTime()),
)


async def _sign_in_before_the_upgrade(url: str) -> tuple[uuid.UUID, uuid.UUID | None]:
    """A user with a sign-in made by the first revision's code; where that revision already
    recorded completions, a second sign-in still waiting for its next step."""
    engine = make_engine(url)
    began = datetime.now(UTC) - timedelta(hours=1)
    user, done, waiting = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as connection:
        columns = await connection.run_sync(
            lambda sync: {column["name"] for column in sa.inspect(sync).get_columns("sign_ins")}
        )
        await connection.execute(
            USERS.insert().values(
                id=user,
                email="earlier@example.com",
                hashed_password="x",
                is_active=True,
                is_superuser=False,
                email_verified=True,
                created_at=began,
            )
        )
        sign_in = {"user_id": user, "created_at": began, "expires_at": began + timedelta(days=1)}
        if "completed_at" not in columns:
            await connection.execute(SIGN_INS.insert().values(id=done, **sign_in))
            await engine.dispose()
            return done, None
        await connection.execute(SIGN_INS.insert().values(id=done, completed_at=began, **sign_in))
        await connection.execute(SIGN_INS.insert().values(id=waiting, **sign_in))
    await engine.dispose()
    return done, waiting


async def _completions(url: str) -> dict[uuid.UUID, datetime | None]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = await connection.execute(sa.select(SIGN_INS.c.id, SIGN_INS.c.completed_at))
        completions = {row.id: row.completed_at for row in rows}
    await engine.dispose()
    return completions


def test_sign_ins_made_before_an_upgrade_stay_signed_in() -> None:
    with database_of_its_own("upgrade", revision="0001") as env:
        url = Settings(**env).DATABASE_URL  # type: ignore[arg-type]
        done, waiting = asyncio.run(_sign_in_before_the_upgrade(url))
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=BACKEND_DIR,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        completions = asyncio.run(_completions(url))
    assert completions[done] is not None
    if waiting is not None:
        assert completions[waiting] is None
