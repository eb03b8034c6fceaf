"""uvicorn's websocket protocol, with two changes the session socket needs.

- A frame over WS_MAX_MESSAGE_BYTES is refused from its header, before its payload is read:
  the client is told why (`message_too_big`) just before the 1009 close.
- On shutdown, uvicorn would close every socket at once with 1012. Here each session socket
  flushes what it has queued, is told why and closes with 1001; a socket that has not closed
  after WS_SHUTDOWN_TIMEOUT is closed the way uvicorn does it.
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode as WireCloseCode
from websockets.protocol import State
from websockets.server import ServerProtocol

from app.core.config import settings
from app.session.connections import connections, error_frame
from app.session.errors import ErrorCode

TOO_BIG_FRAME = error_frame(
    ErrorCode.MESSAGE_TOO_BIG,
    f"Messages are limited to {settings.WS_MAX_MESSAGE_BYTES} bytes; send less at a time.",
).encode()


class SessionServerProtocol(ServerProtocol):
    def fail(self, code: WireCloseCode | int, reason: str = "") -> None:
        if code == WireCloseCode.MESSAGE_TOO_BIG and self.state is State.OPEN:
            self.send_text(TOO_BIG_FRAME)
        super().fail(code, reason)


class SessionWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = SessionServerProtocol(
            extensions=self.conn.available_extensions,
            max_size=self.config.ws_max_size,
            logger=self.conn.logger,
        )

    def shutdown(self) -> None:
        if not self.handshake_complete or self.close_sent:
            super().shutdown()
            return
        connections.shut_down()
        self.loop.call_later(settings.WS_SHUTDOWN_TIMEOUT, self._cut)

    def _cut(self) -> None:
        if not self.transport.is_closing():
            super().shutdown()
