"""The account against an attacker: a stolen access token, a forged cross-site request, a
password guesser, a flood of logins, and what a session's end must end.

Each test plays the attacker over HTTP against the app: a second client for the thief or the
forger's page, concurrent requests for the limits, a second user for a takeover.
"""

import asyncio
import ipaddress
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.core.db import open_db
from app.models import SignIn
from tests.conftest import (
    Account,
    MakeAccount,
    NewClient,
{%- if cookiecutter.use_websockets == "yes" %}
    Server,
{%- endif %}
    bearer,
    login,
    real_password_hash,
    running_server,
    site_url,
)
from tests.mailbox import Mailbox, body, link_token
{%- if cookiecutter.use_websockets == "yes" %}
from tests.socket_client import open_socket, session
{%- endif %}

EVIL = "https://evil.example"
DOCUMENTATION = ipaddress.IPv6Network("2001:db8::/32")
STRONG = "a brand new passphrase for tests"


def forwarded(address: str) -> dict[str, str]:
    """Requests that reach the server from another client address (uvicorn trusts the proxy
    header from 127.0.0.1, as it would from a local reverse proxy)."""
    return {"X-Forwarded-For": address}


def an_address() -> str:
    """A client address no other test uses (IPv6's range for documentation)."""
    return str(DOCUMENTATION[uuid.uuid4().int % DOCUMENTATION.num_addresses])


