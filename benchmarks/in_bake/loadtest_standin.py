"""Stand-in for the project's app/loadtest.py (same API) until the bake ships it."""

import json
import secrets
import time
from dataclasses import dataclass

from app.core.db import SessionMaker
from app.core.security import create_access_token, password_hash
from app.models import SessionRecord, User
from sqlalchemy import delete, select
from websockets.asyncio.client import ClientConnection, connect

PREFIX = "loadtest-"


@dataclass
class Report:
    rate: float
    p50: float
    p99: float
    errors: int
    lost: int


async def create_users(count: int) -> list[str]:
    hashed = password_hash.hash(secrets.token_urlsafe(16))
    users = [User(email=f"{PREFIX}{secrets.token_hex(6)}@example.com", hashed_password=hashed) for _ in range(count)]
    async with SessionMaker() as db:
        db.add_all(users)
        await db.commit()
    return [create_access_token(user.id) for user in users]


async def delete_users() -> None:
    async with SessionMaker() as db:
        ids = select(User.id).where(User.email.startswith(PREFIX))
        await db.execute(delete(SessionRecord).where(SessionRecord.user_id.in_(ids)))
        await db.execute(delete(User).where(User.email.startswith(PREFIX)))
        await db.commit()


async def open_session(ws_url: str, token: str | None) -> ClientConnection:
    connection = await connect(ws_url, compression=None, max_size=None)
    if token is not None:
        await connection.send(json.dumps({"token": token}))
        reply = json.loads(await connection.recv())
        if reply.get("state") != "initialised":
            await connection.close()
            raise RuntimeError(f"not initialised: {reply}")
    return connection


async def round_trips(connection: ClientConnection, count: int, latencies: list[float]) -> int:
    done = 0
    for i in range(count):
        started = time.perf_counter()
        await connection.send(json.dumps({"state": "ping", "data": {"n": i}, "id": i}))
        while True:
            reply = json.loads(await connection.recv())
            if reply.get("id") == i:
                break
        if reply.get("state") == "pong":
            done += 1
            latencies.append(time.perf_counter() - started)
    return done
