"""Signing in with an emailed link, in the browser that asked for it.

The request answers with a claim (also set as a cookie only the login routes receive); the link
works once, before it expires, and only together with that claim: a link forwarded to or read by
someone else signs nobody in. The link's token is a random string, never an access token.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Cookie, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from app import throttle
from app.api.deps import DatabaseDep, client_address
from app.api.links import LinkMail, mail_link
from app.api.responses import errors
from app.api.sign_in import LOGIN_PATH, complete_sign_in, set_private_cookie
from app.core.config import settings
from app.core.security import InvalidToken, new_opaque_token
from app.email_tokens import Purpose, redeem
from app.schemas import EmailRequest, LinkToken, SignInResult

router = APIRouter(prefix="/login/magic-link", tags=["magic-link"])

CLAIM_COOKIE = "sign_in_claim"
CLAIM_PATH = f"{LOGIN_PATH}/magic-link"
BAD_LINK = (
    "This sign-in link is invalid, expired or already used, or was opened in another browser "
    "than the one that asked for it; ask for a new one."
)

SIGN_IN = Purpose("sign_in", timedelta(minutes=settings.MAGIC_LINK_EXPIRE_MINUTES))
SIGN_IN_LINK = LinkMail(
    SIGN_IN,
    page="/magic-link",
    subject="your sign-in link",
    intro="To sign in, open this link in the browser where you asked for it:",
)
# A claim the browser sends back longer than any this server makes is not one of its own.
MAX_CLAIM_LENGTH = 200

ClaimCookie = Annotated[str | None, Cookie(alias=CLAIM_COOKIE)]


class SignInLinkSent(BaseModel):
    """Proof that this browser asked; the emailed link works only together with it."""

    claim: str
    expires_in: int


class SignInLink(LinkToken):
    # Taken from the cookie set with the request when absent (a browser).
    claim: str | None = Field(default=None, max_length=MAX_CLAIM_LENGTH)


@router.post("", status_code=status.HTTP_202_ACCEPTED, responses=errors(400, 403, 429))
async def request_link(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    body: EmailRequest,
    claim_cookie: ClaimCookie = None,
) -> SignInLinkSent:
    """Mail a sign-in link to the address, if it has an account; the answer is the same.

    A browser that asks again keeps its claim, so that the link it is waiting for still works
    in it; a pending link stays bound to the browser that asked first.
    """
    await throttle.attempt(throttle.Keys.of("mail", body.email, client_address(request)))
    claim = claim_cookie if claim_cookie and len(claim_cookie) <= MAX_CLAIM_LENGTH else None
    claim = claim or new_opaque_token()
    mail_link(background, request, body.email, SIGN_IN_LINK, claim=claim)
    seconds = int(SIGN_IN.lifetime.total_seconds())
    set_private_cookie(response, CLAIM_COOKIE, claim, max_age=seconds, path=CLAIM_PATH)
    return SignInLinkSent(claim=claim, expires_in=seconds)


@router.post("/verify", responses=errors(400, 403))
async def sign_in_with_link(
    db: DatabaseDep, response: Response, body: SignInLink, claim_cookie: ClaimCookie = None
) -> SignInResult:
    """Spend the link's token with this browser's claim: signed in, or the sign-in's next step."""
    try:
        redeemed = await redeem(db, SIGN_IN, body.token, claim=body.claim or claim_cookie)
    except InvalidToken:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LINK) from None
    user = redeemed.user
    # Reading the mail proved the address.
    user.email_verified = True
    await db.commit()
    response.delete_cookie(CLAIM_COOKIE, path=CLAIM_PATH)
    return await complete_sign_in(db, response, user)
