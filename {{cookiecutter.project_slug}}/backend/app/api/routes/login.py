from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app import auth, throttle, users
from app.api.deps import CREDENTIALS_ERROR, CurrentUser, DatabaseDep, client_address
from app.api.responses import errors
from app.api.sign_in import REFRESH_COOKIE, clear_refresh_cookie, complete_sign_in, grant
from app.core.security import InvalidToken, password_check_turn
from app.schemas import AccessToken, SignedOut, SignInResult

router = APIRouter(prefix="/login", tags=["login"])

RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE)]
BAD_LOGIN = "Incorrect email or password."


@router.post("/oauth", responses=errors(400, 403, 429, 503))
async def login(
    db: DatabaseDep,
    request: Request,
    response: Response,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> SignInResult:
    """Log in with email and password: an access token, and the refresh token as a cookie; or,
    when the user's sign-in has a further step, a challenge naming it."""
    async with password_check_turn():
        attempt = throttle.Keys.of("password", form.username, client_address(request))
        await throttle.attempt(attempt)
        user = await users.authenticate(db, form.username, form.password)
        if user is None:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_LOGIN)
        await throttle.succeeded(attempt)
    if not user.is_active:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Inactive user.")
    return await complete_sign_in(db, response, user)


@router.post("/refresh", responses=errors(401, 403))
async def refresh(
    db: DatabaseDep, response: Response, refresh_token: RefreshCookie = None
) -> AccessToken:
    """Spend the refresh cookie for a new access token and a new refresh cookie.

    A refresh cookie that was already spent ends every sign-in of its user.
    """
    try:
        if refresh_token is None:
            raise InvalidToken("no refresh cookie")
        user, sign_in_id = await auth.spend_refresh_token(db, refresh_token)
    except InvalidToken:
        cleared = Response()
        clear_refresh_cookie(cleared)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            CREDENTIALS_ERROR,
            headers={"set-cookie": cleared.headers["set-cookie"]},
        ) from None
    return await grant(db, response, user, sign_in_id)


@router.post("/resume", responses=errors(403))
async def resume(
    db: DatabaseDep, response: Response, refresh_token: RefreshCookie = None
) -> AccessToken | SignedOut:
    """The page's first question: the sign-in this browser holds, resumed as /login/refresh
    does it (the cookie spent for a new one, and an access token); or `{"signed_in": false}`
    when it holds none, so that asking is no error. A cookie that no longer counts is cleared,
    and one spent already ends every sign-in of its user, as on /login/refresh."""
    if refresh_token is None:
        return SignedOut()
    try:
        user, sign_in_id = await auth.spend_refresh_token(db, refresh_token)
    except InvalidToken:
        clear_refresh_cookie(response)
        return SignedOut()
    return await grant(db, response, user, sign_in_id)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(403))
async def logout(db: DatabaseDep, response: Response, refresh_token: RefreshCookie = None) -> None:
    """End this sign-in: its refresh cookie is cleared, and nothing signed in with it works any
    more."""
    if refresh_token is not None:
        await auth.end_sign_in_of(db, refresh_token)
    clear_refresh_cookie(response)


@router.post(
    "/logout-everywhere", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403)
)
async def logout_everywhere(db: DatabaseDep, response: Response, user: CurrentUser) -> None:
    """End every sign-in of the user, on every device: nothing signed in with them works any
    more."""
    await auth.end_all_sign_ins(db, user.id)
    clear_refresh_cookie(response)