@asynccontextmanager
async def signed_in(
    new_client: NewClient, account: Account
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Another browser (or device) of the account, signed in: its client and access token."""
    async with new_client() as client:
        yield client, await login(client, account.email, account.password)


# 1. Taking an account over with an access token alone


async def test_the_address_cannot_be_changed_without_the_password(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    direct = await client.patch(
        "/users/me", json={"email": "thief@example.com"}, headers=bearer(token)
    )
    assert direct.status_code == 422
    guessed = await client.post(
        "/users/me/email",
        json={"new_email": "thief@example.com", "current_password": "a guess of it"},
        headers=bearer(token),
    )
    assert guessed.status_code == 400
    me = await client.get("/users/me", headers=bearer(token))
    assert me.json()["email"] == account.email


async def test_a_new_address_counts_once_its_link_is_opened_and_the_old_one_is_told(
    client: httpx.AsyncClient,
    new_client: NewClient,
    mailbox: Mailbox,
    account: Account,
    token: str,
) -> None:
    new_email = f"moved-{uuid.uuid4().hex[:10]}@example.com"
    asked = await client.post(
        "/users/me/email",
        json={"new_email": new_email, "current_password": account.password},
        headers=bearer(token),
    )
    assert asked.status_code == 202
    assert account.email in asked.json()["message"]
    # Until the link is opened, nothing changes.
    assert (await client.get("/users/me", headers=bearer(token))).json()["email"] == account.email
    link = link_token(await mailbox.receive(new_email, "confirm your new email"), "/confirm-email")
    assert mailbox.sent_to(account.email) == []

    async with new_client() as phone:
        moved = await phone.post("/login/email-change", json={"token": link})
    assert moved.status_code == 200, moved.text
    notice = body(await mailbox.receive(account.email, "address changed"))
    assert new_email in notice
    assert "/forgot-password" in notice
    # Every sign-in ended; the new address signs in, verified by the link.
    assert (await client.get("/users/me", headers=bearer(token))).status_code == 401
    fresh = await login(client, new_email, account.password)
    me = (await client.get("/users/me", headers=bearer(fresh))).json()
    assert me["email"] == new_email
    assert me["email_verified"] is True
    assert (await client.post("/login/email-change", json={"token": link})).status_code == 400


async def test_a_taken_address_gets_the_same_answer_and_no_link(
    client: httpx.AsyncClient, mailbox: Mailbox, make_account: MakeAccount
) -> None:
    me, other = await make_account(), await make_account()
    token = await login(client, me.email, me.password)
    free = f"free-{uuid.uuid4().hex[:10]}@example.com"
    answers = [
        await client.post(
            "/users/me/email",
            json={"new_email": address, "current_password": me.password},
            headers=bearer(token),
        )
        for address in (other.email, free)
    ]
    assert [answer.status_code for answer in answers] == [202, 202]
    taken, fresh = (answer.json()["message"] for answer in answers)
    assert taken.replace(other.email, "X") == fresh.replace(free, "X")
    # The owner of the taken address is told, with no link; the free one gets its link.
    notice = await mailbox.receive(other.email, "address in use")
    assert "#token=" not in body(notice)
    await mailbox.receive(free, "confirm your new email")


async def test_a_password_change_takes_the_current_password(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    wrong = await client.patch(
        "/users/me/password",
        json={"current_password": "not it at all", "new_password": STRONG},
        headers=bearer(token),
    )
    assert wrong.status_code == 400
    assert await login(client, account.email, account.password)


# 2. Forged cross-site requests


@pytest.mark.parametrize("path", ["/login/oauth", "/login/refresh", "/login/logout"])
async def test_a_cross_site_request_changes_nothing(
    client: httpx.AsyncClient, account: Account, path: str
) -> None:
    await login(client, account.email, account.password)
    cookie = client.cookies.get("refresh_token")
    assert cookie
    form = {"username": account.email, "password": account.password}
    for headers in ({"origin": EVIL}, {"origin": "null"}, {"sec-fetch-site": "cross-site"}):
        forged = await client.post(path, data=form, headers=headers)
        assert forged.status_code == 403, (headers, forged.text)
        assert forged.json() == {"detail": "Cross-site request refused."}
        assert "set-cookie" not in forged.headers
    # The victim's cookie is still there, and still good.
    assert client.cookies.get("refresh_token") == cookie
    assert (await client.post("/login/refresh")).status_code == 200


async def test_the_site_itself_and_scripts_are_not_refused(
    client: httpx.AsyncClient, account: Account
) -> None:
    from app.core.config import settings

    form = {"username": account.email, "password": account.password}
    for headers in (
        {"origin": site_url(client)},
        {"origin": settings.allowed_origins[0]},
        {"sec-fetch-site": "same-origin"},
        {},
    ):
        answer = await client.post("/login/oauth", data=form, headers=headers)
        assert answer.status_code == 200, (headers, answer.text)
    # Same host and port, but another scheme, is another origin.
    other_scheme = site_url(client).replace("http://", "https://")
    refused = await client.post("/login/oauth", data=form, headers={"origin": other_scheme})
    assert refused.status_code == 403


# 3. Guessers and floods


async def test_password_guesses_are_held_up_even_with_the_right_password(
    client: httpx.AsyncClient, account: Account
) -> None:
    from app.core.config import settings

    wrong = {"username": account.email, "password": "a wrong password"}
    statuses = [
        (await client.post("/login/oauth", data=wrong)).status_code
        for _ in range(settings.THROTTLE_PER_ACCOUNT)
    ]
    assert statuses == [400] * settings.THROTTLE_PER_ACCOUNT
    # Even the right password waits now, from any address; the password is not looked at.
    right = {"username": account.email, "password": account.password}
    blocked = await client.post("/login/oauth", data=right, headers=forwarded(an_address()))
    assert blocked.status_code == 429
    wait = int(blocked.headers["retry-after"])
    assert 0 < wait <= settings.THROTTLE_FIRST_DELAY
    assert blocked.json() == {"detail": f"Too many attempts; try again in {wait} seconds."}


def test_each_wait_is_twice_the_one_before_up_to_the_longest() -> None:
    from app.core.config import settings
    from app.throttle import delay

    free, first = settings.THROTTLE_PER_ACCOUNT, settings.THROTTLE_FIRST_DELAY
    assert [delay(count, free) for count in range(1, free)] == [0.0] * (free - 1)
    assert [delay(free + n, free) for n in range(3)] == [first, 2 * first, 4 * first]
    assert delay(free + 1000, free) == settings.THROTTLE_MAX_DELAY


async def test_a_wait_ends_and_the_right_password_forgives_the_count(
    database: None, account: Account
) -> None:
    with running_server("short-waits", env={"THROTTLE_FIRST_DELAY": "1"}) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1") as client:
            wrong = {"username": account.email, "password": "a wrong password"}
            for _ in range(5):
                assert (await client.post("/login/oauth", data=wrong)).status_code == 400
            await asyncio.sleep(1.5)  # the wait began with the fifth attempt, before its answer
            assert await login(client, account.email, account.password)
            # Forgiven: four more wrong guesses are checked, not held up.
            for _ in range(4):
                assert (await client.post("/login/oauth", data=wrong)).status_code == 400


async def test_concurrent_guesses_get_no_more_checks_than_sequential_ones(
    client: httpx.AsyncClient, account: Account
) -> None:
    from app.core.config import settings

    wrong = {"username": account.email, "password": "a wrong password"}
    answers = await asyncio.gather(*(client.post("/login/oauth", data=wrong) for _ in range(40)))
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses[400] <= settings.THROTTLE_PER_ACCOUNT, statuses
    assert set(statuses) <= {400, 429, 503}, statuses


async def test_mail_requests_are_limited_per_address_asked_for(
    client: httpx.AsyncClient, account: Account
) -> None:
    from app.core.config import settings

    statuses = [
        (
            await client.post(
                "/login/password-recovery",
                json={"email": account.email},
                headers=forwarded(an_address()),
            )
        ).status_code
        for _ in range(settings.THROTTLE_PER_ACCOUNT + 1)
    ]
    assert statuses == [202] * settings.THROTTLE_PER_ACCOUNT + [429]


async def test_one_client_address_is_limited_across_accounts(database: None) -> None:
    """A guesser spraying one password over many accounts from one address."""
    with running_server("address-limit", env={"THROTTLE_PER_ADDRESS": "3"}) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1") as client:
            address = forwarded(an_address())
            statuses = [
                (
                    await client.post(
                        "/login/oauth",
                        data={"username": f"{n}@example.com", "password": "Summer2026!"},
                        headers=address,
                    )
                ).status_code
                for n in range(4)
            ]
            assert statuses == [400, 400, 400, 429]
            elsewhere = await client.post(
                "/login/oauth",
                data={"username": "4@example.com", "password": "Summer2026!"},
                headers=forwarded(an_address()),
            )
            assert elsewhere.status_code == 400


@pytest.mark.parametrize("number", ["1e309", "-1e309", "NaN", "Infinity"])
async def test_a_number_json_cannot_carry_is_a_422_naming_the_field(
    client: httpx.AsyncClient, number: str
) -> None:
    """Not a 500 while writing the answer: the refused value is left out of it."""
    answer = await client.post(
        "/login/password-recovery",
        content='{"email": ' + number + "}",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "email"]
    assert "input" not in problem


async def test_past_a_full_line_a_login_is_refused_before_anything_is_read(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard answers for the route: not even the form is parsed (a missing one would be a
    422), so that each login of a flood costs the server next to nothing."""
    from app.core import security
    from app.core.config import settings
    from app.main import app

    full = settings.PASSWORD_CHECKS_AT_ONCE + settings.PASSWORD_CHECKS_WAITING
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        assert (await client.post("/login/oauth")).status_code == 422
        monkeypatch.setattr(security, "_in_line", full)
        refused = await client.post("/login/oauth")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json() == {"detail": "The server is busy; try again in a moment."}
        assert "content-security-policy" in refused.headers
        assert (await client.get("/health")).status_code == 200


async def test_a_flood_of_logins_is_refused_fast_not_queued(database: None) -> None:
    """More password checks than the server takes at once: the rest are a quick 503."""
    env = {"PASSWORD_CHECKS_AT_ONCE": "1", "PASSWORD_CHECKS_WAITING": "1", **real_password_hash()}
    with running_server("flood", env=env) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
            started = time.monotonic()
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/login/oauth",
                        data={"username": f"flood-{n}@example.com", "password": "wrong guess"},
                        headers=forwarded(an_address()),
                    )
                    for n in range(30)
                )
            )
            elapsed = time.monotonic() - started
            statuses = Counter(answer.status_code for answer in answers)
            assert set(statuses) == {400, 503}, statuses
            busy = next(answer for answer in answers if answer.status_code == 503)
            assert busy.headers["retry-after"] == "1"
            assert busy.json() == {"detail": "The server is busy; try again in a moment."}
            # Not one answer waited in a long line (each check takes well under a second).
            assert elapsed < 10, elapsed
            assert (await client.get("/health")).status_code == 200


