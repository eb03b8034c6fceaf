"""Two-factor sign-in with authenticator-app codes: turning it on and off, the code step."""

import httpx
import pyotp
from sqlalchemy import select

from app.api.routes.two_factor import WRONG_CODE
from app.core.db import SessionMaker
from app.core.security import TokenType, decode_token
from app.models import TotpCredential
from app.totp import decrypt
from tests.authenticator import Authenticator, enable_two_factor, password_challenge
from tests.conftest import Account, bearer, login


async def test_turning_it_on_shows_the_secret_as_a_qr_code_and_as_text(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    assert (await client.get("/users/me/totp", headers=bearer(token))).json() == {"enabled": False}
    started = (await client.post("/users/me/totp", headers=bearer(token))).json()
    secret = started["secret"]
    assert len(secret) >= 32
    assert pyotp.parse_uri(started["otpauth_uri"]).secret == secret
    assert "issuer=" in started["otpauth_uri"]
    assert started["qr_svg"].startswith("<svg")
    assert 'xmlns="http://www.w3.org/2000/svg"' in started["qr_svg"]
    # Not in force until a first code confirms it: the password alone still signs in.
    assert (await client.get("/users/me/totp", headers=bearer(token))).json() == {"enabled": False}
    assert await login(client, account.email, account.password)

    app = Authenticator(secret)
    confirmed = await client.post(
        "/users/me/totp/confirm", json={"code": await app.code()}, headers=bearer(token)
    )
    assert confirmed.status_code == 200
    assert (await client.get("/users/me/totp", headers=bearer(token))).json() == {"enabled": True}


async def test_the_secret_is_stored_encrypted(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token)
    async with SessionMaker() as db:
        stored = await db.scalar(
            select(TotpCredential.secret_encrypted).where(TotpCredential.user_id == account.id)
        )
    assert stored is not None
    assert app.secret not in stored
    assert decrypt(stored) == app.secret


async def test_a_wrong_first_code_does_not_turn_it_on(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    await client.post("/users/me/totp", headers=bearer(token))
    refused = await client.post(
        "/users/me/totp/confirm", json={"code": "000000"}, headers=bearer(token)
    )
    assert refused.status_code == 400
    assert (await client.get("/users/me/totp", headers=bearer(token))).json() == {"enabled": False}


async def test_sign_in_takes_the_password_then_a_code(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token)
    client.cookies.clear()
    challenge = await password_challenge(client, account.email, account.password)
    assert "refresh_token" not in client.cookies, "no session before the code"

    signed_in = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": await app.code()}
    )
    assert signed_in.status_code == 200, signed_in.text
    access = signed_in.json()["access_token"]
    assert decode_token(access, TokenType.ACCESS).subject == account.id
    assert client.cookies.get("refresh_token")
    assert (await client.get("/users/me", headers=bearer(access))).status_code == 200


async def test_a_code_is_good_once(client: httpx.AsyncClient, account: Account, token: str) -> None:
    app = await enable_two_factor(client, token)
    # The code that turned it on cannot sign in.
    challenge = await password_challenge(client, account.email, account.password)
    replayed = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": app.used_code()}
    )
    assert replayed.status_code == 400
    assert replayed.json() == {"detail": WRONG_CODE}

    fresh = await app.code()
    assert (
        await client.post("/login/two-factor", json={"challenge_token": challenge, "code": fresh})
    ).status_code == 200
    # Nor can a code that signed in, sign in again.
    again = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": fresh}
    )
    assert again.status_code == 400


async def test_the_challenge_is_no_access_token_and_a_stranger_cannot_forge_one(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token)
    challenge = await password_challenge(client, account.email, account.password)
    assert (await client.get("/users/me", headers=bearer(challenge))).status_code == 401
    # An access token is not a challenge either: the code step takes challenges only.
    refused = await client.post(
        "/login/two-factor", json={"challenge_token": token, "code": await app.code()}
    )
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Your sign-in has expired; start again."}


async def test_wrong_codes_lock_the_code_step(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    from app.core.config import settings

    app = await enable_two_factor(client, token)
    challenge = await password_challenge(client, account.email, account.password)
    statuses = []
    for _ in range(settings.TOTP_MAX_ATTEMPTS):
        wrong = await client.post(
            "/login/two-factor", json={"challenge_token": challenge, "code": "12345x"}
        )
        statuses.append(wrong.status_code)
    assert statuses == [400] * settings.TOTP_MAX_ATTEMPTS
    # Locked: even the right code waits now.
    locked = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": await app.code()}
    )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many wrong codes" in locked.json()["detail"]


async def test_turning_it_off_takes_a_code(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token)
    refused = await client.post(
        "/users/me/totp/disable", json={"code": app.used_code()}, headers=bearer(token)
    )
    assert refused.status_code == 400
    disabled = await client.post(
        "/users/me/totp/disable", json={"code": await app.code()}, headers=bearer(token)
    )
    assert disabled.status_code == 200
    assert (await client.get("/users/me/totp", headers=bearer(token))).json() == {"enabled": False}
    assert await login(client, account.email, account.password)


async def test_turning_it_on_twice_is_a_conflict(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    await enable_two_factor(client, token)
    again = await client.post("/users/me/totp", headers=bearer(token))
    assert again.status_code == 409
    nothing_pending = await client.post(
        "/users/me/totp/confirm", json={"code": "123456"}, headers=bearer(token)
    )
    assert nothing_pending.status_code == 409
