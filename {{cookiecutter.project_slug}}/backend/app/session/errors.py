from enum import IntEnum, StrEnum


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
