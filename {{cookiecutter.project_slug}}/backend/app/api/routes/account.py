"""Proving one reads one's mail: password recovery and reset, email verification, and the
confirmation of a new address."""

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response, status

from app import auth, mail, throttle, users
from app.api.deps import CurrentUser, DatabaseDep, client_address
from app.api.links import LinkMail, mail_link
from app.api.responses import errors
from app.api.sign_in import clear_refresh_cookie
from app.core.security import InvalidToken, hash_password
from app.email_tokens import EMAIL_CHANGE, EMAIL_VERIFICATION, PASSWORD_RESET, redeem
from app.schemas import EmailRequest, LinkToken, Message, PasswordReset

router = APIRouter(tags=["account"])

RECOVERY_SENT = (
    "If an account uses this address, a link to choose a new password is on its way to it."
)
BAD_LINK = "This link is invalid, expired or already used; ask for a new one."
EMAIL_TAKEN = "That address has an account already; choose another."
RESET_LINK = LinkMail(
    PASSWORD_RESET,
    page="/reset-password",
    subject="reset your password",
    intro="To choose a new password, open this link:",
)
VERIFICATION_LINK = LinkMail(
    EMAIL_VERIFICATION,
    page="/verify-email",
    subject="confirm your email",
    intro="To confirm that this is your address, open this link:",
)


@router.post(
    "/login/password-recovery",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(400, 403, 429),
)
async def recover_password(
    request: Request, background: BackgroundTasks, body: EmailRequest
) -> Message:
    """Mail a password-reset link; the answer is the same whether the account exists or not."""
    await throttle.attempt(throttle.Keys.of("mail", body.email, client_address(request)))
    mail_link(background, request, body.email, RESET_LINK)
    return Message(message=RECOVERY_SENT)


@router.post("/login/password-reset", responses=errors(400, 403, 503))
async def reset_password(
    db: DatabaseDep, response: Response, background: BackgroundTasks, body: PasswordReset
) -> Message:
    """Set a new password with the emailed link's token; every sign-in of the user ends."""
    try:
        user = (await redeem(db, PASSWORD_RESET, body.token)).user
    except InvalidToken:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK) from None
    user.hashed_password = await hash_password(body.new_password)
    # Reading the mail proved the address.
    user.email_verified = True
    await db.commit()
    await auth.end_all_sign_ins(db, user.id)
    clear_refresh_cookie(response)
    notice = mail.notice_mail(user.email, "password reset", "Your password was reset by mail")
    background.add_task(mail.deliver, notice)
    return Message(message="Your password is changed; log in with it.")


@router.post(
    "/users/me/email-verification",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(400, 401, 403),
)
async def request_verification(
    request: Request, response: Response, background: BackgroundTasks, user: CurrentUser
) -> Message:
    """Mail a link that confirms the user's address."""
    if user.email_verified:
        response.status_code = status.HTTP_200_OK
        return Message(message="Your email is verified already.")
    mail_link(background, request, user.email, VERIFICATION_LINK)
    return Message(message=f"A confirmation link is on its way to {user.email}.")


@router.post("/login/email-verification", responses=errors(400, 403))
async def verify_email(db: DatabaseDep, body: LinkToken) -> Message:
    """Confirm an address with the emailed link's token (no login needed)."""
    try:
        user = (await redeem(db, EMAIL_VERIFICATION, body.token)).user
    except InvalidToken:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK) from None
    user.email_verified = True
    await db.commit()
    return Message(message=f"{user.email} is verified.")


@router.post("/login/email-change", responses=errors(400, 403, 409))
async def confirm_email_change(
    db: DatabaseDep, response: Response, background: BackgroundTasks, body: LinkToken
) -> Message:
    """Move the account to the new address with the link mailed there (no login needed). The
    old address is told; every sign-in ends, so that the account signs in anew."""
    try:
        redeemed = await redeem(db, EMAIL_CHANGE, body.token)
    except InvalidToken:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK) from None
    user, new_email = redeemed.user, redeemed.new_email
    if new_email is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK)
    old_email = user.email
    try:
        await users.move_to_address(db, user, new_email, verified=True)
    except users.AddressTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, EMAIL_TAKEN) from None
    await auth.end_all_sign_ins(db, user.id)
    clear_refresh_cookie(response)
    what = f"The account that used this address moved to {new_email}"
    background.add_task(mail.deliver, mail.notice_mail(old_email, "address changed", what))
    return Message(message=f"Your email is now {new_email}; log in with it.")
