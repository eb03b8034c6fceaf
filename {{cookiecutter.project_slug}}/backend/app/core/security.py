"""Password hashing and signed tokens.

Every token carries a `type` claim, and each decoder accepts exactly one type: a refresh
token is never taken for an access token, by any route. Every token names the
sign-in it belongs to (`sid`), which ending that sign-in voids; and the key that signed it
(`kid`), so that SECRET_KEY can be rotated while tokens signed by PREVIOUS_SECRET_KEYS last.
"""

import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from anyio import CapacityLimiter, to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core.config import settings

ALGORITHM = "HS256"
# pwdlib's recommended hasher, Argon2id, with its memory from the settings.
password_hash = PasswordHash((Argon2Hasher(memory_cost=settings.PASSWORD_HASH_MEMORY_KIB),))


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
{%- if cookiecutter.auth_totp == "yes" %}
    # Password (or link) accepted, second factor still due: only the code step takes it.
    CHALLENGE = "challenge"
{%- endif %}


class InvalidToken(Exception):
    """The token is malformed, expired, wrongly signed or of another type."""


@dataclass(frozen=True)
class TokenClaims:
    subject: uuid.UUID
    token_id: uuid.UUID
    expires_at: datetime
    # The sign-in (see models.SignIn) the token belongs to.
    sign_in_id: uuid.UUID


class PasswordChecksBusy(Exception):
    """More passwords are being checked than PASSWORD_CHECKS_AT_ONCE and _WAITING allow."""


_password_checks: CapacityLimiter | None = None


def _checks() -> CapacityLimiter:
    # Made on first use, inside the event loop it belongs to.
    global _password_checks
    if _password_checks is None:
        _password_checks = CapacityLimiter(settings.PASSWORD_CHECKS_AT_ONCE)
    return _password_checks


# Requests between the start of their work towards a password check and its end.
_in_line = 0


def password_line_full() -> bool:
    return _in_line >= settings.PASSWORD_CHECKS_AT_ONCE + settings.PASSWORD_CHECKS_WAITING


@asynccontextmanager
async def password_check_turn() -> AsyncIterator[None]:
    """A place in the line of password checks, taken before any other work of the request
    (counting the attempt, finding the user): when the line is full, PasswordChecksBusy at
    once, so that a flood of logins is refused without costing anything."""
    global _in_line
    if password_line_full():
        raise PasswordChecksBusy
    _in_line += 1
    try:
        yield
    finally:
        _in_line -= 1


async def _hashing(function: Any, *args: str) -> Any:
    """Run an Argon2 call in a thread, a few at once: each takes PASSWORD_HASH_MEMORY_KIB and
    a core, so a flood of logins waits in a short line or is refused at once, and memory stays
    bounded."""
    limiter = _checks()
    busy = limiter.available_tokens < 1
    if busy and limiter.statistics().tasks_waiting >= settings.PASSWORD_CHECKS_WAITING:
        raise PasswordChecksBusy
    return await to_thread.run_sync(function, *args, limiter=limiter)


async def hash_password(password: str) -> str:
    hashed: str = await _hashing(password_hash.hash, password)
    return hashed


async def verify_password(password: str, hashed: str) -> bool:
    return bool(await _hashing(password_hash.verify, password, hashed))


def key_id(key: str) -> str:
    """A name for a signing key that reveals nothing of it."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _verification_keys() -> dict[str, str]:
    keys = [settings.SECRET_KEY, *settings.PREVIOUS_SECRET_KEYS]
    return {key_id(key): key for key in reversed(keys)}


def create_token(
    subject: uuid.UUID,
    token_type: TokenType,
    expires_delta: timedelta,
    sign_in_id: uuid.UUID,
    token_id: uuid.UUID | None = None,
) -> str:
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "sub": str(subject),
        "type": token_type.value,
        "jti": str(token_id or uuid.uuid4()),
        "sid": str(sign_in_id),
        "iat": now,
        "exp": now + expires_delta,
    }
    headers = {"kid": key_id(settings.SECRET_KEY)}
    return jwt.encode(payload, settings.SECRET_KEY, algorithm=ALGORITHM, headers=headers)


def create_access_token(subject: uuid.UUID, sign_in_id: uuid.UUID) -> str:
    expires = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    return create_token(subject, TokenType.ACCESS, expires, sign_in_id)


def decode_token(token: str, token_type: TokenType) -> TokenClaims:
    try:
        key = _verification_keys().get(jwt.get_unverified_header(token).get("kid", ""))
        if key is None:
            raise InvalidToken("signed by an unknown key")
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "type", "jti", "sid", "exp"]},
        )
        if payload["type"] != token_type.value:
            raise InvalidToken(f"expected a {token_type.value} token")
        return TokenClaims(
            subject=uuid.UUID(payload["sub"]),
            token_id=uuid.UUID(payload["jti"]),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            sign_in_id=uuid.UUID(payload["sid"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_opaque_token() -> str:
    """A random token for a link or a claim: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of an opaque token: enough to find it, useless to replay."""
    return hashlib.sha256(token.encode()).hexdigest()