# 4. What ending a session ends


async def test_a_password_change_ends_every_other_session(
    client: httpx.AsyncClient,
    new_client: NewClient,
    mailbox: Mailbox,
    account: Account,
    token: str,
) -> None:
    async with signed_in(new_client, account) as (phone, phone_token):
        changed = await client.patch(
            "/users/me/password",
            json={"current_password": account.password, "new_password": STRONG},
            headers=bearer(token),
        )
        assert changed.status_code == 200, changed.text
        fresh = changed.json()["access_token"]
        # This browser goes on with its new tokens; the old ones and the phone's are void.
        assert (await client.get("/users/me", headers=bearer(fresh))).status_code == 200
        assert (await client.post("/login/refresh")).status_code == 200
        for old in (token, phone_token):
            assert (await client.get("/users/me", headers=bearer(old))).status_code == 401
        assert (await phone.post("/login/refresh")).status_code == 401
    notice = body(await mailbox.receive(account.email, "password changed"))
    assert "password of your account was changed" in notice


async def test_an_administrators_password_change_ends_every_session(
    client: httpx.AsyncClient,
    mailbox: Mailbox,
    account: Account,
    token: str,
    superuser_token: str,
) -> None:
    set_by_admin = await client.patch(
        f"/users/{account.id}", json={"password": STRONG}, headers=bearer(superuser_token)
    )
    assert set_by_admin.status_code == 200
    assert (await client.get("/users/me", headers=bearer(token))).status_code == 401
    assert (await client.post("/login/refresh")).status_code == 401
    await mailbox.receive(account.email, "password changed")


