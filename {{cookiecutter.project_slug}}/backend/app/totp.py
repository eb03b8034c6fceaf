"""Two-factor codes from an authenticator app (TOTP, RFC 6238): enrolment, checks, lockout.

The secret is stored encrypted with TOTP_ENCRYPTION_KEY. A code is good for its 30-second step
and one step either side (a phone's clock a little off), and only once: the last step accepted
is kept, and a code of that step or an earlier one is refused. TOTP_MAX_ATTEMPTS wrong codes in
a row lock the code step for TOTP_LOCKOUT_MINUTES, so that six digits cannot be guessed.
"""

import base64
import hashlib
import hmac
import io
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import pyotp
import segno
from cryptography.fernet import Fernet
from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import settings
from app.models import TotpCredential, User

DRIFT_STEPS = 1
CODE_DIGITS = 6


class AlreadyEnabled(Exception):
    pass


class CodeRefused(Exception):
    """Wrong, malformed or already used."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"locked for {retry_after} more seconds")
        self.retry_after = retry_after


@cache
def _fernet() -> Fernet:
    # Fernet wants 32 bytes, base64-encoded; any long random string in .env serves as the key.
    key = hashlib.sha256(settings.TOTP_ENCRYPTION_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(stored: str) -> str:
    return _fernet().decrypt(stored.encode()).decode()


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
    """Accept `code` once, or raise CodeRefused / TooManyAttempts."""
    now = datetime.now(UTC)
    if found.locked_until is not None and found.locked_until > now:
        raise TooManyAttempts(math.ceil((found.locked_until - now).total_seconds()))
    step = matching_step(decrypt(found.secret_encrypted), code.strip(), now)
    if step is not None:
        # Conditional, so that of two requests with one code only one gets through.
        accepted = await db.execute(
            update(TotpCredential)
            .where(
                TotpCredential.user_id == found.user_id,
                or_(
                    TotpCredential.last_used_step.is_(None),
                    TotpCredential.last_used_step < step,
                ),
            )
            .values(last_used_step=step, failed_attempts=0, locked_until=None)
        )
        await db.commit()
        await db.refresh(found)
        if accepted.rowcount:  # type: ignore[attr-defined]
            return
    await _count_failure(db, found, now)
    raise CodeRefused


async def _count_failure(db: AsyncSession, found: TotpCredential, now: datetime) -> None:
    await db.execute(
        update(TotpCredential)
        .where(TotpCredential.user_id == found.user_id)
        .values(failed_attempts=TotpCredential.failed_attempts + 1)
    )
    await db.commit()
    await db.refresh(found)
    if found.failed_attempts >= settings.TOTP_MAX_ATTEMPTS:
        found.failed_attempts = 0
        found.locked_until = now + timedelta(minutes=settings.TOTP_LOCKOUT_MINUTES)
        await db.commit()


async def confirm(db: AsyncSession, found: TotpCredential) -> None:
    """Put an enrolment in force, once `verify` has taken a first code from it."""
    found.confirmed_at = datetime.now(UTC)
    await db.commit()


async def disable(db: AsyncSession, found: TotpCredential) -> None:
    await db.delete(found)
    await db.commit()
