"""The last step of every way in: a new sign-in, its refresh cookie and an access token."""

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth{% if cookiecutter.auth_totp == "yes" %}, totp{% endif %}
from app.core.config import settings
from app.core.security import create_access_token
from app.models import User
from app.schemas import AccessToken, SignInResult

REFRESH_COOKIE = "refresh_token"
# Sent only to the login routes, never readable by the page's scripts.
LOGIN_PATH = f"{settings.API_V1_STR}/login"


def set_private_cookie(response: Response, name: str, value: str, max_age: int, path: str) -> None:
    """A cookie the page's scripts cannot read, sent only to `path` on this site."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        secure=settings.ENVIRONMENT != "local",
        samesite="strict",
    )


async def grant(
    db: AsyncSession, response: Response, user: User, sign_in_id: uuid.UUID
) -> AccessToken:
    """A new refresh token of the sign-in in its cookie, and an access token in the body."""
    refresh_token = await auth.issue_refresh_token(db, user, sign_in_id)
    set_private_cookie(
        response,
        REFRESH_COOKIE,
        refresh_token,
        max_age=settings.REFRESH_TOKEN_EXPIRE_DAYS * 24 * 3600,
        path=LOGIN_PATH,
    )
    return AccessToken(
        access_token=create_access_token(user.id, sign_in_id),
        expires_in=settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
    )


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(REFRESH_COOKIE, path=LOGIN_PATH)


async def complete_sign_in(db: AsyncSession, response: Response, user: User) -> SignInResult:
    """Signed in, or the sign-in's next step when the user has one."""
{%- if cookiecutter.auth_totp == "yes" %}
    if await totp.is_enabled(db, user.id):
        return await totp.challenge(db, user)
{%- endif %}
    sign_in = await auth.start_sign_in(db, user)
    return await grant(db, response, user, sign_in.id)
