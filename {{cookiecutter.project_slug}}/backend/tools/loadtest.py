"""Load-test a running server's session socket: many users, each on its own socket, pinging.

`python -m tools.loadtest` from backend/ (or scripts/loadtest.sh); `--help` lists the options.
The users are written straight into this project's database and their tokens signed with its
SECRET_KEY, so the server under test must run with the same .env. They are deleted at the end.
"""

import argparse
import asyncio
import json
import logging
import math
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from app.auth import start_sign_in
from app.core.db import engine, open_db
from app.core.security import create_access_token, hash_password
from app.models import User
from app.realtime.asyncapi import SOCKET_PATH

logger = logging.getLogger(__name__)

EMAIL_PREFIX = "loadtest-"
EMAIL_DOMAIN = "@example.com"
# How long one reply, or opening one session, may take before it counts as lost.
REPLY_TIMEOUT = 30.0
OPEN_TIMEOUT = 60.0


# Handshakes answered `unavailable` that open_session tries again.
UNAVAILABLE_RETRIES = 4


class SessionRefused(Exception):
    """The server did not answer the token with `initialised`."""


async def create_users(count: int) -> list[str]:
    """`count` throwaway active users in the database; an access token for each."""
    # Hashing is slow on purpose: one hash of a password nobody knows serves them all.
    hashed = await hash_password(secrets.token_urlsafe(32))
    users = [
        User(
            email=f"{EMAIL_PREFIX}{secrets.token_hex(8)}{EMAIL_DOMAIN}",
            hashed_password=hashed,
            is_active=True,
        )
        for _ in range(count)
    ]
    async with open_db() as db:
        db.add_all(users)
        await db.commit()
        sign_ins = [await start_sign_in(db, user) for user in users]
    return [
        create_access_token(user.id, sign_in.id)
        for user, sign_in in zip(users, sign_ins, strict=True)
    ]


async def delete_users() -> None:
    """Delete every user `create_users` made (their sessions and tokens go with them)."""
    async with open_db() as db:
        await db.execute(
            delete(User).where(
                User.email.startswith(EMAIL_PREFIX, autoescape=True),
                User.email.endswith(EMAIL_DOMAIN, autoescape=True),
            )
        )
        await db.commit()


async def open_session(ws_url: str, token: str | None) -> ClientConnection:
    """A socket on `ws_url`, authenticated with `token` (or bare, when it is None).

    A handshake answered `unavailable` (the database was busy) is tried again after a moment,
    as a client should, up to UNAVAILABLE_RETRIES times.
    """
    for attempt in range(UNAVAILABLE_RETRIES + 1):
        connection = await connect(ws_url, open_timeout=OPEN_TIMEOUT)
        if token is None:
            return connection
        try:
            await connection.send(json.dumps({"token": token}))
            reply = json.loads(await asyncio.wait_for(connection.recv(), OPEN_TIMEOUT))
        except BaseException:
            await connection.close()
            raise
        if isinstance(reply, dict) and reply.get("state") == "initialised":
            return connection
        await connection.close()
        busy = isinstance(reply, dict) and reply.get("code") == "unavailable"
        if not busy or attempt == UNAVAILABLE_RETRIES:
            raise SessionRefused(f"the server answered the token with {reply!r}")
        await asyncio.sleep(0.1 * 2**attempt)
    raise AssertionError("unreachable")


async def round_trips(connection: ClientConnection, count: int, latencies: list[float]) -> int:
    """`count` pings, one after the other, each waiting for its pong; the number of errors.

    Each latency (seconds) is appended to `latencies`. A wrong reply or an error frame is one
    error; a missing reply or a closed socket is one error and ends the run of this socket.
    """
    errors = 0
    for n in range(count):
        data = {"n": n, "sent": "load test"}
        started = time.perf_counter()
        try:
            await connection.send(json.dumps({"state": "ping", "data": data, "id": n}))
            reply = json.loads(await asyncio.wait_for(connection.recv(), REPLY_TIMEOUT))
        except (ConnectionClosed, TimeoutError):
            return errors + 1
        if reply == {"state": "pong", "data": data, "id": n}:
            latencies.append(time.perf_counter() - started)
        else:
            errors += 1
    return errors


