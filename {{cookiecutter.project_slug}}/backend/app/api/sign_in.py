"""The last step of every way in: the refresh cookie and an access token{% if cookiecutter.auth_totp == "yes" %}, or the code step first{% endif %}."""

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


async def grant(db: AsyncSession, response: Response, user: User) -> AccessToken:
    """A new refresh token in its cookie, and an access token in the body."""
    refresh_token = await auth.issue_refresh_token(db, user)
    set_private_cookie(
        response,
        REFRESH_COOKIE,
        refresh_token,
        max_age=settings.REFRESH_TOKEN_EXPIRE_DAYS * 24 * 3600,
        path=LOGIN_PATH,
    )
    return AccessToken(
        access_token=create_access_token(user.id, user.session_generation),
        expires_in=settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
    )


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(REFRESH_COOKIE, path=LOGIN_PATH)
{%- if cookiecutter.auth_totp == "yes" %}


async def complete_sign_in(
    db: AsyncSession, response: Response, user: User
) -> AccessToken | Challenge:
    """Grant, unless the user has two-factor on: then a challenge that only the code step takes."""
    if not await totp.is_enabled(db, user.id):
        return await grant(db, response, user)
    lifetime = timedelta(minutes=settings.TWO_FACTOR_CHALLENGE_MINUTES)
    token = create_token(user.id, TokenType.CHALLENGE, lifetime, user.session_generation)
    return Challenge(challenge_token=token, expires_in=int(lifetime.total_seconds()))
{%- else %}


async def complete_sign_in(db: AsyncSession, response: Response, user: User) -> AccessToken:
    return await grant(db, response, user)
{%- endif %}
