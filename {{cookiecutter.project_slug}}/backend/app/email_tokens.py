"""The tokens of emailed links: single use, short-lived, bound to the address they went to.

The database keeps only a token's SHA-256, so reading it gives nobody a working link. These
tokens are random strings, not signed tokens: nothing that takes an access token can take one.
A link may also be bound to the browser that asked for it: it then works only together with
that browser's claim, a second random string that the mail never carries.
"""

import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import settings
from app.core.security import InvalidToken, digest, new_opaque_token
from app.models import EmailToken, User


@dataclass(frozen=True)
class Purpose:
    """What a link is for: the name its tokens are kept under, and how long one works. A
    feature with links of its own defines its purpose beside its routes."""

    name: str
    lifetime: timedelta


PASSWORD_RESET = Purpose(
    "password_reset", timedelta(minutes=settings.PASSWORD_RESET_EXPIRE_MINUTES)
)
EMAIL_VERIFICATION = Purpose(
    "email_verification", timedelta(hours=settings.EMAIL_VERIFICATION_EXPIRE_HOURS)
)
EMAIL_CHANGE = Purpose("email_change", timedelta(hours=settings.EMAIL_CHANGE_EXPIRE_HOURS))


def describe(delta: timedelta) -> str:
    """`30 minutes`, `48 hours`: how long a link works, for the mail that carries it."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0 and minutes >= 120:
        return f"{minutes // 60} hours"
    return f"{minutes} minutes" if minutes != 1 else "1 minute"


async def _pending(
    db: AsyncSession, user_id: uuid.UUID, purpose: Purpose, new_email: str | None, at: datetime
) -> EmailToken | None:
    """The newest token of this kind (and new address) that was unused at `at`, if it went out
    within MAIL_COOLDOWN_SECONDS before then."""
    since = at - timedelta(seconds=settings.MAIL_COOLDOWN_SECONDS)
    result = await db.execute(
        select(EmailToken)
        .where(
            EmailToken.user_id == user_id,
            EmailToken.purpose == purpose.name,
            EmailToken.new_email.is_(None)
            if new_email is None
            else EmailToken.new_email == new_email,
            or_(EmailToken.used_at.is_(None), EmailToken.used_at > at),
            EmailToken.created_at > since,
        )
        .order_by(EmailToken.created_at.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def issue(
    db: AsyncSession,
    user: User,
    purpose: Purpose,
    asked_at: datetime,
    *,
    claim: str | None = None,
    new_email: str | None = None,
) -> str | None:
    """A new link token for the user, voiding their earlier ones of the kind.

    None when one was pending when it was asked for (`asked_at`; sent within
    MAIL_COOLDOWN_SECONDS before, not yet used): no mail then, so that nobody can fill
    someone's inbox.
    An address change's link names the `new_email`; a link bound to the asking browser, its
    `claim`.
    """
    if await _pending(db, user.id, purpose, new_email, asked_at) is not None:
        return None
    now = datetime.now(UTC)
    await db.execute(
        update(EmailToken)
        .where(
            EmailToken.user_id == user.id,
            EmailToken.purpose == purpose.name,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = new_opaque_token()
    db.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose.name,
            token_hash=digest(token),
            email=user.email,
            new_email=new_email,
            claim_hash=digest(claim) if claim is not None else None,
            expires_at=now + purpose.lifetime,
        )
    )
    await db.commit()
    return token


@dataclass(frozen=True)
class Redeemed:
    user: User
    # For an address change: the address the link went to.
    new_email: str | None


async def redeem(
    db: AsyncSession, purpose: Purpose, token: str, *, claim: str | None = None
) -> Redeemed:
    """Spend a link token: its active user, once; InvalidToken for anything else."""
    now = datetime.now(UTC)
    record = await db.scalar(
        select(EmailToken).where(
            EmailToken.token_hash == digest(token), EmailToken.purpose == purpose.name
        )
    )
    if record is None or record.used_at is not None or record.expires_at <= now:
        raise InvalidToken("unknown, used or expired link")
    if record.claim_hash is not None and (
        claim is None or not hmac.compare_digest(record.claim_hash, digest(claim))
    ):
        raise InvalidToken("the link was opened without the claim of the browser that asked")
    user = await db.get(User, record.user_id)
    if user is None or not user.is_active or user.email != record.email:
        raise InvalidToken("no active user at this address")
    # Of two requests with one link, the conditional update lets one through.
    spent = await db.execute(
        update(EmailToken)
        .where(EmailToken.id == record.id, EmailToken.used_at.is_(None))
        .values(used_at=now)
    )
    await db.commit()
    if not spent.rowcount:  # type: ignore[attr-defined]
        raise InvalidToken("link already used")
    return Redeemed(user, record.new_email)
