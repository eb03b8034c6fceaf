"""The session socket endpoint: the protocol's handshake, then one request at a time."""

import asyncio
import functools
import logging
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.routing import Match, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.protection import origin_allowed
from app.core.config import settings
from app.core.db import open_db
from app.realtime import asyncapi
from app.realtime.connections import Connection, connections
from app.realtime.dispatch import Outcome, authenticate, handle_request
from app.realtime.handlers import registry
from app.realtime.limits import TokenBucket, over_the_limit, too_big
from app.realtime.protocol import INTERNAL_ERROR, CloseCode, ErrorCode, SocketError, parse_request
from app.realtime.transport import Outbox, receive_frame

logger = logging.getLogger(__name__)


async def session_socket(websocket: WebSocket) -> None:
    address = websocket.client.host if websocket.client else None
    if not origin_allowed(websocket.scope) or not connections.admits(address):
        await websocket.close(code=CloseCode.POLICY_VIOLATION)  # before accept: HTTP 403
        return
    await websocket.accept()
    async with Outbox(websocket, settings.WS_SEND_QUEUE).running() as outbox:
        with connections.track(outbox, address) as connection:
            try:
                await serve(websocket, outbox, connection)
            except WebSocketDisconnect:
                pass
            except Exception:
                logger.exception("Unhandled error on the session socket")
                send(outbox, Outcome.failure(SocketError(ErrorCode.INTERNAL, INTERNAL_ERROR)))


route = WebSocketRoute(asyncapi.SOCKET_PATH, session_socket)

# The socket's description, beside the HTTP API's (and, like it, only where API_DOCS allows).
router = APIRouter(include_in_schema=False)


@functools.cache
def asyncapi_document() -> dict[str, Any]:
    return asyncapi.document()


if settings.api_docs:
    router.add_api_route("/asyncapi.json", asyncapi_document, methods=["GET"])


class SocketFirst:
    """Sends the session socket's connections to its endpoint ahead of everything else.

    The HTTP middleware (security headers, CORS, exception handlers) and FastAPI's routing
    have nothing to do for this socket, which takes no dependencies and handles its own
    errors; yet each layer would hold a frame for as long as the socket is open, 7 KiB or so
    of every idle socket. Added last, so it is the outermost of the app's middleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and route.matches(scope)[0] is Match.FULL:
            # The endpoint itself, not route.handle: its exception wrapper would be one more
            # frame, with no exception handler to find here.
            await session_socket(WebSocket(scope, receive, send))
        else:
            await self.app(scope, receive, send)


def send(outbox: Outbox, outcome: Outcome) -> None:
    """Queue an outcome's frames, and its close."""
    for frame in outcome.frames:
        outbox.send(frame, requested=True)
    if outcome.close_code is not None:
        outbox.close(outcome.close_code)


def too_fast() -> SocketError:
    return SocketError(
        ErrorCode.RATE_LIMITED,
        f"More than {settings.WS_RATE_LIMIT:g} messages a second; slow down, then reconnect.",
    )


async def serve(websocket: WebSocket, outbox: Outbox, connection: Connection) -> None:
    try:
        async with asyncio.timeout(settings.WS_AUTH_TIMEOUT):
            frame = await receive_frame(websocket)
    except TimeoutError:
        timed_out = SocketError(ErrorCode.UNAUTHORIZED, "No token was sent in time.")
        send(outbox, Outcome.failure(timed_out))
        return
    if over_the_limit(frame):
        send(outbox, Outcome.failure(too_big()))
        return
    try:
        context, initialised = await authenticate(frame, open_db, outbox)
        connections.authenticated(connection, context)
    except SocketError as error:
        send(outbox, Outcome.failure(error))
        if error.close_code is None:  # the server's reason (`unavailable`): try again later
            outbox.close(CloseCode.TRY_AGAIN_LATER)
        return
    outbox.send(initialised, requested=True)
    bucket = TokenBucket(settings.WS_RATE_LIMIT, settings.WS_RATE_BURST, time.monotonic())
    try:
        while not outbox.closing:
            frame = await receive_frame(websocket)
            if outbox.closing:
                break  # the server ended the socket while this frame was on its way
            if over_the_limit(frame):
                send(outbox, Outcome.failure(too_big()))
                break
            now = time.monotonic()
            connection.last_frame_at = now
            if not bucket.take(now):
                send(outbox, Outcome.failure(too_fast()))
                break
            connection.busy = True
            try:
                try:
                    request = parse_request(frame)
                except SocketError as error:
                    outcome = Outcome.failure(error)
                else:
                    outcome = await handle_request(registry, context, request)
                send(outbox, outcome)
            finally:
                connection.request_done()
    finally:
        for cleanup in context.cleanups.values():
            try:
                await cleanup()
            except Exception:
                logger.exception("A clean-up after a socket closed failed")
