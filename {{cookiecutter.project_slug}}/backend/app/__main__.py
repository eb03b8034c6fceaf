"""Serve the app: `python -m app` from backend/ (`--help` lists the options).

The one place the server is configured, so that development, tests and production run the
same server settings.
"""

import argparse
import os
import sys
{%- if cookiecutter.use_websockets == "yes" %}
from typing import TYPE_CHECKING, Any
{%- else %}
from typing import TYPE_CHECKING
{%- endif %}

import uvicorn
from pydantic import ValidationError

if TYPE_CHECKING:
    from app.core.config import Settings


def load_settings() -> "Settings":
    """The settings, or an exit that says what is wrong with them (no traceback)."""
    try:
        from app.core.config import settings
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            where = ".".join(str(part) for part in detail["loc"])
            message = detail["msg"].removeprefix("Value error, ")
            for line in message.splitlines():
                problems.append(f"  {where}: {line}" if where else f"  {line}")
        sys.exit("The settings (.env or the environment) are not right:\n" + "\n".join(problems))
    return settings


{%- if cookiecutter.use_websockets == "yes" %}


def websocket_protocol(settings: "Settings") -> dict[str, Any]:
    """uvicorn's websocket options: the adapter (app/realtime/uvicorn.py) when it is on and
    fits the installed uvicorn, else uvicorn's own protocol, where the app still refuses a frame
    over WS_MAX_MESSAGE_BYTES with `message_too_big` (uvicorn reads up to 16 MiB first)."""
    if settings.WS_UVICORN_ADAPTER:
        try:
            import app.realtime.uvicorn as adapter
        except ImportError as error:
            print(f"Serving the socket with uvicorn's own protocol: {error}", file=sys.stderr)
        else:
            return {"ws": adapter.PROTOCOL, "ws_max_size": settings.WS_MAX_MESSAGE_BYTES}
    return {"ws": "websockets-sansio"}
{%- endif %}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--reload", action="store_true", help="restart on code changes")
    options = parser.parse_args(argv)
{%- if cookiecutter.use_websockets == "yes" %}
    settings = load_settings()
{%- else %}
    load_settings()
{%- endif %}
    uvicorn.run(
        "app.main:app",
        host=options.host,
        port=options.port,
        workers=options.workers,
        reload=options.reload,
        proxy_headers=True,
{%- if cookiecutter.use_websockets == "yes" %}
        **websocket_protocol(settings),
        ws_ping_interval=settings.WS_PING_INTERVAL,
        ws_ping_timeout=settings.WS_PING_TIMEOUT,
        # Frames are small JSON messages; compression would cost CPU and memory per socket.
        ws_per_message_deflate=False,
        # Sockets get WS_SHUTDOWN_TIMEOUT to close; the rest of the shutdown a little more.
        timeout_graceful_shutdown=settings.WS_SHUTDOWN_TIMEOUT + 5,
{%- else %}
        timeout_graceful_shutdown=15,
{%- endif %}
    )


if __name__ == "__main__":
    main()