async def test_logout_ends_that_sessions_access_token_at_once(
    new_client: NewClient, account: Account
) -> None:
    async with (
        signed_in(new_client, account) as (laptop, laptop_token),
        signed_in(new_client, account) as (phone, phone_token),
    ):
        assert (await laptop.post("/login/logout")).status_code == 204
        assert (await laptop.get("/users/me", headers=bearer(laptop_token))).status_code == 401
        # The user's other session goes on.
        assert (await phone.get("/users/me", headers=bearer(phone_token))).status_code == 200
        assert (await phone.post("/login/refresh")).status_code == 200
{%- if cookiecutter.use_websockets == "yes" %}


async def test_logout_closes_that_sessions_sockets_within_seconds(
    server: Server, new_client: NewClient, account: Account
) -> None:
    async with (
        signed_in(new_client, account) as (laptop, laptop_token),
        signed_in(new_client, account) as (_, phone_token),
        session(server.ws_url, laptop_token) as (laptop_socket, _),
        session(server.ws_url, phone_token) as (phone_socket, _),
    ):
        await laptop.post("/login/logout")
        ended = await laptop_socket.receive()
        assert ended["code"] == "unauthorized"
        assert await laptop_socket.close_code() == 1008
        assert (await phone_socket.request("ping"))["state"] == "pong"


async def handshake(url: str, token: str) -> tuple[str, int | None]:
    """The state, or error code, that a socket's token is answered with; and the close code
    if the server then closes it."""
    async with open_socket(url) as client:
        answer = await client.authenticate(token)
        if answer["state"] == "initialised":
            return "initialised", None
        return answer["code"], await client.close_code()
{%- endif %}


