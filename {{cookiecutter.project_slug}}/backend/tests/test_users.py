import uuid

import httpx
import pytest

from tests.conftest import Account, MakeAccount, bearer, login


async def test_me_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/me")).status_code == 401
    bad = await client.get("/users/me", headers=bearer("garbage"))
    assert bad.status_code == 401


async def test_read_and_update_me(client: httpx.AsyncClient, account: Account, token: str) -> None:
    me = (await client.get("/users/me", headers=bearer(token))).json()
    assert me["id"] == str(account.id)
    assert me["email"] == account.email
    assert me["is_superuser"] is False
    assert "hashed_password" not in me
    updated = await client.patch(
        "/users/me", json={"full_name": "Ada Lovelace"}, headers=bearer(token)
    )
    assert updated.status_code == 200
    assert updated.json()["full_name"] == "Ada Lovelace"


async def test_change_password(client: httpx.AsyncClient, account: Account, token: str) -> None:
    new_password = "a-new-password-for-a-test"
    changed = await client.patch(
        "/users/me/password",
        json={"current_password": account.password, "new_password": new_password},
        headers=bearer(token),
    )
    assert changed.status_code == 200
    assert changed.json()["token_type"] == "bearer"
    assert await login(client, account.email, new_password)


async def test_a_regular_user_cannot_administer_users(
    client: httpx.AsyncClient, token: str, make_account: MakeAccount
) -> None:
    other = await make_account()
    headers = bearer(token)
    assert (await client.get("/users", headers=headers)).status_code == 403
    assert (await client.get(f"/users/{other.id}", headers=headers)).status_code == 403
    created = await client.post(
        "/users",
        json={"email": "x@example.com", "password": "correct horse battery staple"},
        headers=headers,
    )
    assert created.status_code == 403
    assert (await client.delete(f"/users/{other.id}", headers=headers)).status_code == 403


async def test_superuser_manages_users(
    client: httpx.AsyncClient, superuser_token: str, make_account: MakeAccount
) -> None:
    headers = bearer(superuser_token)
    created = await make_account(full_name="Grace")
    listed = (await client.get("/users", params={"limit": 100}, headers=headers)).json()
    assert listed["count"] >= 2
    assert len(listed["data"]) <= 100

    read = await client.get(f"/users/{created.id}", headers=headers)
    assert read.json()["full_name"] == "Grace"

    patched = await client.patch(
        f"/users/{created.id}", json={"is_superuser": True, "full_name": None}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json()["is_superuser"] is True
    assert patched.json()["full_name"] is None

    assert (await client.delete(f"/users/{created.id}", headers=headers)).status_code == 204
    assert (await client.get(f"/users/{created.id}", headers=headers)).status_code == 404


async def test_creating_a_duplicate_email_is_a_conflict(
    client: httpx.AsyncClient, superuser_token: str, account: Account
) -> None:
    response = await client.post(
        "/users",
        json={"email": account.email.upper(), "password": "correct horse battery staple"},
        headers=bearer(superuser_token),
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "correct horse battery staple"},
        {"email": "short@example.com", "password": "short"},
        {"password": "correct horse battery staple"},
    ],
)
async def test_invalid_new_users_are_refused(
    client: httpx.AsyncClient, superuser_token: str, body: dict[str, str]
) -> None:
    response = await client.post("/users", json=body, headers=bearer(superuser_token))
    assert response.status_code == 422


async def test_an_unknown_user_or_a_malformed_id_is_404(
    client: httpx.AsyncClient, superuser_token: str
) -> None:
    headers = bearer(superuser_token)
    assert (await client.get(f"/users/{uuid.uuid4()}", headers=headers)).status_code == 404
    assert (await client.get("/users/not-a-uuid", headers=headers)).status_code == 404


async def test_a_superuser_cannot_delete_themselves(
    client: httpx.AsyncClient, superuser_token: str
) -> None:
    headers = bearer(superuser_token)
    me = (await client.get("/users/me", headers=headers)).json()
    assert (await client.delete(f"/users/{me['id']}", headers=headers)).status_code == 403


@pytest.mark.parametrize("value", ["yes", "off", 1, 0, "true"])
async def test_a_flag_takes_only_true_or_false(
    client: httpx.AsyncClient, superuser_token: str, account: Account, value: object
) -> None:
    answer = await client.patch(
        f"/users/{account.id}", json={"is_superuser": value}, headers=bearer(superuser_token)
    )
    assert answer.status_code == 422


async def test_text_with_a_nul_character_is_refused_not_a_server_error(
    client: httpx.AsyncClient, token: str
) -> None:
    named = await client.patch(
        "/users/me", json={"full_name": "Ada\u0000Lovelace"}, headers=bearer(token)
    )
    assert named.status_code == 422
    assert "NUL" in named.text
    login = await client.post(
        "/login/oauth", data={"username": "ada\u0000@example.com", "password": "anything at all"}
    )
    assert login.status_code == 400


async def test_paging_has_bounds(client: httpx.AsyncClient, superuser_token: str) -> None:
    headers = bearer(superuser_token)
    for params in ({"skip": 2**63}, {"skip": -1}, {"limit": 0}, {"limit": 101}):
        answer = await client.get("/users", params=params, headers=headers)
        assert answer.status_code == 422, params
    assert (await client.get("/users", params={"skip": 2**31 - 1}, headers=headers)).json()[
        "data"
    ] == []


async def test_the_last_active_administrator_cannot_step_down(
    client: httpx.AsyncClient, superuser_token: str, make_account: MakeAccount
) -> None:
    headers = bearer(superuser_token)
    me = (await client.get("/users/me", headers=headers)).json()
    # Only the first superuser stays an active administrator.
    listed = (await client.get("/users", params={"limit": 100}, headers=headers)).json()
    for user in listed["data"]:
        if user["is_superuser"] and user["is_active"] and user["id"] != me["id"]:
            await client.patch(f"/users/{user['id']}", json={"is_active": False}, headers=headers)
    for change in ({"is_superuser": False}, {"is_active": False}):
        refused = await client.patch(f"/users/{me['id']}", json=change, headers=headers)
        assert refused.status_code == 409, change
        assert "last active administrator" in refused.json()["detail"]
    assert (await client.get("/users/me", headers=headers)).json()["is_superuser"] is True
    # With the first one still there, another administrator may step down.
    other = await make_account(is_superuser=True)
    stepped_down = await client.patch(
        f"/users/{other.id}", json={"is_superuser": False}, headers=headers
    )
    assert stepped_down.status_code == 200
