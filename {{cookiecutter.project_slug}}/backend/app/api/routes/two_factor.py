"""Two-factor sign-in with an authenticator app: the code step, turning it on and off, and the
recovery codes. Every change asks for the password again and is mailed to the account."""

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from app import mail, throttle, totp
from app.api.deps import CurrentUser, DatabaseDep, client_address, confirm_password, release
from app.api.responses import errors
from app.api.sign_in import grant
from app.core.security import InvalidToken, TokenType, decode_token
from app.models import User
from app.schemas import AccessToken, Message, Reauthentication, RequestBody
from app.totp import TotpCredential

router = APIRouter(tags=["two-factor"])

WRONG_CODE = "That code is wrong or was used already; wait for the next one."
EXPIRED_CHALLENGE = "Your sign-in has expired; start again."
KEEP_CODES = (
    "Keep these recovery codes somewhere safe: each signs you in once without your phone. "
    "They will not be shown again."
)


class TwoFactorCode(RequestBody):
    # Six digits from the app, or one of the recovery codes (xxxx-xxxx-xxxx-xxxx).
    code: str = Field(min_length=1, max_length=32)


class TwoFactorSignIn(TwoFactorCode):
    challenge_token: str = Field(max_length=2000)


class TwoFactorDisable(Reauthentication, TwoFactorCode):
    pass


class TwoFactorStatus(BaseModel):
    enabled: bool
    recovery_codes_left: int


class RecoveryCodes(BaseModel):
    """Shown once: only their hashes are kept."""

    message: str
    recovery_codes: list[str]


class TwoFactorEnrolment(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


async def checked(
    db: DatabaseDep,
    request: Request,
    background: BackgroundTasks,
    user: User,
    code: str,
    *,
    confirmed: bool,
) -> TotpCredential:
    """The user's credential, once `code` is accepted for it (a recovery code too, when
    `confirmed`); an HTTP error otherwise. Each guess is counted first (app.throttle)."""
    found = await totp.credential(db, user.id)
    if found is None or (found.confirmed_at is not None) != confirmed:
        detail = "Two-factor sign-in is not on." if confirmed else "Start turning it on first."
        raise HTTPException(status.HTTP_409_CONFLICT, detail)
    await release(db)
    attempt = throttle.Keys.of("code", user.id, client_address(request))
    await throttle.attempt(attempt)
    try:
        if confirmed and totp.is_recovery_code(code):
            await totp.use_recovery_code(db, user.id, code)
            left = await totp.recovery_codes_left(db, user.id)
            what = f"A recovery code was used to sign in to your account; {left} are left"
            notice = mail.notice_mail(user.email, "recovery code used", what)
            background.add_task(mail.deliver, notice)
        else:
            await totp.verify(db, found, code)
    except totp.CodeRefused:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, WRONG_CODE) from None
    await throttle.succeeded(attempt)
    return found


def _notify(background: BackgroundTasks, user: User, what: str) -> None:
    notice = mail.notice_mail(user.email, "two-factor sign-in changed", what)
    background.add_task(mail.deliver, notice)


@router.post("/login/two-factor", responses=errors(400, 401, 403, 409, 429))
async def sign_in_with_code(
    db: DatabaseDep,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    body: TwoFactorSignIn,
) -> AccessToken:
    """The code step: the challenge from the password (or link) step, and a current code or a
    recovery code. The challenge works once."""
    try:
        claims = decode_token(body.challenge_token, TokenType.CHALLENGE)
        user = await totp.pending_user(db, claims)
    except InvalidToken:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, EXPIRED_CHALLENGE) from None
    await checked(db, request, background, user, body.code, confirmed=True)
    try:
        await totp.complete(db, claims.sign_in_id)
    except InvalidToken:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, EXPIRED_CHALLENGE) from None
    return await grant(db, response, user, claims.sign_in_id)


@router.get("/users/me/totp", responses=errors(401))
async def two_factor_status(db: DatabaseDep, user: CurrentUser) -> TwoFactorStatus:
    return TwoFactorStatus(
        enabled=await totp.is_enabled(db, user.id),
        recovery_codes_left=await totp.recovery_codes_left(db, user.id),
    )


@router.post("/users/me/totp", responses=errors(400, 401, 403, 409, 429, 503))
async def start_two_factor(
    db: DatabaseDep, request: Request, user: CurrentUser, body: Reauthentication
) -> TwoFactorEnrolment:
    """A new secret to scan (QR code) or type into an authenticator app; confirm it next."""
    await confirm_password(db, request, user, body.current_password)
    try:
        enrolment = await totp.start_enrolment(db, user)
    except totp.AlreadyEnabled:
        raise HTTPException(status.HTTP_409_CONFLICT, "Two-factor sign-in is on already.") from None
    return TwoFactorEnrolment(
        secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg
    )


@router.post("/users/me/totp/confirm", responses=errors(400, 401, 403, 409, 429))
async def confirm_two_factor(
    db: DatabaseDep,
    request: Request,
    background: BackgroundTasks,
    user: CurrentUser,
    body: TwoFactorCode,
) -> RecoveryCodes:
    """Turn two-factor sign-in on with a first code from the app: the recovery codes, once."""
    found = await checked(db, request, background, user, body.code, confirmed=False)
    await totp.confirm(db, found)
    codes = await totp.new_recovery_codes(db, user.id)
    _notify(background, user, "Two-factor sign-in was turned on for your account")
    return RecoveryCodes(message=f"Two-factor sign-in is on. {KEEP_CODES}", recovery_codes=codes)


@router.post("/users/me/totp/recovery-codes", responses=errors(400, 401, 403, 409, 429, 503))
async def renew_recovery_codes(
    db: DatabaseDep,
    request: Request,
    background: BackgroundTasks,
    user: CurrentUser,
    body: Reauthentication,
) -> RecoveryCodes:
    """A new set of recovery codes; the old ones stop working."""
    await confirm_password(db, request, user, body.current_password)
    if not await totp.is_enabled(db, user.id):
        raise HTTPException(status.HTTP_409_CONFLICT, "Two-factor sign-in is not on.")
    codes = await totp.new_recovery_codes(db, user.id)
    _notify(background, user, "New recovery codes were made for your account; old ones are void")
    return RecoveryCodes(message=KEEP_CODES, recovery_codes=codes)


@router.post("/users/me/totp/disable", responses=errors(400, 401, 403, 409, 429, 503))
async def disable_two_factor(
    db: DatabaseDep,
    request: Request,
    background: BackgroundTasks,
    user: CurrentUser,
    body: TwoFactorDisable,
) -> Message:
    """Turn two-factor sign-in off, with the password and a current code (or a recovery code)."""
    await confirm_password(db, request, user, body.current_password)
    found = await checked(db, request, background, user, body.code, confirmed=True)
    await totp.disable(db, found)
    _notify(background, user, "Two-factor sign-in was turned off for your account")
    return Message(message="Two-factor sign-in is off.")
