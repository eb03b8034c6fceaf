"""Serve the app: `python -m app` from backend/ (`--help` lists the options).

The one place the server is configured, so that development, tests and production run the
same server settings.
"""

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

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


def server_options(settings: "Settings") -> dict[str, Any]:
    """uvicorn's options beyond the command line's."""
{%- if cookiecutter.use_websockets == "yes" %}
    from app.realtime.serving import uvicorn_options

    return uvicorn_options(settings)
{%- else %}
    return {"timeout_graceful_shutdown": 15}
{%- endif %}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--reload", action="store_true", help="restart on code changes")
    options = parser.parse_args(argv)
    settings = load_settings()
    uvicorn.run(
        "app.main:app",
        host=options.host,
        port=options.port,
        workers=options.workers,
        reload=options.reload,
        proxy_headers=True,
        **server_options(settings),
    )


if __name__ == "__main__":
    main()