@dataclass
class Report:
    sessions: int
    # Round trips that got their pong, and how long the whole run of them took.
    round_trips: int
    errors: int
    # Round trips that never got their pong (their socket closed, hung or never opened).
    lost: int
    seconds: float
    # One per completed round trip, in seconds.
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Completed round trips per second."""
        return self.round_trips / self.seconds if self.seconds > 0 else 0.0

    @property
    def p50(self) -> float:
        return self._percentile(50)

    @property
    def p99(self) -> float:
        return self._percentile(99)

    def _percentile(self, percent: int) -> float:
        """The latency (seconds) that `percent`% of the round trips did not exceed."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[max(math.ceil(len(ordered) * percent / 100) - 1, 0)]

    def __str__(self) -> str:
        return "\n".join(
            [
                f"sessions           {self.sessions}",
                f"round trips        {self.round_trips}",
                f"errors             {self.errors}",
                f"lost replies       {self.lost}",
                f"round trips/s      {self.rate:.0f}",
                f"latency p50        {self.p50 * 1000:.1f} ms",
                f"latency p99        {self.p99 * 1000:.1f} ms",
            ]
        )


async def run(ws_url: str, tokens: Sequence[str | None], round_trips_each: int) -> Report:
    """One session per token, all open at once, each doing `round_trips_each` round trips.

    A session that fails to open counts as one error; if none opens, the first failure is raised.
    """
    opened = await asyncio.gather(
        *(open_session(ws_url, token) for token in tokens), return_exceptions=True
    )
    connections = [item for item in opened if isinstance(item, ClientConnection)]
    failures = [item for item in opened if isinstance(item, BaseException)]
    if failures and not connections:
        raise failures[0]
    if failures:
        logger.warning("%d sessions failed to open, the first with %r", len(failures), failures[0])
    latencies: list[float] = []
    started = time.perf_counter()
    try:
        errors = await asyncio.gather(
            *(round_trips(c, round_trips_each, latencies) for c in connections)
        )
    finally:
        seconds = time.perf_counter() - started
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)
    failed_to_open = len(tokens) - len(connections)
    return Report(
        sessions=len(tokens),
        round_trips=len(latencies),
        errors=sum(errors) + failed_to_open,
        lost=len(tokens) * round_trips_each - len(latencies),
        seconds=seconds,
        latencies=latencies,
    )


def socket_url(http_url: str) -> str:
    """The session socket's URL on the server at `http_url`."""
    base = http_url.rstrip("/")
    for http, ws in (("https://", "wss://"), ("http://", "ws://")):
        if base.startswith(http):
            base = ws + base.removeprefix(http)
    return base + SOCKET_PATH


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.loadtest",
        description=(
            "Open many authenticated sessions on a running server's socket at once and time "
            "ping -> pong round trips on each. Every session is its own user, created in this "
            "project's database for the run and deleted afterwards, so the server under test "
            "must use the same .env (database and SECRET_KEY). It must also allow the rate: "
            "each session sends as fast as its replies come, and the server closes a socket "
            "that sends more than WS_RATE_LIMIT messages a second (default 30) past "
            "WS_RATE_BURST, so raise those on the server while testing. Exits with 1 if any "
            "round trip failed."
        ),
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server under test")
    parser.add_argument("--sessions", type=int, default=500, help="concurrent sessions (users)")
    parser.add_argument("--round-trips", type=int, default=100, help="round trips per session")
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    logging.basicConfig(format="%(message)s")
    ws_url = socket_url(options.url)
    try:
        return await load_test(ws_url, options.sessions, options.round_trips)
    finally:
        await engine.dispose()


async def load_test(ws_url: str, sessions: int, round_trips_each: int) -> int:
    """The CLI's run: users in, report out, users gone; the exit status."""
    try:
        tokens = await create_users(sessions)
    except SQLAlchemyError as error:
        print(
            f"Could not create the users in the database (scripts/run.sh sets it up): {error}",
            file=sys.stderr,
        )
        return 1
    print(f"{sessions} sessions x {round_trips_each} round trips on {ws_url} ...", file=sys.stderr)
    try:
        report = await run(ws_url, tokens, round_trips_each)
    except (OSError, TimeoutError, WebSocketException, SessionRefused) as error:
        print(f"Could not load-test {ws_url}: {error!r}", file=sys.stderr)
        return 1
    finally:
        await delete_users()
    print(report)
    return 1 if report.errors or report.lost else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
