"""How fast one socket may send (a token bucket), and how much at a time."""

from app.core.config import settings
from app.realtime.protocol import ErrorCode, SocketError

# A character of text is at most four bytes of UTF-8.
MAX_BYTES_PER_CHARACTER = 4


def too_big() -> SocketError:
    return SocketError(
        ErrorCode.MESSAGE_TOO_BIG,
        f"Messages are limited to {settings.WS_MAX_MESSAGE_BYTES} bytes; send less at a time.",
    )


def over_the_limit(frame: str | bytes) -> bool:
    """Whether a frame is over WS_MAX_MESSAGE_BYTES. The uvicorn adapter (app/realtime/uvicorn.py)
    refuses such a frame from its header; this holds the limit under any other ASGI server."""
    limit = settings.WS_MAX_MESSAGE_BYTES
    if len(frame) * (MAX_BYTES_PER_CHARACTER if isinstance(frame, str) else 1) <= limit:
        return False
    return len(frame.encode() if isinstance(frame, str) else frame) > limit


class TokenBucket:
    """`rate` messages a second, sustained, with up to `burst` at once above that.

    Time is whatever clock the caller passes in (seconds), so the bucket never reads one itself.
    """

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(max(burst, 1))
        self.tokens = self.capacity
        self.updated_at = now

    def take(self, now: float) -> bool:
        """Spend one token; False when there is none left."""
        elapsed = now - self.updated_at
        self.updated_at = now
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
