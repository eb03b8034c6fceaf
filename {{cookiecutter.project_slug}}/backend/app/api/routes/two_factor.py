"""Two-factor sign-in with an authenticator app: the code step, and turning it on and off."""

from fastapi import APIRouter, HTTPException, Response, status

from app import auth, totp
from app.api.deps import CurrentUser, SessionDep
from app.api.sign_in import grant
from app.core.security import InvalidToken, TokenType, decode_token
from app.models import TotpCredential
from app.schemas import (
    AccessToken,
    Message,
    TwoFactorCode,
    TwoFactorEnrolment,
    TwoFactorSignIn,
    TwoFactorStatus,
)

router = APIRouter(tags=["two-factor"])

WRONG_CODE = "That code is wrong or was used already; wait for the next one."
EXPIRED_CHALLENGE = "Your sign-in has expired; start again."


async def checked(
    db: SessionDep, found: TotpCredential | None, code: str, *, confirmed: bool
) -> TotpCredential:
    """The credential, once `code` is accepted for it; an HTTP error otherwise."""
    if found is None or (found.confirmed_at is not None) != confirmed:
        detail = "Two-factor sign-in is not on." if confirmed else "Start turning it on first."
        raise HTTPException(status.HTTP_409_CONFLICT, detail)
    try:
        await totp.verify(db, found, code)
    except totp.TooManyAttempts as locked:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"Too many wrong codes; try again in {locked.retry_after} seconds.",
            headers={"Retry-After": str(locked.retry_after)},
        ) from None
    except totp.CodeRefused:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, WRONG_CODE) from None
    return found


@router.post("/login/two-factor")
async def sign_in_with_code(
    db: SessionDep, response: Response, body: TwoFactorSignIn
) -> AccessToken:
    """The code step: the challenge from the password (or link) step, and a current code."""
    try:
        claims = decode_token(body.challenge_token, TokenType.CHALLENGE)
        user = await auth.user_for(db, claims)
    except InvalidToken:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, EXPIRED_CHALLENGE) from None
    await checked(db, await totp.credential(db, user.id), body.code, confirmed=True)
    return await grant(db, response, user)


@router.get("/users/me/totp")
async def two_factor_status(db: SessionDep, user: CurrentUser) -> TwoFactorStatus:
    return TwoFactorStatus(enabled=await totp.is_enabled(db, user.id))


@router.post("/users/me/totp")
async def start_two_factor(db: SessionDep, user: CurrentUser) -> TwoFactorEnrolment:
    """A new secret to scan (QR code) or type into an authenticator app; confirm it next."""
    try:
        enrolment = await totp.start_enrolment(db, user)
    except totp.AlreadyEnabled:
        raise HTTPException(status.HTTP_409_CONFLICT, "Two-factor sign-in is on already.") from None
    return TwoFactorEnrolment(
        secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg
    )


@router.post("/users/me/totp/confirm")
async def confirm_two_factor(db: SessionDep, user: CurrentUser, body: TwoFactorCode) -> Message:
    """Turn two-factor sign-in on with a first code from the app."""
    found = await checked(db, await totp.credential(db, user.id), body.code, confirmed=False)
    await totp.confirm(db, found)
    return Message(message="Two-factor sign-in is on.")


@router.post("/users/me/totp/disable")
async def disable_two_factor(db: SessionDep, user: CurrentUser, body: TwoFactorCode) -> Message:
    """Turn two-factor sign-in off, with a current code."""
    found = await checked(db, await totp.credential(db, user.id), body.code, confirmed=True)
    await totp.disable(db, found)
    return Message(message="Two-factor sign-in is off.")
