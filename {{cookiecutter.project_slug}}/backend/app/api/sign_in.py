"""The last step of every way in: a new sign-in, its refresh cookie and an access token{% if cookiecutter.auth_totp == "yes" %},
or the code step first{% endif %}."""

import uuid
{%- if cookiecutter.auth_totp == "yes" %}
from datetime import timedelta
{%- endif %}

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth{% if cookiecutter.auth_totp == "yes" %}, totp{% endif %}
from app.core.config import settings
from app.core.security import {% if cookiecutter.auth_totp == "yes" %}TokenType, {% endif %}create_access_token{% if cookiecutter.auth_totp == "yes" %}, create_token{% endif %}
from app.models import User
from app.schemas import AccessToken{% if cookiecutter.auth_totp == "yes" %}, Challenge{% endif %}

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
{%- if cookiecutter.auth_totp == "yes" %}


async def complete_sign_in(
    db: AsyncSession, response: Response, user: User
) -> AccessToken | Challenge:
    """Signed in, unless the user has two-factor on: then a sign-in that waits for the code,
    and a challenge that only the code step takes, once."""
    second_factor = await totp.is_enabled(db, user.id)
    sign_in = await auth.start_sign_in(db, user, completed=not second_factor)
    if not second_factor:
        return await grant(db, response, user, sign_in.id)
    lifetime = timedelta(minutes=settings.TWO_FACTOR_CHALLENGE_MINUTES)
    token = create_token(user.id, TokenType.CHALLENGE, lifetime, sign_in.id)
    return Challenge(challenge_token=token, expires_in=int(lifetime.total_seconds()))
{%- else %}


async def complete_sign_in(db: AsyncSession, response: Response, user: User) -> AccessToken:
    sign_in = await auth.start_sign_in(db, user)
    return await grant(db, response, user, sign_in.id)
{%- endif %}
