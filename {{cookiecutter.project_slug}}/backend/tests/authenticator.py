"""An authenticator app, as the tests need one: a code per 30-second step, each step used once."""

import asyncio
import time
from datetime import UTC, datetime

import httpx
import pyotp

from tests.conftest import bearer

# Seconds a code of the last step must still have when it is given out: the request may be slow.
LAST_STEP_MARGIN = 10


class Authenticator:
    recovery_codes: list[str]

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._totp = pyotp.TOTP(secret)
        self._last_step: int | None = None

    def _current_step(self) -> int:
        return self._totp.timecode(datetime.now(UTC))

    async def code(self) -> str:
        """A code the server takes now and has not seen, from the earliest step it takes: the
        last step's while this one has a while to go, then this one's, the next one's, or wait.
        (A test that needs three codes gets them without waiting for the clock.)"""
        while True:
            current = self._current_step()
            left = self._totp.interval - time.time() % self._totp.interval
            # The server takes one step either side of its own.
            earliest = current - 1 if left >= LAST_STEP_MARGIN else current
            step = earliest if self._last_step is None else max(self._last_step + 1, earliest)
            if step <= current + 1:
                self._last_step = step
                return self._totp.generate_otp(step)
            await asyncio.sleep(self._totp.interval - time.time() % self._totp.interval + 0.05)

    def used_code(self) -> str:
        """The last code given out: the server has taken it, so it must refuse it now."""
        assert self._last_step is not None
        return self._totp.generate_otp(self._last_step)


async def enable_two_factor(client: httpx.AsyncClient, token: str, password: str) -> Authenticator:
    """Turn two-factor on for the user of `token`, as a person with an app on their phone does;
    the recovery codes shown then are kept in `app.recovery_codes`."""
    started = await client.post(
        "/users/me/totp", json={"current_password": password}, headers=bearer(token)
    )
    assert started.status_code == 200, started.text
    app = Authenticator(started.json()["secret"])
    confirmed = await client.post(
        "/users/me/totp/confirm", json={"code": await app.code()}, headers=bearer(token)
    )
    assert confirmed.status_code == 200, confirmed.text
    app.recovery_codes = confirmed.json()["recovery_codes"]
    return app


async def password_challenge(client: httpx.AsyncClient, email: str, password: str) -> str:
    """The challenge the password step answers with, for a user with two-factor on."""
    response = await client.post("/login/oauth", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "access_token" not in body, "two-factor is on: no access token before the code"
    assert body["challenge"] == "totp"
    challenge: str = body["challenge_token"]
    return challenge
