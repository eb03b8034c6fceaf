"""Accounts for the Locust run, with one password: `python accounts.py make COUNT PASSWORD FILE`
writes their emails to FILE, one a line; `python accounts.py delete` deletes them (and whatever
tools.loadtest made). Run with a bake's python from its backend/ (it imports the app)."""

import asyncio
import sys
from pathlib import Path

from app.core.db import engine, open_db
from app.core.security import hash_password
from app.models import User
from tools import loadtest


async def make(count: int, password: str, emails: Path) -> None:
    hashed = await hash_password(password)  # once: every account has the same password
    users = [
        User(email=f"{loadtest.EMAIL_PREFIX}locust-{n:05d}{loadtest.EMAIL_DOMAIN}", hashed_password=hashed)
        for n in range(count)
    ]
    async with open_db() as db:
        db.add_all(users)
        await db.commit()
    emails.write_text("".join(f"{user.email}\n" for user in users))


async def main(command: str, *args: str) -> None:
    try:
        if command == "make":
            await make(int(args[0]), args[1], Path(args[2]))
        else:
            await loadtest.delete_users()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
