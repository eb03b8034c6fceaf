"""Serve the app: `python -m app` from backend/ (`--help` lists the options).

The one place the server is configured, so that development, tests and production run the
same socket settings.
"""

import argparse
import os

import uvicorn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--reload", action="store_true", help="restart on code changes")
    options = parser.parse_args(argv)
    uvicorn.run(
        "app.main:app",
        host=options.host,
        port=options.port,
        workers=options.workers,
        reload=options.reload,
        # Frames are small JSON messages; compression would cost CPU and memory per socket.
        ws_per_message_deflate=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
