from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, HTTPException, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app import auth, users
from app.api.deps import CREDENTIALS_ERROR, SessionDep
from app.core.config import settings
from app.core.security import InvalidToken, create_access_token
from app.models import User
from app.schemas import AccessToken

router = APIRouter(prefix="/login", tags=["login"])

REFRESH_COOKIE = "refresh_token"
# Sent only to the login routes, never readable by the page's scripts.
REFRESH_COOKIE_PATH = f"{settings.API_V1_STR}/login"

RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE)]


def _grant(response: Response, user: User, refresh_token: str) -> AccessToken:
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=settings.REFRESH_TOKEN_EXPIRE_DAYS * 24 * 3600,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.ENVIRONMENT != "local",
        samesite="strict",
    )
    return AccessToken(
        access_token=create_access_token(user.id),
        expires_in=settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
    )


@router.post("/oauth")
async def login(
    db: SessionDep, response: Response, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> AccessToken:
    """Log in with email and password: an access token, and the refresh token as a cookie."""
    user = await users.authenticate(db, form.username, form.password)
    if user is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Incorrect email or password.")
    if not user.is_active:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Inactive user.")
    return _grant(response, user, await auth.issue_refresh_token(db, user.id))


@router.post("/refresh")
async def refresh(
    db: SessionDep, response: Response, refresh_token: RefreshCookie = None
) -> AccessToken:
    """Spend the refresh cookie for a new access token and a new refresh cookie."""
    try:
        if refresh_token is None:
            raise InvalidToken("no refresh cookie")
        user, rotated = await auth.rotate_refresh_token(db, refresh_token)
    except InvalidToken:
        cleared = Response()
        cleared.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            CREDENTIALS_ERROR,
            headers={"set-cookie": cleared.headers["set-cookie"]},
        ) from None
    return _grant(response, user, rotated)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(db: SessionDep, response: Response, refresh_token: RefreshCookie = None) -> None:
    """Revoke the refresh cookie and clear it."""
    if refresh_token is not None:
        await auth.revoke_refresh_token(db, refresh_token)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH)
