"""How `python -m app` serves the socket: uvicorn's websocket options, from the settings."""

import sys
from typing import Any

from app.realtime.settings import RealtimeSettings


def uvicorn_options(settings: RealtimeSettings) -> dict[str, Any]:
    return {
        **websocket_protocol(settings),
        "ws_ping_interval": settings.WS_PING_INTERVAL,
        "ws_ping_timeout": settings.WS_PING_TIMEOUT,
        # Frames are small JSON messages; compression would cost CPU and memory per socket.
        "ws_per_message_deflate": False,
        # Sockets get WS_SHUTDOWN_TIMEOUT to close; the rest of the shutdown a little more.
        "timeout_graceful_shutdown": settings.WS_SHUTDOWN_TIMEOUT + 5,
    }


def websocket_protocol(settings: RealtimeSettings) -> dict[str, Any]:
    """The adapter (app/realtime/uvicorn.py) when it is on and fits the installed uvicorn, else
    uvicorn's own protocol, where the app still refuses a frame over WS_MAX_MESSAGE_BYTES with
    `message_too_big` (uvicorn reads up to 16 MiB first)."""
    if settings.WS_UVICORN_ADAPTER:
        try:
            import app.realtime.uvicorn as adapter
        except ImportError as error:
            print(f"Serving the socket with uvicorn's own protocol: {error}", file=sys.stderr)
        else:
            return {"ws": adapter.PROTOCOL, "ws_max_size": settings.WS_MAX_MESSAGE_BYTES}
    return {"ws": "websockets-sansio"}
