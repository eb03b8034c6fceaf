"""Links to the page's own routes, for mail."""

from urllib.parse import urlsplit

from fastapi import Request

from app.core.config import settings


def page_origin(request: Request) -> str:
    """The page that asked, when it is one of ours; FRONTEND_HOST otherwise.

    Only an allowed or same-host Origin is taken: a link built from any header a client sends
    would let a stranger's page receive a user's reset link.
    """
    origin = request.headers.get("origin", "").rstrip("/")
    if origin and (
        origin in settings.allowed_origins or urlsplit(origin).netloc == request.headers.get("host")
    ):
        return origin
    return settings.FRONTEND_HOST.rstrip("/")


def page_link(request: Request, path: str, token: str) -> str:
    return f"{page_origin(request)}{path}#token={token}"
