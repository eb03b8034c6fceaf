import uuid

import httpx
import pytest

from app.core.security import TokenType, decode_token
from tests.conftest import Account, MakeAccount, NewClient, bearer, login


async def test_login_returns_an_access_token_and_sets_the_refresh_cookie(
    client: httpx.AsyncClient, account: Account
) -> None:
    response = await client.post(
        "/login/oauth", data={"username": account.email, "password": account.password}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert "refresh_token" not in body
    assert decode_token(body["access_token"], TokenType.ACCESS).subject == account.id
    cookie = response.headers["set-cookie"]
    assert "refresh_token=" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/api/v1/login" in cookie
    assert "SameSite=strict" in cookie


async def test_login_is_case_insensitive_on_email(
    client: httpx.AsyncClient, account: Account
) -> None:
    assert await login(client, account.email.upper(), account.password)


@pytest.mark.parametrize("wrong", ["password", "email"])
async def test_wrong_credentials_are_refused(
    client: httpx.AsyncClient, account: Account, wrong: str
) -> None:
    form = {"username": account.email, "password": account.password}
    # An address of its own: failures with a shared one add up across tests, to a 429.
    nobody = f"nobody-{uuid.uuid4().hex[:12]}@example.com"
    form["username" if wrong == "email" else "password"] = nobody
    response = await client.post("/login/oauth", data=form)
    assert response.status_code == 400
    assert response.json() == {"detail": "Incorrect email or password."}
    assert "set-cookie" not in response.headers


async def test_an_inactive_user_cannot_log_in(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    inactive = await make_account(is_active=False)
    response = await client.post(
        "/login/oauth", data={"username": inactive.email, "password": inactive.password}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Inactive user."}


async def test_a_missing_form_field_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/login/oauth", data={"username": "a@example.com"})
    assert response.status_code == 422


async def test_refresh_rotates_the_refresh_token(
    client: httpx.AsyncClient, new_client: NewClient, account: Account
) -> None:
    await login(client, account.email, account.password)
    first = client.cookies.get("refresh_token")
    response = await client.post("/login/refresh")
    assert response.status_code == 200
    second = client.cookies.get("refresh_token")
    assert second
    assert second != first
    me = await client.get("/users/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["email"] == account.email

    # The new token works (once), the spent one no longer does.
    assert (await client.post("/login/refresh")).status_code == 200
    async with new_client() as other:
        other.cookies.set("refresh_token", first or "")
        reused = await other.post("/login/refresh")
        assert reused.status_code == 401


async def test_refresh_without_a_cookie_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/login/refresh")
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials."}


async def test_an_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, account: Account
) -> None:
    access = await login(client, account.email, account.password)
    client.cookies.clear()
    client.cookies.set("refresh_token", access)
    response = await client.post("/login/refresh")
    assert response.status_code == 401


async def test_a_refresh_token_is_not_an_access_token(
    client: httpx.AsyncClient, account: Account
) -> None:
    await login(client, account.email, account.password)
    refresh = client.cookies.get("refresh_token")
    assert refresh
    response = await client.get("/users/me", headers=bearer(refresh))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_logout_revokes_the_refresh_token(
    client: httpx.AsyncClient, new_client: NewClient, account: Account
) -> None:
    await login(client, account.email, account.password)
    refresh = client.cookies.get("refresh_token")
    response = await client.post("/login/logout")
    assert response.status_code == 204
    async with new_client() as other:
        other.cookies.set("refresh_token", refresh or "")
        again = await other.post("/login/refresh")
        assert again.status_code == 401


async def test_refresh_for_a_deactivated_user_is_refused(
    client: httpx.AsyncClient, account: Account, superuser_token: str
) -> None:
    await login(client, account.email, account.password)
    await client.patch(
        f"/users/{account.id}", json={"is_active": False}, headers=bearer(superuser_token)
    )
    assert (await client.post("/login/refresh")).status_code == 401
