"""Password hashing and signed tokens.

Every token carries a `type` claim, and each decoder accepts exactly one type: a refresh
token is never taken for an access token, on HTTP or on the socket.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from anyio import to_thread
from pwdlib import PasswordHash

from app.core.config import settings

ALGORITHM = "HS256"
password_hash = PasswordHash.recommended()


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
    # The user's session generation when the token was issued (see User.session_generation).
    generation: int


# Hashing is slow on purpose; it runs in a thread so that no socket waits on it.
async def hash_password(password: str) -> str:
    return await to_thread.run_sync(password_hash.hash, password)


async def verify_password(password: str, hashed: str) -> bool:
    return await to_thread.run_sync(password_hash.verify, password, hashed)


def create_token(
    subject: uuid.UUID,
    token_type: TokenType,
    expires_delta: timedelta,
    generation: int,
    token_id: uuid.UUID | None = None,
) -> str:
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "sub": str(subject),
        "type": token_type.value,
        "jti": str(token_id or uuid.uuid4()),
        "gen": generation,
        "iat": now,
        "exp": now + expires_delta,
    }
    return jwt.encode(payload, settings.SECRET_KEY, algorithm=ALGORITHM)


def create_access_token(subject: uuid.UUID, generation: int) -> str:
    expires = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    return create_token(subject, TokenType.ACCESS, expires, generation)


def decode_token(token: str, token_type: TokenType) -> TokenClaims:
    try:
        payload = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "type", "jti", "gen", "exp"]},
        )
        if payload["type"] != token_type.value:
            raise InvalidToken(f"expected a {token_type.value} token")
        generation = payload["gen"]
        if not isinstance(generation, int):
            raise InvalidToken("malformed generation")
        return TokenClaims(
            subject=uuid.UUID(payload["sub"]),
            token_id=uuid.UUID(payload["jti"]),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            generation=generation,
        )
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_opaque_token() -> str:
    """A random token for a link or a claim: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of an opaque token: enough to find it, useless to replay."""
    return hashlib.sha256(token.encode()).hexdigest()
