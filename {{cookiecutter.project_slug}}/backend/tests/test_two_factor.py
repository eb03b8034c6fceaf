"""Two-factor sign-in with authenticator-app codes: turning it on and off, the code step."""

import asyncio
from collections import Counter

import httpx
import pyotp
from sqlalchemy import select

from app.api.routes.two_factor import EXPIRED_CHALLENGE, WRONG_CODE
from app.core.db import open_db
from app.core.security import TokenType, decode_token
from app.totp import RecoveryCode, TotpCredential, decrypt
from tests.authenticator import Authenticator, enable_two_factor, password_challenge
from tests.conftest import Account, bearer, login
from tests.mailbox import Mailbox, body


async def test_turning_it_on_shows_the_secret_as_a_qr_code_and_as_text(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    off = {"enabled": False, "recovery_codes_left": 0}
    assert (await client.get("/users/me/totp", headers=bearer(token))).json() == off
    password = {"current_password": account.password}
    started = (await client.post("/users/me/totp", json=password, headers=bearer(token))).json()
    secret = started["secret"]
    assert len(secret) >= 32
    assert pyotp.parse_uri(started["otpauth_uri"]).secret == secret
    assert "issuer=" in started["otpauth_uri"]
    assert started["qr_svg"].startswith("<svg")
    assert 'xmlns="http://www.w3.org/2000/svg"' in started["qr_svg"]
    # Not in force until a first code confirms it: the password alone still signs in.
    assert (await client.get("/users/me/totp", headers=bearer(token))).json() == off
    assert await login(client, account.email, account.password)

    app = Authenticator(secret)
    confirmed = await client.post(
        "/users/me/totp/confirm", json={"code": await app.code()}, headers=bearer(token)
    )
    assert confirmed.status_code == 200
    assert len(set(confirmed.json()["recovery_codes"])) == 10
    on = {"enabled": True, "recovery_codes_left": 10}
    assert (await client.get("/users/me/totp", headers=bearer(token))).json() == on


async def test_the_secret_is_stored_encrypted(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token, account.password)
    async with open_db() as db:
        stored = await db.scalar(
            select(TotpCredential.secret_encrypted).where(TotpCredential.user_id == account.id)
        )
    assert stored is not None
    assert app.secret not in stored
    assert decrypt(stored) == app.secret


async def test_a_wrong_first_code_does_not_turn_it_on(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    password = {"current_password": account.password}
    await client.post("/users/me/totp", json=password, headers=bearer(token))
    refused = await client.post(
        "/users/me/totp/confirm", json={"code": "000000"}, headers=bearer(token)
    )
    assert refused.status_code == 400
    status = (await client.get("/users/me/totp", headers=bearer(token))).json()
    assert status["enabled"] is False


async def test_sign_in_takes_the_password_then_a_code(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token, account.password)
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
    app = await enable_two_factor(client, token, account.password)
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
    # Nor can a code that signed in, sign in again (with a new challenge: each works once).
    challenge = await password_challenge(client, account.email, account.password)
    again = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": fresh}
    )
    assert again.status_code == 400


async def test_the_challenge_is_no_access_token_and_a_stranger_cannot_forge_one(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token, account.password)
    challenge = await password_challenge(client, account.email, account.password)
    assert (await client.get("/users/me", headers=bearer(challenge))).status_code == 401
    # An access token is not a challenge either: the code step takes challenges only.
    refused = await client.post(
        "/login/two-factor", json={"challenge_token": token, "code": await app.code()}
    )
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Your sign-in has expired; start again."}


async def test_wrong_codes_lock_the_code_step_even_when_sent_at_once(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    from app.core.config import settings

    app = await enable_two_factor(client, token, account.password)
    challenge = await password_challenge(client, account.email, account.password)
    guesses = [
        client.post("/login/two-factor", json={"challenge_token": challenge, "code": f"{n:06}"})
        for n in range(60)
    ]
    answers = await asyncio.gather(*guesses)
    statuses = Counter(answer.status_code for answer in answers)
    # Each guess is counted before it is checked: sixty at once get no more checks than the
    # free attempts, and one more that starts the wait.
    assert statuses[400] <= settings.THROTTLE_PER_ACCOUNT
    assert statuses[429] >= 60 - settings.THROTTLE_PER_ACCOUNT
    assert set(statuses) <= {400, 429}
    # Locked: even the right code waits now.
    locked = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": await app.code()}
    )
    assert locked.status_code == 429
    wait = int(locked.headers["retry-after"])
    assert wait > 0
    assert locked.json()["detail"] == f"Too many attempts; try again in {wait} seconds."


async def test_turning_it_off_takes_the_password_and_a_code(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token, account.password)
    await mailbox.receive(account.email, "two-factor sign-in changed")
    password = {"current_password": account.password}
    used_code = await client.post(
        "/users/me/totp/disable", json={**password, "code": app.used_code()}, headers=bearer(token)
    )
    assert used_code.status_code == 400
    no_password = await client.post(
        "/users/me/totp/disable",
        json={"current_password": "not the password", "code": await app.code()},
        headers=bearer(token),
    )
    assert no_password.status_code == 400
    assert no_password.json() == {"detail": "Incorrect password."}
    disabled = await client.post(
        "/users/me/totp/disable", json={**password, "code": await app.code()}, headers=bearer(token)
    )
    assert disabled.status_code == 200
    status = (await client.get("/users/me/totp", headers=bearer(token))).json()
    assert status == {"enabled": False, "recovery_codes_left": 0}
    assert await login(client, account.email, account.password)
    notice = body(await mailbox.receive(account.email, "two-factor sign-in changed"))
    assert "turned off" in notice


async def test_turning_it_on_twice_is_a_conflict(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    await enable_two_factor(client, token, account.password)
    again = await client.post(
        "/users/me/totp", json={"current_password": account.password}, headers=bearer(token)
    )
    assert again.status_code == 409
    nothing_pending = await client.post(
        "/users/me/totp/confirm", json={"code": "123456"}, headers=bearer(token)
    )
    assert nothing_pending.status_code == 409


async def test_turning_it_on_takes_the_password(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    """A stolen access token alone cannot put the thief's phone on the account."""
    without = await client.post("/users/me/totp", headers=bearer(token))
    assert without.status_code == 422
    wrong = await client.post(
        "/users/me/totp", json={"current_password": "a guess of it"}, headers=bearer(token)
    )
    assert wrong.status_code == 400
    assert "secret" not in wrong.json()


async def test_a_challenge_works_once(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token, account.password)
    challenge = await password_challenge(client, account.email, account.password)
    first = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": await app.code()}
    )
    assert first.status_code == 200, first.text
    again = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": await app.code()}
    )
    assert again.status_code == 401
    assert again.json() == {"detail": EXPIRED_CHALLENGE}


async def test_a_recovery_code_signs_in_once_and_the_account_hears_of_it(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token, account.password)
    code = app.recovery_codes[3]
    challenge = await password_challenge(client, account.email, account.password)
    # Typed the way a person may: upper case, without the dashes.
    typed = code.upper().replace("-", "")
    signed_in = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": typed}
    )
    assert signed_in.status_code == 200, signed_in.text
    fresh = signed_in.json()["access_token"]
    status = (await client.get("/users/me/totp", headers=bearer(fresh))).json()
    assert status == {"enabled": True, "recovery_codes_left": 9}
    notice = body(await mailbox.receive(account.email, "recovery code used"))
    assert "9 are left" in notice

    challenge = await password_challenge(client, account.email, account.password)
    reused = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": code}
    )
    assert reused.status_code == 400
    assert reused.json() == {"detail": WRONG_CODE}


