"""Links to the page's own routes, for mail."""

from fastapi import Request

from app.core.config import settings


def page_origin(request: Request) -> str:
    """The page that asked, when it is one of the allowed origins; FRONTEND_HOST otherwise.

    Only an origin on the list is taken, never the Host header or any other value a client chooses:
    whoever sends a request may forge those, and a reset link built from them would carry a
    stranger's token to the forger's own site.
    """
    origin = request.headers.get("origin", "").rstrip("/")
    if origin in settings.allowed_origins:
        return origin
    return settings.FRONTEND_HOST.rstrip("/")


def page_link(request: Request, path: str, token: str) -> str:
    return f"{page_origin(request)}{path}#token={token}"
