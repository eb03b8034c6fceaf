"""The socket's protocol: what crosses it (requests in, responses and errors out), its error
and close codes."""

import math
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013


class ErrorCode(StrEnum):
    INVALID_JSON = "invalid_json"
    INVALID_REQUEST = "invalid_request"
    UNKNOWN_STATE = "unknown_state"
    INVALID_DATA = "invalid_data"
    NOT_ALLOWED = "not_allowed"
    UNAVAILABLE = "unavailable"
    UNAUTHORIZED = "unauthorized"
    RATE_LIMITED = "rate_limited"
    MESSAGE_TOO_BIG = "message_too_big"
    INTERNAL = "internal"


# The socket stays open after any error not listed here.
CLOSES_WITH: dict[ErrorCode, CloseCode] = {
    ErrorCode.UNAUTHORIZED: CloseCode.POLICY_VIOLATION,
    ErrorCode.RATE_LIMITED: CloseCode.POLICY_VIOLATION,
    ErrorCode.MESSAGE_TOO_BIG: CloseCode.MESSAGE_TOO_BIG,
    ErrorCode.INTERNAL: CloseCode.INTERNAL_ERROR,
}

CREDENTIALS_ERROR = "Could not validate credentials."
EXPIRED_TOKEN_MESSAGE = "Your access token has expired; log in again."  # noqa: S105 (not a secret)
LOGGED_OUT_MESSAGE = "This sign-in has ended (logged out, or the account changed); log in again."
INTERNAL_ERROR = "Something went wrong on the server; please try again."


class SocketError(Exception):
    """A failure the client is told about, as the protocol's error message."""

    def __init__(self, code: ErrorCode, message: str, request_id: str | int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id

    @property
    def close_code(self) -> CloseCode | None:
        return CLOSES_WITH.get(self.code)


# A browser reads every JSON number as a double: an id past 2**53 would come back changed.
SAFE_INTEGER = 2**53 - 1
RequestId = (
    Annotated[StrictStr, Field(max_length=128)]
    | Annotated[StrictInt, Field(ge=-SAFE_INTEGER, le=SAFE_INTEGER)]
)
REQUEST_ID: TypeAdapter[str | int] = TypeAdapter(RequestId)


class Request(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    state: StrictStr
    data: dict[str, Any] = Field(default_factory=dict)
    id: RequestId | None = None


@dataclass(slots=True)
class Response:
    """What a handler answers.

    `followed_by` are frames sent right after the answer, before anything else reaches the
    socket; `close_code` closes the socket once they are sent.
    """

    state: str
    data: Any = field(default_factory=dict)
    followed_by: list[str] = field(default_factory=list)
    close_code: int | None = None


def encode(message: Any) -> str:
    """JSON text for a frame; UUIDs, datetimes, decimals, enums and models included. Strict
    JSON (RFC 8259) whatever happens: a number that is not finite goes out as null, never as
    `Infinity` or `NaN`, which a browser's JSON.parse refuses (parse_json keeps them out)."""
    return pydantic_core.to_json(message, inf_nan_mode="null").decode()


def response_message(response: Response, request_id: RequestId | None) -> dict[str, Any]:
    message: dict[str, Any] = {"state": response.state, "data": response.data}
    if request_id is not None:
        message["id"] = request_id
    return message


class ErrorMessage(BaseModel):
    """What a client is told when something fails; `id` is its request's, when it had one."""

    state: Literal["error"] = "error"
    error: str
    code: ErrorCode
    id: RequestId | None = None


def error_message(error: SocketError) -> dict[str, Any]:
    message = ErrorMessage(error=error.message, code=error.code, id=error.request_id)
    return message.model_dump(exclude_none=True)


def _all_finite(value: Any) -> bool:
    """No float in `value` is infinite (a number like 1e309 overflows a double into one)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return False
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def parse_json(frame: str | bytes) -> Any:
    """Strict JSON (RFC 8259): NaN, Infinity and numbers too big for a double are refused."""
    if not isinstance(frame, str):
        raise SocketError(ErrorCode.INVALID_JSON, "Frames must be JSON text, not binary.")
    try:
        payload = pydantic_core.from_json(frame, allow_inf_nan=False)
    except ValueError:
        raise SocketError(ErrorCode.INVALID_JSON, "The message is not valid JSON.") from None
    if not _all_finite(payload):
        raise SocketError(
            ErrorCode.INVALID_JSON, "The message has a number too big for JSON to carry."
        )
    return payload


def describe_validation_error(error: ValidationError, prefix: str = "") -> str:
    """Which field and why, without echoing the input back."""
    parts = []
    for detail in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in (*([prefix] if prefix else []), *detail["loc"]))
        parts.append(f"{location or 'request'}: {detail['msg']}")
    return "; ".join(parts)


def _readable_id(payload: dict[str, Any]) -> RequestId | None:
    try:
        return REQUEST_ID.validate_python(payload.get("id"))
    except ValidationError:
        return None


def parse_request(frame: str | bytes) -> Request:
    payload = parse_json(frame)
    if not isinstance(payload, dict):
        raise SocketError(
            ErrorCode.INVALID_REQUEST, 'A request is a JSON object: {"state": ..., "data": {...}}.'
        )
    try:
        return Request.model_validate(payload)
    except ValidationError as error:
        raise SocketError(
            ErrorCode.INVALID_REQUEST, describe_validation_error(error), _readable_id(payload)
        ) from None
