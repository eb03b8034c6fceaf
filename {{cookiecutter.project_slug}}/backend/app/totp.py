"""Two-factor codes from an authenticator app (TOTP, RFC 6238): enrolment, checks, recovery.

The secret is stored encrypted with TOTP_ENCRYPTION_KEY (PREVIOUS_TOTP_ENCRYPTION_KEYS still
decrypt, until `reencrypt_all` has moved every secret to the new key). A code is good for its
30-second step and one step either side (a phone's clock a little off), and only once: the last
step accepted is kept, and a code of that step or an earlier one is refused. Guesses are
counted by app.throttle before each check, so six digits cannot be guessed.

Recovery codes stand in for the app when the phone is lost: ten random codes of 80 bits, shown
once, kept as SHA-256 hashes (too random to be found from the hash), each good once.

Its tables (TotpCredential, RecoveryCode) are here too, in the app's one metadata (app.models.Base).
"""

import base64
import hashlib
import hmac
import io
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import pyotp
import segno
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import ForeignKey, String, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app import auth
from app.core.config import settings
from app.core.security import InvalidToken, TokenClaims, TokenType, create_token, digest
from app.models import Base, SignIn, User, utcnow
from app.schemas import Challenge

DRIFT_STEPS = 1
CODE_DIGITS = 6
RECOVERY_CODES = 10
# Crockford's base32 without the letters that read like digits: 4 groups of 4, 80 bits.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_GROUPS = 4
RECOVERY_FORMAT = re.compile(r"^[0-9a-z]{4}(-?[0-9a-z]{4}){3}$")


class TotpCredential(Base):
    """A user's authenticator-app secret (encrypted), from enrolment until it is turned off."""

    __tablename__ = "totp_credentials"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    # None while the user has not yet confirmed a first code: not in force.
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The last time step whose code was accepted: no code is good twice.
    last_used_step: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(Base):
    """A one-time code that stands in for the app's code when the phone is lost; only its
    hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class AlreadyEnabled(Exception):
    pass


class CodeRefused(Exception):
    """Wrong, malformed or already used."""


def _fernet_of(key: str) -> Fernet:
    # Fernet wants 32 bytes, base64-encoded; any long random string in .env serves as the key.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


@cache
def _fernet() -> MultiFernet:
    """The newest key encrypts; each key decrypts."""
    keys = [settings.TOTP_ENCRYPTION_KEY, *settings.PREVIOUS_TOTP_ENCRYPTION_KEYS]
    return MultiFernet([_fernet_of(key) for key in keys])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(stored: str) -> str:
    return _fernet().decrypt(stored.encode()).decode()


async def reencrypt_all(db: AsyncSession) -> int:
    """Encrypt every stored secret with the newest key (after a rotation); how many there were."""
    found = list((await db.scalars(select(TotpCredential))).all())
    for stored in found:
        stored.secret_encrypted = _fernet().rotate(stored.secret_encrypted.encode()).decode()
    await db.commit()
    return len(found)


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    # The URI as a QR code, an SVG document for an <img>.
    qr_svg: str


def qr_svg(uri: str) -> str:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, border=4, dark="#000", light="#fff", xmldecl=False
    )
    return buffer.getvalue().decode()


async def credential(db: AsyncSession, user_id: uuid.UUID) -> TotpCredential | None:
    return await db.get(TotpCredential, user_id)


async def is_enabled(db: AsyncSession, user_id: uuid.UUID) -> bool:
    found = await credential(db, user_id)
    return found is not None and found.confirmed_at is not None


async def start_enrolment(db: AsyncSession, user: User) -> Enrolment:
    """A new secret, not in force until `confirm` sees a first code from it."""
    found = await credential(db, user.id)
    if found is not None and found.confirmed_at is not None:
        raise AlreadyEnabled
    secret = pyotp.random_base32()
    if found is None:
        db.add(TotpCredential(user_id=user.id, secret_encrypted=encrypt(secret)))
    else:
        found.secret_encrypted = encrypt(secret)
        found.last_used_step = None
    await db.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.PROJECT_NAME)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=qr_svg(uri))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code `code` is, near `now`; None when it is none of them."""
    if len(code) != CODE_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=CODE_DIGITS)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def verify(db: AsyncSession, found: TotpCredential, code: str) -> None:
    """Accept an app's `code` once, or raise CodeRefused."""
    step = matching_step(decrypt(found.secret_encrypted), code.strip(), datetime.now(UTC))
    if step is None:
        raise CodeRefused
    # Conditional, so that of two requests with one code only one gets through.
    accepted = await db.execute(
        update(TotpCredential)
        .where(
            TotpCredential.user_id == found.user_id,
            or_(TotpCredential.last_used_step.is_(None), TotpCredential.last_used_step < step),
        )
        .values(last_used_step=step)
    )
    await db.commit()
    await db.refresh(found)
    if not accepted.rowcount:  # type: ignore[attr-defined]
        raise CodeRefused


