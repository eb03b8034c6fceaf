"""Issuing, rotating and revoking tokens, and finding the user an access token stands for."""

import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import settings
from app.core.security import InvalidToken, TokenClaims, TokenType, create_token, decode_token
from app.models import RefreshToken, User


async def authenticate_access_token(db: AsyncSession, token: str) -> tuple[User, TokenClaims]:
    """The active user behind an access token; InvalidToken for anything else."""
    claims = decode_token(token, TokenType.ACCESS)
    user = await db.get(User, claims.subject)
    if user is None or not user.is_active:
        raise InvalidToken("no active user for this token")
    return user, claims


async def issue_refresh_token(db: AsyncSession, user_id: uuid.UUID) -> str:
    lifetime = timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS)
    record = RefreshToken(id=uuid.uuid4(), user_id=user_id, expires_at=datetime.now(UTC) + lifetime)
    db.add(record)
    await db.commit()
    return create_token(user_id, TokenType.REFRESH, lifetime, token_id=record.id)


async def _revoke(db: AsyncSession, claims: TokenClaims) -> bool:
    """Revoke one refresh token; False when it was unknown or already revoked."""
    result = await db.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == claims.token_id,
            RefreshToken.user_id == claims.subject,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC))
    )
    await db.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def rotate_refresh_token(db: AsyncSession, token: str) -> tuple[User, str]:
    """Spend a refresh token: it is revoked and a new one issued for the same active user."""
    claims = decode_token(token, TokenType.REFRESH)
    # The conditional update makes two concurrent uses of one token succeed at most once.
    if not await _revoke(db, claims):
        raise InvalidToken("refresh token unknown or already used")
    user = await db.get(User, claims.subject)
    if user is None or not user.is_active:
        raise InvalidToken("no active user for this token")
    return user, await issue_refresh_token(db, user.id)


async def revoke_refresh_token(db: AsyncSession, token: str) -> None:
    with suppress(InvalidToken):
        await _revoke(db, decode_token(token, TokenType.REFRESH))
