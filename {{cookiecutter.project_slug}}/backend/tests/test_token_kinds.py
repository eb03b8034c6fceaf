"""Only an access token is an access token: every other token the app hands out is refused
where an access token is wanted, on HTTP{% if cookiecutter.use_websockets == "yes" %} and on the socket{% endif %}."""

import httpx
import pytest
{% if cookiecutter.auth_totp == "yes" %}
from tests.authenticator import enable_two_factor, password_challenge
{%- endif %}
from tests.conftest import Account, {% if cookiecutter.use_websockets == "yes" %}Server, {% endif %}bearer, login
from tests.mailbox import Mailbox, link_token
{%- if cookiecutter.use_websockets == "yes" %}
from tests.socket_client import open_socket
{%- endif %}


@pytest.fixture
async def other_tokens(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account, token: str
) -> dict[str, str]:
    """One of each kind of token a user can get that is not an access token."""
    tokens: dict[str, str] = {}
    await login(client, account.email, account.password)
    tokens["refresh"] = client.cookies.get("refresh_token") or ""
    await client.post("/login/password-recovery", json={"email": account.email})
    reset = await mailbox.receive(account.email, "reset your password")
    tokens["password reset link"] = link_token(reset, "/reset-password")
    await client.post("/users/me/email-verification", headers=bearer(token))
    verification = await mailbox.receive(account.email, "confirm your email")
    tokens["email verification link"] = link_token(verification, "/verify-email")
{%- if cookiecutter.auth_magic_link == "yes" %}
    asked = await client.post("/login/magic-link", json={"email": account.email})
    tokens["sign-in link claim"] = asked.json()["claim"]
    sign_in = await mailbox.receive(account.email, "your sign-in link")
    tokens["sign-in link"] = link_token(sign_in, "/magic-link")
{%- endif %}
{%- if cookiecutter.auth_totp == "yes" %}
    await enable_two_factor(client, token, account.password)
    tokens["two-factor challenge"] = await password_challenge(
        client, account.email, account.password
    )
{%- endif %}
    assert all(tokens.values())
    return tokens


async def test_http_refuses_every_other_kind_of_token(
    client: httpx.AsyncClient, other_tokens: dict[str, str]
) -> None:
    for kind, other in other_tokens.items():
        response = await client.get("/users/me", headers=bearer(other))
        assert response.status_code == 401, f"a {kind} token passed as an access token"
{%- if cookiecutter.use_websockets == "yes" %}


async def test_the_socket_refuses_every_other_kind_of_token(
    server: Server, other_tokens: dict[str, str]
) -> None:
    for kind, other in other_tokens.items():
        async with open_socket(server.ws_url) as socket:
            reply = await socket.authenticate(other)
            assert reply["code"] == "unauthorized", f"a {kind} token opened a session: {reply}"
            assert await socket.close_code() == 1008
{%- endif %}