def _recovery_digest(code: str) -> str:
    return digest(code.strip().lower().replace("-", ""))


def is_recovery_code(code: str) -> bool:
    return RECOVERY_FORMAT.match(code.strip().lower()) is not None


async def new_recovery_codes(db: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """A new set of recovery codes, to show once; the old ones stop working."""
    codes = [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4))
            for _ in range(RECOVERY_GROUPS)
        )
        for _ in range(RECOVERY_CODES)
    ]
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.add_all(RecoveryCode(user_id=user_id, code_hash=_recovery_digest(code)) for code in codes)
    await db.commit()
    return codes


async def recovery_codes_left(db: AsyncSession, user_id: uuid.UUID) -> int:
    left = await db.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return left or 0


async def use_recovery_code(db: AsyncSession, user_id: uuid.UUID, code: str) -> None:
    """Spend one of the user's recovery codes, or raise CodeRefused."""
    used = await db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=datetime.now(UTC))
    )
    await db.commit()
    if not used.rowcount:  # type: ignore[attr-defined]
        raise CodeRefused


async def confirm(db: AsyncSession, found: TotpCredential) -> None:
    """Put an enrolment in force, once `verify` has taken a first code from it."""
    found.confirmed_at = datetime.now(UTC)
    await db.commit()


async def disable(db: AsyncSession, found: TotpCredential) -> None:
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == found.user_id))
    await db.delete(found)
    await db.commit()


# The code step of a sign-in


async def challenge(db: AsyncSession, user: User) -> Challenge:
    """A sign-in that waits for the code, and a challenge token that only the code step takes,
    once, within TWO_FACTOR_CHALLENGE_MINUTES."""
    sign_in = await auth.start_sign_in(db, user, completed=False)
    lifetime = timedelta(minutes=settings.TWO_FACTOR_CHALLENGE_MINUTES)
    token = create_token(user.id, TokenType.CHALLENGE, lifetime, sign_in.id)
    seconds = int(lifetime.total_seconds())
    return Challenge(challenge="totp", challenge_token=token, expires_in=seconds)


async def pending_user(db: AsyncSession, claims: TokenClaims) -> User:
    """The active user of a sign-in that waits for its code; InvalidToken otherwise."""
    user = await auth.user_of_sign_in(
        db,
        claims,
        SignIn.ended_at.is_(None),
        SignIn.completed_at.is_(None),
        SignIn.expires_at > datetime.now(UTC),
    )
    if user is None:
        raise InvalidToken("no sign-in waits for this challenge")
    return user


async def complete(db: AsyncSession, sign_in_id: uuid.UUID) -> None:
    """The code is done: the sign-in's tokens become good. Once: a challenge token that already
    completed its sign-in is refused (InvalidToken)."""
    done = await db.execute(
        update(SignIn)
        .where(SignIn.id == sign_in_id, SignIn.completed_at.is_(None))
        .values(completed_at=datetime.now(UTC))
    )
    await db.commit()
    if not done.rowcount:  # type: ignore[attr-defined]
        raise InvalidToken("this challenge was used already")