async def test_new_recovery_codes_void_the_old_ones(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    app = await enable_two_factor(client, token, account.password)
    wrong = await client.post(
        "/users/me/totp/recovery-codes",
        json={"current_password": "not the password"},
        headers=bearer(token),
    )
    assert wrong.status_code == 400
    renewed = await client.post(
        "/users/me/totp/recovery-codes",
        json={"current_password": account.password},
        headers=bearer(token),
    )
    assert renewed.status_code == 200
    new_codes = renewed.json()["recovery_codes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(app.recovery_codes)
    async with open_db() as db:
        stored = set(
            await db.scalars(
                select(RecoveryCode.code_hash).where(RecoveryCode.user_id == account.id)
            )
        )
    assert not any(code.replace("-", "") in stored or code in stored for code in new_codes)
    challenge = await password_challenge(client, account.email, account.password)
    old = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": app.recovery_codes[0]}
    )
    assert old.status_code == 400
    new = await client.post(
        "/login/two-factor", json={"challenge_token": challenge, "code": new_codes[0]}
    )
    assert new.status_code == 200


async def test_turning_it_on_is_mailed_to_the_account(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account, token: str
) -> None:
    await enable_two_factor(client, token, account.password)
    notice = body(await mailbox.receive(account.email, "two-factor sign-in changed"))
    assert "turned on" in notice
    assert "/forgot-password" in notice
