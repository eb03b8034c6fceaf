"""POST /login/resume: the page's first question at every load. A browser without a sign-in is
told so with a 200 (a 401 there would be an error in the console of every signed-out visit); one
with a sign-in gets what /login/refresh gives, under the same rules."""

import httpx

from tests.conftest import Account, NewClient, bearer, login

SIGNED_OUT = {"signed_in": False}


async def test_without_a_cookie_the_answer_is_signed_out(client: httpx.AsyncClient) -> None:
    response = await client.post("/login/resume")
    assert response.status_code == 200
    assert response.json() == SIGNED_OUT
    assert "set-cookie" not in response.headers


async def test_a_sign_in_is_resumed_with_a_new_cookie(
    client: httpx.AsyncClient, account: Account
) -> None:
    await login(client, account.email, account.password)
    first = client.cookies.get("refresh_token")
    response = await client.post("/login/resume")
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] > 0
    me = await client.get("/users/me", headers=bearer(body["access_token"]))
    assert me.json()["email"] == account.email
    second = client.cookies.get("refresh_token")
    assert second
    assert second != first


async def test_a_spent_cookie_is_signed_out_and_ends_every_sign_in(
    client: httpx.AsyncClient, new_client: NewClient, account: Account
) -> None:
    await login(client, account.email, account.password)
    stolen = client.cookies.get("refresh_token")
    assert (await client.post("/login/resume")).status_code == 200
    async with new_client() as other:
        other.cookies.set("refresh_token", stolen or "")
        reused = await other.post("/login/resume")
        assert reused.json() == SIGNED_OUT
        assert 'refresh_token=""' in reused.headers["set-cookie"]
    # The reuse ended the browser's own sign-in too.
    assert (await client.post("/login/resume")).json() == SIGNED_OUT


async def test_a_cookie_that_is_no_token_is_cleared(client: httpx.AsyncClient) -> None:
    client.cookies.set("refresh_token", "not a token")
    response = await client.post("/login/resume")
    assert response.json() == SIGNED_OUT
    assert 'refresh_token=""' in response.headers["set-cookie"]


async def test_a_deactivated_users_sign_in_is_not_resumed(
    client: httpx.AsyncClient, account: Account, superuser_token: str
) -> None:
    await login(client, account.email, account.password)
    changed = await client.patch(
        f"/users/{account.id}", json={"is_active": False}, headers=bearer(superuser_token)
    )
    assert changed.status_code == 200, changed.text
    assert (await client.post("/login/resume")).json() == SIGNED_OUT
