"""uvicorn's websocket protocol, with the changes the session socket needs.

The one module that reaches into uvicorn's internals. `python -m app` uses it (serving.py) unless
WS_UVICORN_ADAPTER is false, or an upgrade of uvicorn took away a hook it needs (then it serves
uvicorn's own protocol and says so); the socket suite runs both ways.

- A frame over WS_MAX_MESSAGE_BYTES is refused from its header, before its payload is read:
  the client is told why (`message_too_big`) just before the 1009 close.
- A text frame can be sent without a task switch when the connection can take it at once
  (the `app.send_text_now` scope extension), which is most of the cost of a room's fan-out.
- A text frame that is not UTF-8 closes the socket with 1007 and one line at INFO; uvicorn would
  log an ERROR with a traceback for each, which a client could use to flood the log.
- After a refused frame (too big, not UTF-8, a protocol error) the connection ends gracefully:
  what the client still sends is read and dropped for up to LINGER_SECONDS, as nginx's
  lingering close does. uvicorn closes at once, and a socket closed with unread bytes makes the
  kernel reset the connection, which can destroy the refusal and its close frame on their way.
- On shutdown, uvicorn would close every socket at once with 1012. Here each session socket
  flushes what it has queued, is told why and closes with 1001; a socket that has not closed
  after WS_SHUTDOWN_TIMEOUT is closed the way uvicorn does it.
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.frames import CloseCode as WireCloseCode
from websockets.protocol import State
from websockets.server import ServerProtocol

from app.core.config import settings
from app.realtime.connections import connections, error_frame
from app.realtime.limits import too_big
from app.realtime.protocol import ErrorCode
from app.realtime.transport import SEND_TEXT_NOW

# The hooks below that uvicorn's protocol must still have; without one, this module does not load.
HOOKS = ("handle_connect", "send_receive_event_to_app", "handle_parser_exception", "shutdown")
_missing = [hook for hook in HOOKS if not callable(getattr(WebSocketsSansIOProtocol, hook, None))]
if _missing:
    raise ImportError(f"uvicorn's websocket protocol has no {', '.join(_missing)}")

TOO_BIG_FRAME = error_frame(ErrorCode.MESSAGE_TOO_BIG, too_big().message).encode()
LINGER_SECONDS = 1.0


class SessionServerProtocol(ServerProtocol):
    def fail(self, code: WireCloseCode | int, reason: str = "") -> None:
        if code == WireCloseCode.MESSAGE_TOO_BIG and self.state is State.OPEN:
            self.send_text(TOO_BIG_FRAME)
        super().fail(code, reason)


class SessionWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same object with one method changed: a second ServerProtocol would cost memory.
        self.conn.__class__ = SessionServerProtocol
        self.lingering = False

    def data_received(self, data: bytes) -> None:
        if not self.lingering:  # else the rest of what was refused: dropped
            super().data_received(data)

    def handle_parser_exception(self) -> None:
        if not self.transport.can_write_eof():  # TLS: no half-close
            super().handle_parser_exception()
            return
        close = self.conn.close_sent
        code, reason = (close.code, close.reason) if close else (WireCloseCode.ABNORMAL_CLOSURE, "")
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = self.lingering = True
        self.transport.write_eof()
        # uvicorn's own timer for a close under way: the app's end does not cut it short.
        self.close_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if not self.close_sent:  # an upgrade, not a refused request
            self.scope["extensions"][SEND_TEXT_NOW] = {"send": self.send_text_now}

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent:
            frames = self.frames
            try:
                (frames[0] if len(frames) == 1 else b"".join(frames)).decode()
            except UnicodeDecodeError:
                self.frames = []
                self.logger.info("Closed a websocket that sent text that is not UTF-8 (1007)")
                self.conn.send_close(WireCloseCode.INVALID_DATA)
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()

    def send_text_now(self, text: str) -> bool:
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        try:
            self.conn.send_text(text.encode())
        except InvalidState:  # the client's close has just arrived
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True

    def shutdown(self) -> None:
        if not self.handshake_complete or self.close_sent:
            super().shutdown()
            return
        connections.shut_down()
        self.loop.call_later(settings.WS_SHUTDOWN_TIMEOUT, self._cut)

    def _cut(self) -> None:
        if not self.transport.is_closing():
            super().shutdown()


PROTOCOL = f"{__name__}:{SessionWebSocketProtocol.__name__}"
