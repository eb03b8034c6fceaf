"""Sign-ins and their tokens: starting, refreshing and ending them, and finding the user an
access token stands for.

Every way in starts a sign-in (models.SignIn), and every token names its sign-in. A sign-in
ends on logout, when it reaches SIGN_IN_LIFETIME_HOURS, or when all of the user's end at once
(log out everywhere, a password change or reset, an address change, a copied refresh token);
from then on none of its tokens is taken, by any route.

A refresh token is spent on every use: the refresh answers with a new one. A spent token that
comes back has been copied (or the cookie stolen), so every sign-in of its user ends at once.
"""

import logging
import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import settings
from app.core.security import (
    InvalidToken,
    TokenClaims,
    TokenType,
    create_token,
    decode_token,
)
from app.models import RefreshToken, SignIn, User

logger = logging.getLogger(__name__)


async def start_sign_in(db: AsyncSession, user: User, *, completed: bool = True) -> SignIn:
    """A new sign-in of the user; not `completed` while one more step of the way in is due."""
    now = datetime.now(UTC)
    # The user's sign-ins past their lifetime are of no more use to anyone.
    await db.execute(delete(SignIn).where(SignIn.user_id == user.id, SignIn.expires_at <= now))
    sign_in = SignIn(
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(hours=settings.SIGN_IN_LIFETIME_HOURS),
        completed_at=now if completed else None,
    )
    db.add(sign_in)
    await db.commit()
    return sign_in


def _live(now: datetime) -> list[ColumnElement[bool]]:
    """What makes a sign-in's tokens good."""
    return [
        SignIn.ended_at.is_(None),
        SignIn.expires_at > now,
        SignIn.completed_at.is_not(None),
    ]


async def authenticate_access_token(db: AsyncSession, token: str) -> tuple[User, TokenClaims]:
    """The active user behind an access token; InvalidToken for anything else."""
    claims = decode_token(token, TokenType.ACCESS)
    return await user_for(db, claims), claims


async def user_for(db: AsyncSession, claims: TokenClaims) -> User:
    """The active user a token's claims name, while the token's sign-in lasts."""
    user = await user_of_sign_in(db, claims, *_live(datetime.now(UTC)))
    if user is None:
        raise InvalidToken("no active user, or this sign-in has ended")
    return user


async def user_of_sign_in(
    db: AsyncSession, claims: TokenClaims, *sign_in: ColumnElement[bool]
) -> User | None:
    """The active user the claims name, if the claims' sign-in meets the `sign_in` conditions."""
    user: User | None = await db.scalar(
        select(User)
        .join(SignIn, SignIn.user_id == User.id)
        .where(
            User.id == claims.subject,
            User.is_active.is_(True),
            SignIn.id == claims.sign_in_id,
            *sign_in,
        )
    )
    return user


async def live_sign_ins(db: AsyncSession, sign_in_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these sign-ins still last, with their users active (one query)."""
    result = await db.execute(
        select(SignIn.id)
        .join(User, SignIn.user_id == User.id)
        .where(
            SignIn.id.in_(sign_in_ids),
            User.is_active.is_(True),
            *_live(datetime.now(UTC)),
        )
    )
    return set(result.scalars())


async def issue_refresh_token(db: AsyncSession, user: User, sign_in_id: uuid.UUID) -> str:
    sign_in = await db.get(SignIn, sign_in_id)
    if sign_in is None:
        raise InvalidToken("no such sign-in")
    now = datetime.now(UTC)
    expires_at = min(now + timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS), sign_in.expires_at)
    record = RefreshToken(
        id=uuid.uuid4(), user_id=user.id, sign_in_id=sign_in_id, expires_at=expires_at
    )
    db.add(record)
    await db.commit()
    return create_token(
        user.id, TokenType.REFRESH, expires_at - now, sign_in_id, token_id=record.id
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


async def spend_refresh_token(db: AsyncSession, token: str) -> tuple[User, uuid.UUID]:
    """Revoke a refresh token for a refresh: its active user and sign-in, to issue the next
    one to. A token already spent on a refresh ends every sign-in of its user."""
    claims = decode_token(token, TokenType.REFRESH)
    # The conditional update makes two concurrent uses of one token succeed at most once.
    if not await _spend(db, claims, rotated=True):
        record = await db.get(RefreshToken, claims.token_id)
        if record is not None and record.rotated_at is not None:
            logger.warning(
                "A spent refresh token came back: ending user %s's sign-ins", claims.subject
            )
            await end_all_sign_ins(db, claims.subject)
        raise InvalidToken("refresh token unknown or already used")
    return await user_for(db, claims), claims.sign_in_id


async def end_sign_in_of(db: AsyncSession, refresh_token: str) -> None:
    """Log out: the sign-in of this refresh token ends, with all its tokens."""
    with suppress(InvalidToken):
        claims = decode_token(refresh_token, TokenType.REFRESH)
        await _end(db, SignIn.id == claims.sign_in_id, SignIn.user_id == claims.subject)


async def end_all_sign_ins(
    db: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
) -> None:
    """Log a user out everywhere (but for the sign-in `keep`, when given)."""
    conditions: list[ColumnElement[bool]] = [SignIn.user_id == user_id]
    if keep is not None:
        conditions.append(SignIn.id != keep)
    await _end(db, *conditions)


async def _end(db: AsyncSession, *conditions: ColumnElement[bool]) -> None:
    now = datetime.now(UTC)
    ended = select(SignIn.id).where(*conditions, SignIn.ended_at.is_(None))
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.sign_in_id.in_(ended), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await db.execute(
        update(SignIn).where(*conditions, SignIn.ended_at.is_(None)).values(ended_at=now)
    )
    await db.commit()
