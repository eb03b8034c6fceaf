"""Proving one reads one's mail: password recovery and reset, and email verification."""

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response, status

from app import auth, users
from app.api.deps import CurrentUser, SessionDep
from app.api.links import mail_link
from app.api.sign_in import clear_refresh_cookie
from app.core.security import InvalidToken, hash_password
from app.email_tokens import Purpose, redeem
from app.schemas import EmailRequest, LinkToken, Message, PasswordReset

router = APIRouter(tags=["account"])

RECOVERY_SENT = (
    "If an account uses this address, a link to choose a new password is on its way to it."
)
BAD_LINK = "This link is invalid, expired or already used; ask for a new one."


@router.post("/login/password-recovery", status_code=status.HTTP_202_ACCEPTED)
async def recover_password(
    db: SessionDep, request: Request, background: BackgroundTasks, body: EmailRequest
) -> Message:
    """Mail a password-reset link; the answer is the same whether the account exists or not."""
    user = await users.get_user_by_email(db, body.email)
    if user is not None and user.is_active:
        intro = "To choose a new password, open this link:"
        await mail_link(
            db,
            request,
            background,
            user,
            purpose=Purpose.PASSWORD_RESET,
            page="/reset-password",
            subject="reset your password",
            intro=intro,
        )
    return Message(message=RECOVERY_SENT)


@router.post("/login/password-reset")
async def reset_password(db: SessionDep, response: Response, body: PasswordReset) -> Message:
    """Set a new password with the emailed link's token; every session of the user ends."""
    try:
        user = await redeem(db, Purpose.PASSWORD_RESET, body.token)
    except InvalidToken:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK) from None
    user.hashed_password = await hash_password(body.new_password)
    # Reading the mail proved the address.
    user.email_verified = True
    await db.commit()
    await auth.end_all_sessions(db, user.id)
    clear_refresh_cookie(response)
    return Message(message="Your password is changed; log in with it.")


@router.post("/users/me/email-verification", status_code=status.HTTP_202_ACCEPTED)
async def request_verification(
    db: SessionDep,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    user: CurrentUser,
) -> Message:
    """Mail a link that confirms the user's address."""
    if user.email_verified:
        response.status_code = status.HTTP_200_OK
        return Message(message="Your email is verified already.")
    intro = f"To confirm that {user.email} is your address, open this link:"
    await mail_link(
        db,
        request,
        background,
        user,
        purpose=Purpose.EMAIL_VERIFICATION,
        page="/verify-email",
        subject="confirm your email",
        intro=intro,
    )
    return Message(message=f"A confirmation link is on its way to {user.email}.")


@router.post("/login/email-verification")
async def verify_email(db: SessionDep, body: LinkToken) -> Message:
    """Confirm an address with the emailed link's token (no login needed)."""
    try:
        user = await redeem(db, Purpose.EMAIL_VERIFICATION, body.token)
    except InvalidToken:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK) from None
    user.email_verified = True
    await db.commit()
    return Message(message=f"{user.email} is verified.")
