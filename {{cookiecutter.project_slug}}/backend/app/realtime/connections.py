"""Every session socket of this server process: who holds how many, when one must end, shutdown.

One task per process watches them all (idle sockets, expired tokens, deactivated users, ended
sign-ins), so an idle socket costs no timer of its own and a thousand users cost one query per
check.
"""

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from app.auth import live_sign_ins
from app.core.config import settings
from app.core.db import database_unavailable, open_db
from app.realtime.context import FrameSink, SessionContext
from app.realtime.protocol import (
    EXPIRED_TOKEN_MESSAGE,
    LOGGED_OUT_MESSAGE,
    CloseCode,
    ErrorCode,
    SocketError,
    encode,
    error_message,
)

logger = logging.getLogger(__name__)

# Sign-ins one query checks.
SIGN_INS_PER_QUERY = 500


class ClosingData(BaseModel):
    """Why the server is about to close a socket that did nothing wrong."""

    reason: Literal["shutdown", "idle"]
    message: str


def closing_frame(reason: Literal["shutdown", "idle"], message: str) -> str:
    """The last frame before the server closes a socket that did nothing wrong."""
    data = ClosingData(reason=reason, message=message)
    return encode({"state": "closing", "data": data})


def error_frame(code: ErrorCode, message: str) -> str:
    return encode(error_message(SocketError(code, message)))


SHUTDOWN_FRAME = closing_frame("shutdown", "The server is restarting; reconnect in a moment.")
EXPIRED_FRAME = error_frame(ErrorCode.UNAUTHORIZED, EXPIRED_TOKEN_MESSAGE)
LOGGED_OUT_FRAME = error_frame(ErrorCode.UNAUTHORIZED, LOGGED_OUT_MESSAGE)


@dataclass(eq=False)
class Connection:
    outbox: FrameSink
    # The client's address, while the socket has not sent its token.
    address: str | None = None
    last_frame_at: float = field(default_factory=time.monotonic)
    context: SessionContext | None = None
    # A request is being served: ending the socket waits for its reply.
    busy: bool = False
    ended: bool = False
    _end_after_request: tuple[str, int] | None = None

    def end(self, frame: str, code: int) -> None:
        """Send `frame` after what is queued, then close with `code`."""
        if self.ended:
            return
        if self.busy:
            self._end_after_request = self._end_after_request or (frame, code)
            return
        self.ended = True
        self.outbox.send(frame, requested=True)
        self.outbox.close(code)

    def request_done(self) -> None:
        self.busy = False
        if self._end_after_request is not None:
            self.end(*self._end_after_request)


class Connections:
    def __init__(self) -> None:
        self._all: set[Connection] = set()
        self._by_user: dict[uuid.UUID, set[Connection]] = {}
        # Sockets of each client address that have not sent their token yet.
        self._unauthenticated: Counter[str] = Counter()
        self._watcher: asyncio.Task[None] | None = None
        self.shutting_down = False

    def admits(self, address: str | None) -> bool:
        """Whether a new socket of this address may wait for its token: a client cannot hold
        a crowd of sockets open without signing in."""
        waiting = self._unauthenticated[address] if address else 0
        return waiting < settings.WS_MAX_UNAUTHENTICATED_PER_ADDRESS

    def _authenticated_or_gone(self, connection: Connection) -> None:
        if connection.address is not None:
            self._unauthenticated[connection.address] -= 1
            if self._unauthenticated[connection.address] <= 0:
                del self._unauthenticated[connection.address]
            connection.address = None

    @contextmanager
    def track(self, outbox: FrameSink, address: str | None = None) -> Iterator[Connection]:
        """A socket, from accept to its end."""
        connection = Connection(outbox, address)
        if address is not None:
            self._unauthenticated[address] += 1
        self._all.add(connection)
        if self.shutting_down:
            connection.end(SHUTDOWN_FRAME, CloseCode.GOING_AWAY)
        try:
            yield connection
        finally:
            self._authenticated_or_gone(connection)
            self._all.discard(connection)
            if connection.context is not None:
                user_id = connection.context.member.id
                mine = self._by_user.get(user_id, set())
                mine.discard(connection)
                if not mine:
                    self._by_user.pop(user_id, None)

    def authenticated(self, connection: Connection, context: SessionContext) -> None:
        """Count the socket for its user; SocketError if the user holds too many already."""
        mine = self._by_user.setdefault(context.member.id, set())
        if len(mine) >= settings.WS_MAX_SOCKETS_PER_USER:
            if not mine:  # a cap of 0: leave no empty entry behind
                del self._by_user[context.member.id]
            raise SocketError(
                ErrorCode.RATE_LIMITED,
                f"You have {len(mine)} connections open already; "
                "close one (another tab?) and try again.",
            )
        mine.add(connection)
        connection.context = context
        self._authenticated_or_gone(connection)

    def shut_down(self) -> None:
        """Every socket flushes what it has queued, is told why, and closes with 1001."""
        self.shutting_down = True
        for connection in list(self._all):
            connection.end(SHUTDOWN_FRAME, CloseCode.GOING_AWAY)

    # The watcher

    async def start(self) -> None:
        self.shutting_down = False
        self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None

    async def _watch(self) -> None:
        interval = max(0.05, min(1.0, settings.WS_IDLE_TIMEOUT / 4, settings.WS_USER_RECHECK))
        next_user_check = time.monotonic() + settings.WS_USER_RECHECK
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            self.end_idle_and_expired(now, datetime.now(UTC))
            if now >= next_user_check:
                next_user_check = now + settings.WS_USER_RECHECK
                try:
                    await self.end_inactive_users()
                except Exception as error:
                    if not database_unavailable(error):
                        logger.exception("Could not check that connected users are still active")
                    else:  # as busy as a request would find it: the next round tries again
                        reason = type(error).__name__
                        logger.warning(
                            "The users' recheck: the database did not answer (%s)", reason
                        )

    def end_idle_and_expired(self, now: float, wall_clock: datetime) -> None:
        idle_after = settings.WS_IDLE_TIMEOUT
        for connection in list(self._all):
            if connection.context is None:
                continue  # still within WS_AUTH_TIMEOUT
            if wall_clock >= connection.context.token_expires_at:
                connection.end(EXPIRED_FRAME, CloseCode.POLICY_VIOLATION)
            elif now - connection.last_frame_at > idle_after and not connection.busy:
                message = (
                    f"No message for {idle_after:g} seconds, so the connection was closed; "
                    "reconnect to go on."
                )
                connection.end(closing_frame("idle", message), CloseCode.NORMAL)

    async def end_inactive_users(self) -> None:
        """End the sockets of users deactivated, or of sign-ins ended (logout, logout everywhere,
        a new password), since they connected."""
        by_sign_in: dict[uuid.UUID, list[Connection]] = {}
        for mine in self._by_user.values():
            for connection in mine:
                if connection.context is not None:
                    by_sign_in.setdefault(connection.context.sign_in_id, []).append(connection)
        ids = list(by_sign_in)
        live: set[uuid.UUID] = set()
        async with open_db() as db:
            for start in range(0, len(ids), SIGN_INS_PER_QUERY):
                live |= await live_sign_ins(db, ids[start : start + SIGN_INS_PER_QUERY])
        for sign_in_id, ended in by_sign_in.items():
            if sign_in_id not in live:
                for connection in ended:
                    connection.end(LOGGED_OUT_FRAME, CloseCode.POLICY_VIOLATION)


connections = Connections()
