"""Wire helpers for the session socket: frames in, frames out, nothing about sessions."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

# How long a closing socket may take to flush what it still has to send.
FLUSH_TIMEOUT = 5.0
# The ASGI scope extension through which the server's protocol takes a text frame at once:
# `send(text) -> bool`, False when the frame would have to wait (then nothing was sent).
SEND_TEXT_NOW = "app.send_text_now"


async def receive_frame(websocket: WebSocket) -> str | bytes:
    """The next text or binary frame; WebSocketDisconnect when the client has gone."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text: str | None = message.get("text")
    return text if text is not None else bytes(message.get("bytes") or b"")


async def send_response(websocket: WebSocket, frame: str) -> bool:
    """Send one frame; False when the client has already gone."""
    try:
        await websocket.send_text(frame)
    except (WebSocketDisconnect, OSError, RuntimeError):
        return False
    return True


class Outbox:
    """The socket's only writer.

    A frame goes straight to the connection when nothing is waiting before it and the
    connection takes it without waiting (the uvicorn adapter offers that: app/realtime/uvicorn.py);
    otherwise it waits in a bounded queue that one task drains, started only when needed.
    Whoever sends never waits on the client; a client that lets `limit` frames pile up
    is closed with 1013 (try again later). Frames the client asked for (a reply, and a replay
    that comes with it) are let through above the limit: only what it did not ask for counts.
    """

    def __init__(self, websocket: WebSocket, limit: int) -> None:
        self._websocket = websocket
        self._limit = limit
        # A list, not a deque: most sockets never queue a frame, and an empty deque costs
        # 600 bytes; queues stay short (the limit), so popping from the front is cheap.
        self._frames: list[str] = []
        self._requested = 0
        # Made with the writer, when a frame first has to wait.
        self._ready: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        # The writer holds a frame it has taken from the queue but not yet sent.
        self._writing = False
        self._close_code: int | None = None
        self._close_reason = ""
        direct = websocket.scope.get("extensions", {}).get(SEND_TEXT_NOW)
        self._send_now: Callable[[str], bool] | None = direct["send"] if direct else None

    @property
    def _client_connected(self) -> bool:
        return (
            self._websocket.application_state == WebSocketState.CONNECTED
            and self._websocket.client_state != WebSocketState.DISCONNECTED
        )

    @property
    def closing(self) -> bool:
        return self._close_code is not None

    def send(self, frame: str, *, requested: bool = False) -> None:
        if self.closing:
            return
        nothing_before = not self._frames and not self._writing
        if nothing_before and self._send_now is not None and self._send_now(frame):
            return
        if requested:
            self._requested += 1
        elif len(self._frames) >= self._limit + self._requested:
            self._frames.clear()
            self.close(1013, "Too many messages waiting; reconnect and resume.")
            return
        self._frames.append(frame)
        self._wake()

    def close(self, code: int, reason: str = "") -> None:
        """Close once every frame queued so far has been sent."""
        if self.closing:
            return
        self._close_code = code
        self._close_reason = reason
        self._wake()

    def _wake(self) -> None:
        if self._ready is None:
            self._ready = asyncio.Event()
            self._writer = asyncio.get_running_loop().create_task(self._drain(self._ready))
        self._ready.set()

    async def _drain(self, ready: asyncio.Event) -> None:
        while True:
            while self._frames:
                self._writing = True
                sent = await send_response(self._websocket, self._frames.pop(0))
                self._writing = False
                if not sent:
                    return
                self._requested = max(self._requested - 1, 0)
            if self._close_code is not None:
                if self._client_connected:
                    with suppress(WebSocketDisconnect, OSError, RuntimeError):
                        await self._websocket.close(self._close_code, self._close_reason)
                return
            ready.clear()
            await ready.wait()

    @asynccontextmanager
    async def running(self) -> AsyncIterator["Outbox"]:
        try:
            yield self
        finally:
            # The reader is done: the client left, or the socket is closing. Flush, then stop.
            self.close(1000)
            if self._writer is not None:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._writer, FLUSH_TIMEOUT)
