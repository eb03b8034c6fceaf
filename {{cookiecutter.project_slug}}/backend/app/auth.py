"""Issuing, rotating and revoking tokens, and finding the user an access token stands for.

A refresh token is spent on every use: the refresh answers with a new one. A spent token that
comes back has been copied (or the cookie stolen), so every session of its user ends at once:
their refresh tokens are revoked and their session generation raised, which voids each access
token issued before{% if cookiecutter.use_websockets == "yes" %} and closes their sockets{% endif %}.
"""

import logging
import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import settings
from app.core.security import (
    InvalidToken,
    TokenClaims,
    TokenType,
    create_token,
    decode_token,
)
from app.models import RefreshToken, User

logger = logging.getLogger(__name__)


async def authenticate_access_token(db: AsyncSession, token: str) -> tuple[User, TokenClaims]:
    """The active user behind an access token; InvalidToken for anything else."""
    claims = decode_token(token, TokenType.ACCESS)
    return await user_for(db, claims), claims


async def user_for(db: AsyncSession, claims: TokenClaims) -> User:
    """The active user a token's claims name, if none of their sessions was ended since."""
    user = await db.get(User, claims.subject)
    if user is None or not user.is_active:
        raise InvalidToken("no active user for this token")
    if claims.generation != user.session_generation:
        raise InvalidToken("this session was ended")
    return user


async def issue_refresh_token(db: AsyncSession, user: User) -> str:
    lifetime = timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS)
    record = RefreshToken(id=uuid.uuid4(), user_id=user.id, expires_at=datetime.now(UTC) + lifetime)
    db.add(record)
    await db.commit()
    return create_token(
        user.id, TokenType.REFRESH, lifetime, user.session_generation, token_id=record.id
    )


async def _spend(db: AsyncSession, claims: TokenClaims, *, rotated: bool) -> bool:
    """Revoke one refresh token; False when it was unknown or already revoked."""
    now = datetime.now(UTC)
    result = await db.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == claims.token_id,
            RefreshToken.user_id == claims.subject,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now, rotated_at=now if rotated else None)
    )
    await db.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def spend_refresh_token(db: AsyncSession, token: str) -> User:
    """Revoke a refresh token for a refresh: its active user, to issue the next one to.

    A token already spent on a refresh ends every session of its user (see the module's doc).
    """
    claims = decode_token(token, TokenType.REFRESH)
    # The conditional update makes two concurrent uses of one token succeed at most once.
    if not await _spend(db, claims, rotated=True):
        record = await db.get(RefreshToken, claims.token_id)
        if record is not None and record.rotated_at is not None:
            logger.warning(
                "A spent refresh token came back: ending user %s's sessions", claims.subject
            )
            await end_all_sessions(db, claims.subject)
        raise InvalidToken("refresh token unknown or already used")
    return await user_for(db, claims)


async def revoke_refresh_token(db: AsyncSession, token: str) -> None:
    with suppress(InvalidToken):
        await _spend(db, decode_token(token, TokenType.REFRESH), rotated=False)


async def end_all_sessions(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Log a user out everywhere: refresh tokens revoked, access tokens{% if cookiecutter.use_websockets == "yes" %} and sockets{% endif %} voided."""
    now = datetime.now(UTC)
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await db.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_generation=User.session_generation + 1)
    )
    await db.commit()
    # The user object of this request, if loaded, must see the new generation.
    if (user := await db.get(User, user_id)) is not None:
        await db.refresh(user)
