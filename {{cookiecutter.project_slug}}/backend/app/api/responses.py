"""The refusals each route may answer with, for its OpenAPI description: every status a route
returns is documented, with its body, so that a generated client (and Schemathesis) knows them."""

from typing import Any

from pydantic import BaseModel


class ErrorMessage(BaseModel):
    detail: str


_WAIT = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
_MEANINGS = {
    400: "Refused: a wrong password, code or link, or a body that cannot be read",
    401: "No valid access token (or refresh cookie, or challenge)",
    403: "Not allowed to this user, or sent by another site's page",
    404: "Not found",
    409: "In conflict with the present state",
    429: "Too many attempts: wait as long as Retry-After says",
    503: "Too busy for now: wait as long as Retry-After says",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of a route that may refuse with these statuses."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        documented[code] = {"model": ErrorMessage, "description": _MEANINGS[code]}
        if code in (429, 503):
            documented[code]["headers"] = _WAIT
    return documented
