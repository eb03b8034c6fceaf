"""Ending sessions: a copied refresh token, and logging out everywhere."""

import httpx
{% if cookiecutter.use_websockets == "yes" %}
from app.realtime.protocol import LOGGED_OUT_MESSAGE
{%- endif %}
from tests.conftest import Account, NewClient, {% if cookiecutter.use_websockets == "yes" %}Server, {% endif %}bearer, login
{%- if cookiecutter.use_websockets == "yes" %}
from tests.socket_client import session
{%- endif %}


async def test_a_spent_refresh_token_coming_back_ends_every_session(
    new_client: NewClient, account: Account
) -> None:
    async with new_client() as laptop, new_client() as phone, new_client() as thief:
        laptop_token = await login(laptop, account.email, account.password)
        phone_token = await login(phone, account.email, account.password)
        stolen = laptop.cookies.get("refresh_token")
        assert (await laptop.post("/login/refresh")).status_code == 200

        thief.cookies.set("refresh_token", stolen or "", path="/api/v1/login")
        assert (await thief.post("/login/refresh")).status_code == 401

        # Whoever holds the newest cookie, and every other device, is logged out too.
        assert (await laptop.post("/login/refresh")).status_code == 401
        assert (await phone.post("/login/refresh")).status_code == 401
        for token in (laptop_token, phone_token):
            assert (await laptop.get("/users/me", headers=bearer(token))).status_code == 401
        # The password still works.
        assert await login(laptop, account.email, account.password)


async def test_logging_out_everywhere(new_client: NewClient, account: Account) -> None:
    async with new_client() as laptop, new_client() as phone:
        laptop_token = await login(laptop, account.email, account.password)
        phone_token = await login(phone, account.email, account.password)
        response = await laptop.post("/login/logout-everywhere", headers=bearer(laptop_token))
        assert response.status_code == 204
        assert "refresh_token" not in laptop.cookies
        for client, token in ((laptop, laptop_token), (phone, phone_token)):
            assert (await client.get("/users/me", headers=bearer(token))).status_code == 401
        assert (await phone.post("/login/refresh")).status_code == 401
        assert await login(phone, account.email, account.password)


async def test_logging_out_everywhere_needs_an_access_token(client: httpx.AsyncClient) -> None:
    assert (await client.post("/login/logout-everywhere")).status_code == 401
{%- if cookiecutter.use_websockets == "yes" %}


async def test_logging_out_everywhere_closes_the_users_sockets(
    server: Server, client: httpx.AsyncClient, token: str
) -> None:
    async with session(server.ws_url, token) as (socket, _):
        assert (await socket.request("ping"))["state"] == "pong"
        await client.post("/login/logout-everywhere", headers=bearer(token))
        # WS_USER_RECHECK is 0.2 s in the tests.
        assert await socket.receive() == {
            "state": "error",
            "error": LOGGED_OUT_MESSAGE,
            "code": "unauthorized",
        }
        assert await socket.close_code() == 1008
{%- endif %}