async def test_a_session_ends_at_its_lifetime_whatever_the_refreshes(
    client: httpx.AsyncClient, account: Account, token: str
) -> None:
    refreshed = await client.post("/login/refresh")
    assert refreshed.status_code == 200
    async with open_db() as db:
        await db.execute(
            update(SignIn)
            .where(SignIn.user_id == account.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await db.commit()
    assert (await client.post("/login/refresh")).status_code == 401
    fresh = refreshed.json()["access_token"]
    assert (await client.get("/users/me", headers=bearer(fresh))).status_code == 401


# 5. and 6. Links and what requests tell a stranger


async def test_the_answer_goes_before_any_look_up_of_the_address(
    monkeypatch: pytest.MonkeyPatch, make_account: MakeAccount
) -> None:
    """Timing cannot tell which addresses have accounts: the request answers before it looks
    for one (the work is done after the answer, in the background)."""
    from app import users
    from app.main import app

    events: list[str] = []
    find = users.get_user_by_email

    async def looking_up(*args: Any) -> Any:
        events.append("looked up")
        return await find(*args)

    async def answering(scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                events.append("answered")
            await send(message)

        await app(scope, receive, sending)

    monkeypatch.setattr(users, "get_user_by_email", looking_up)
    paths = ["/login/password-recovery"]
{%- if cookiecutter.auth_magic_link == "yes" %}
    paths.append("/login/magic-link")
{%- endif %}
    known = (await make_account()).email
    transport = httpx.ASGITransport(app=answering)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        for path in paths:
            for address in (known, f"nobody-{uuid.uuid4().hex[:10]}@example.com"):
                events.clear()
                answer = await client.post(path, json={"email": address})
                assert answer.status_code == 202
                assert events == ["answered", "looked up"], (path, address, events)


# 7. Weaker points


@pytest.mark.parametrize(
    "password", ["password1234", "aaaaaaaaaaaa", "qwertyuiopasdf", "short pass1", "x" * 129]
)
async def test_weak_passwords_are_refused_everywhere(
    client: httpx.AsyncClient, account: Account, token: str, superuser_token: str, password: str
) -> None:
    created = await client.post(
        "/users",
        json={"email": f"weak-{uuid.uuid4().hex[:8]}@example.com", "password": password},
        headers=bearer(superuser_token),
    )
    changed = await client.patch(
        "/users/me/password",
        json={"current_password": account.password, "new_password": password},
        headers=bearer(token),
    )
    for refused in (created, changed):
        assert refused.status_code == 422
        # The answer never repeats what was typed.
        assert password not in refused.text
        assert account.password not in refused.text


async def test_a_validation_error_never_repeats_a_secret(client: httpx.AsyncClient) -> None:
    token, password = "t" * 300, "seven77"
    answer = await client.post(
        "/login/password-reset", json={"token": token, "new_password": password}
    )
    assert answer.status_code == 422
    assert token not in answer.text
    assert password not in answer.text
    assert {tuple(error["loc"]) for error in answer.json()["detail"]} == {
        ("body", "token"),
        ("body", "new_password"),
    }


async def test_tokens_signed_by_a_previous_key_still_work_and_unknown_keys_do_not(
    database: None, client: httpx.AsyncClient, token: str
) -> None:
    from app.core.config import settings

    rotated = {
        "SECRET_KEY": "a" + settings.SECRET_KEY[::-1],
        "PREVIOUS_SECRET_KEYS": settings.SECRET_KEY,
    }
    with running_server("rotated", env=rotated) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1") as after:
            assert (await after.get("/users/me", headers=bearer(token))).status_code == 200
    forgotten = {"SECRET_KEY": "b" + settings.SECRET_KEY[::-1]}
    with running_server("forgotten", env=forgotten) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1") as after:
            assert (await after.get("/users/me", headers=bearer(token))).status_code == 401


# 9. Headers


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/health"),
        await client.get("/no/such/route"),
        await client.post("/login/oauth", data={}),
        await client.get(f"{site_url(client)}/"),
    ):
        headers = response.headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
{%- if cookiecutter.use_websockets == "yes" %}


async def test_a_database_that_cannot_keep_up_is_a_quick_503(database: None, token: str) -> None:
{%- else %}


async def test_a_database_that_cannot_keep_up_is_a_quick_503(database: None) -> None:
{%- endif %}
    """One connection, and hardly any wait for it: the requests it cannot serve in time are
    told so at once, never left waiting, never a 500."""
    env = {"DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT": "0.001"}
    with running_server("one-connection", env=env) as server:
{%- if cookiecutter.use_websockets == "yes" %}
        # A socket's handshake checks its token in the database (10 sockets: the cap per user).
        handshakes = await asyncio.gather(*(handshake(server.ws_url, token) for _ in range(10)))
        assert set(handshakes) <= {("initialised", None), ("unavailable", 1013)}, handshakes
        assert ("unavailable", 1013) in handshakes, handshakes
{%- endif %}
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
            answers = await asyncio.gather(*(client.get("/health") for _ in range(60)))
            statuses = Counter(answer.status_code for answer in answers)
            assert set(statuses) == {200, 503}, statuses
            logins = await asyncio.gather(
                *(
                    client.post(
                        "/login/oauth",
                        data={"username": f"busy-{n}@example.com", "password": "not the one"},
                        headers=forwarded(an_address()),
                    )
                    for n in range(30)
                )
            )
            refused = [login for login in logins if login.status_code == 503]
            assert {login.status_code for login in logins} <= {400, 429, 503}
            for busy in refused:
                assert busy.headers["retry-after"] == "1"
        assert "Traceback" not in server.log_text()
