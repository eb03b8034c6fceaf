"""What every request meets before and after its route: cross-site refusal, security headers,
and answers for the refusals that any route may give (throttled, busy, invalid input, a method
the path does not take).
"""

import json
import logging
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError, TimeoutError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import LOGIN_URL
from app.core.config import settings
from app.core.db import DATABASE_BUSY, database_unavailable
from app.core.security import PasswordChecksBusy, password_line_full
from app.throttle import Throttled

logger = logging.getLogger(__name__)

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
METHODS = ["GET", "HEAD", "OPTIONS", *sorted(UNSAFE_METHODS)]
CROSS_SITE = "Cross-site request refused."
BUSY = "The server is busy; try again in a moment."
# Body fields whose value a validation error never repeats.
SECRET_FIELDS = {
    "password",
    "current_password",
    "new_password",
    "token",
    "challenge_token",
    "claim",
    "code",
}

# The page loads only its own files, has no inline script, and is framed by nobody; images may
# also be data: URLs (generated ones, such as a QR code).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The API's own pages (/docs, /redoc) load their script from a CDN and start it inline.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

# What a browser puts in Sec-Fetch-Site for a request of the site itself, or one a person typed.
SAME_SITE_FETCHES = {"same-origin", "none"}


def own_origin(scope: Scope) -> str | None:
    """The origin this request was sent to: its scheme (http for ws), host and port."""
    host = Headers(scope=scope).get("host")
    if not host:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(scope["scheme"], scope["scheme"])
    return f"{scheme}://{host}".lower()


def origin_allowed(scope: Scope) -> bool:
    """A page of this site or of an allowed origin may send this request; no other page may.

    The origin's scheme, host and port must all match. Browsers send Origin with every request
    that changes something (and Sec-Fetch-Site when they do not); scripts and tests send neither,
    and are not refused for that.
    """
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    if origin is None:
        fetch_site = headers.get("sec-fetch-site")
        return fetch_site is None or fetch_site in SAME_SITE_FETCHES
    origin = origin.rstrip("/").lower()
    if origin == "null" or not urlsplit(origin).scheme:
        return False
    return origin == own_origin(scope) or origin in settings.allowed_origins


def _json(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


class SiteGuard:
    """Refuses a cross-site request that would change something (a forged form or fetch: login
    CSRF, forced logout), and adds the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in UNSAFE_METHODS and not origin_allowed(scope):
            response = _json(status.HTTP_403_FORBIDDEN, CROSS_SITE)
            await response(scope, receive, self._with_headers(scope, send))
            return
        if scope["path"] == LOGIN_URL and password_line_full():
            # What the route would answer, before the routing, the form and the rest: a flood
            # of logins past the line costs the server next to nothing, and others are served.
            await _busy_response()(scope, receive, self._with_headers(scope, send))
            return
        await self.app(scope, receive, self._with_headers(scope, send))

    @staticmethod
    def _with_headers(scope: Scope, send: Send) -> Send:
        docs = scope["path"].startswith(DOCS_PATHS)
        policy = DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend(SECURITY_HEADERS)
                headers.append((b"content-security-policy", policy.encode()))
            await send(message)

        return send_with_headers


def _without_secrets(errors: Sequence[Any]) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors:
        error = dict(error)
        location = error.get("loc") or ()
        if location and location[-1] in SECRET_FIELDS:
            error.pop("input", None)
            error.pop("ctx", None)
        elif not _strict_json(error.get("input")):
            # 1e309 or NaN in a body: the answer names the field, and stays JSON.
            error.pop("input", None)
        cleaned.append(error)
    return cleaned


def _strict_json(value: Any) -> bool:
    try:
        json.dumps(jsonable_encoder(value), allow_nan=False)
    except ValueError:
        return False
    return True


async def _throttled(_: Request, error: Exception) -> JSONResponse:
    wait = cast(Throttled, error).retry_after
    return _json(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"Too many attempts; try again in {wait} seconds.",
        {"Retry-After": str(wait)},
    )


async def _busy(_: Request, __: Exception) -> JSONResponse:
    return _busy_response()


def _busy_response() -> JSONResponse:
    return _json(status.HTTP_503_SERVICE_UNAVAILABLE, BUSY, {"Retry-After": "1"})


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    if not database_unavailable(error):
        logger.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return _json(status.HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error")
    reason = type(error).__name__
    logger.warning(
        "%s %s: the database did not answer in time (%s)", request.method, request.url.path, reason
    )
    return _json(status.HTTP_503_SERVICE_UNAVAILABLE, DATABASE_BUSY, {"Retry-After": "1"})


async def _http_error(request: Request, error: Exception) -> Response:
    """As FastAPI answers, but a path that takes other methods answers 405 naming all of them,
    not only those of the first route with the path (each method of a path is a route of its
    own here), nor a 404 from the page served at / that takes every path left."""
    refusal = cast(StarletteHTTPException, error)
    if refusal.status_code in (status.HTTP_404_NOT_FOUND, status.HTTP_405_METHOD_NOT_ALLOWED):
        allowed = {
            method
            for method in METHODS
            for route in request.app.router.routes
            if not isinstance(route, Mount)
            and route.matches({**request.scope, "method": method})[0] == Match.FULL
        }
        if allowed and request.method not in allowed:
            headers = {"Allow": ", ".join(sorted(allowed))}
            return _json(status.HTTP_405_METHOD_NOT_ALLOWED, "Method Not Allowed", headers)
    return await http_exception_handler(request, refusal)


async def _invalid(_: Request, error: Exception) -> JSONResponse:
    errors = cast(RequestValidationError, error).errors()
    return JSONResponse(
        {"detail": jsonable_encoder(_without_secrets(errors))},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def protect(app: FastAPI) -> None:
    app.add_middleware(SiteGuard)
    app.add_exception_handler(Throttled, _throttled)
    app.add_exception_handler(PasswordChecksBusy, _busy)
    for error in (TimeoutError, OperationalError):
        app.add_exception_handler(error, _database_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
