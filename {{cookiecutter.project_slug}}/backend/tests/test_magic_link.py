"""Signing in with an emailed link: once, in time, and only in the browser that asked."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from app.core.db import open_db
from app.core.security import digest
from app.models import EmailToken
from tests.conftest import Account, MakeAccount, NewClient, bearer
from tests.mailbox import Mailbox, link_token

SUBJECT = "your sign-in link"
BAD_LINK = (
    "This sign-in link is invalid, expired or already used, or was opened in another browser "
    "than the one that asked for it; ask for a new one."
)


async def ask_for_link(client: httpx.AsyncClient, mailbox: Mailbox, email: str) -> str:
    """Ask for a link as a browser does (the claim lands in its cookie jar); the mailed token."""
    response = await client.post("/login/magic-link", json={"email": email})
    assert response.status_code == 202, response.text
    assert response.json()["expires_in"] > 0
    return link_token(await mailbox.receive(email, SUBJECT), "/magic-link")


async def test_the_link_signs_in_the_browser_that_asked(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account
) -> None:
    response = await client.post("/login/magic-link", json={"email": account.email})
    cookie = response.headers["set-cookie"]
    assert "sign_in_claim=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/api/v1/login/magic-link" in cookie
    message = await mailbox.receive(account.email, SUBJECT)
    token = link_token(message, "/magic-link")

    signed_in = await client.post("/login/magic-link/verify", json={"token": token})
    assert signed_in.status_code == 200, signed_in.text
    access = signed_in.json()["access_token"]
    me = await client.get("/users/me", headers=bearer(access))
    assert me.json()["email"] == account.email
    # Reading the mail proved the address.
    assert me.json()["email_verified"] is True
    assert client.cookies.get("refresh_token")


async def test_an_api_client_may_send_the_claim_itself(
    new_client: NewClient, mailbox: Mailbox, account: Account
) -> None:
    async with new_client() as app:
        claim = (await app.post("/login/magic-link", json={"email": account.email})).json()["claim"]
    token = link_token(await mailbox.receive(account.email, SUBJECT), "/magic-link")
    async with new_client() as same_app:
        response = await same_app.post(
            "/login/magic-link/verify", json={"token": token, "claim": claim}
        )
    assert response.status_code == 200


async def test_a_forwarded_link_without_its_claim_is_refused(
    client: httpx.AsyncClient, new_client: NewClient, mailbox: Mailbox, account: Account
) -> None:
    token = await ask_for_link(client, mailbox, account.email)
    async with new_client() as elsewhere:
        refused = await elsewhere.post("/login/magic-link/verify", json={"token": token})
        assert refused.status_code == 400
        assert refused.json() == {"detail": BAD_LINK}
        # Nor with a claim of its own: asking for a link for someone else gives a claim, not theirs.
        await elsewhere.post("/login/magic-link", json={"email": "nobody@example.com"})
        assert (
            await elsewhere.post("/login/magic-link/verify", json={"token": token})
        ).status_code == 400
    # The refusals did not spend the link: the browser that asked still signs in with it.
    assert (await client.post("/login/magic-link/verify", json={"token": token})).status_code == 200


async def test_a_link_works_once(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account
) -> None:
    token = await ask_for_link(client, mailbox, account.email)
    first = await client.post("/login/magic-link/verify", json={"token": token})
    assert first.status_code == 200
    again = await client.post("/login/magic-link/verify", json={"token": token})
    assert again.status_code == 400
    assert again.json() == {"detail": BAD_LINK}


async def test_an_expired_link_is_refused(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account
) -> None:
    token = await ask_for_link(client, mailbox, account.email)
    async with open_db() as db:
        await db.execute(
            update(EmailToken)
            .where(EmailToken.token_hash == digest(token))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await db.commit()
    refused = await client.post("/login/magic-link/verify", json={"token": token})
    assert refused.status_code == 400


async def test_the_link_is_no_access_token(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account
) -> None:
    token = await ask_for_link(client, mailbox, account.email)
    assert (await client.get("/users/me", headers=bearer(token))).status_code == 401
    claim = client.cookies.get("sign_in_claim")
    assert claim
    assert (await client.get("/users/me", headers=bearer(claim))).status_code == 401


async def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(
    client: httpx.AsyncClient, mailbox: Mailbox, make_account: MakeAccount
) -> None:
    inactive = await make_account(is_active=False)
    for email in ("nobody-here@example.com", inactive.email):
        response = await client.post("/login/magic-link", json={"email": email})
        assert response.status_code == 202
        assert set(response.json()) == {"claim", "expires_in"}
    active = await make_account()
    await ask_for_link(client, mailbox, active.email)
    assert mailbox.sent_to(inactive.email) == []
    assert mailbox.sent_to("nobody-here@example.com") == []


async def test_asking_again_within_the_cooldown_sends_no_mail_and_keeps_the_link_working(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account
) -> None:
    token = await ask_for_link(client, mailbox, account.email)
    first_claim = client.cookies.get("sign_in_claim")
    second = await client.post("/login/magic-link", json={"email": account.email})
    assert second.status_code == 202
    # The browser keeps its claim, so the link it waits for works in it.
    assert second.json()["claim"] == first_claim
    assert (await client.post("/login/magic-link/verify", json={"token": token})).status_code == 200
    await asyncio.sleep(0.5)  # time enough for a mail that should not be sent to arrive
    assert mailbox.sent_to(account.email) == []


async def test_someone_else_asking_during_the_cooldown_cannot_take_the_pending_link(
    client: httpx.AsyncClient, new_client: NewClient, mailbox: Mailbox, account: Account
) -> None:
    token = await ask_for_link(client, mailbox, account.email)
    async with new_client() as stranger:
        theirs = await stranger.post("/login/magic-link", json={"email": account.email})
        assert theirs.status_code == 202
        assert set(theirs.json()) == {"claim", "expires_in"}
        # Whoever sees the link cannot use it in the stranger's browser...
        taken = await stranger.post("/login/magic-link/verify", json={"token": token})
        assert taken.status_code == 400
    # ...and the owner's browser still signs in with it.
    assert (await client.post("/login/magic-link/verify", json={"token": token})).status_code == 200
    await asyncio.sleep(0.5)
    assert mailbox.sent_to(account.email) == []


async def test_a_link_lasts_ten_minutes(client: httpx.AsyncClient) -> None:
    asked = await client.post("/login/magic-link", json={"email": "nobody@example.com"})
    assert asked.json()["expires_in"] == 600


async def test_a_link_mailed_to_an_old_address_no_longer_works(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account, token: str
) -> None:
    link = await ask_for_link(client, mailbox, account.email)
    new_email = f"moved-{account.email}"
    await client.post(
        "/users/me/email",
        json={"new_email": new_email, "current_password": account.password},
        headers=bearer(token),
    )
    change = link_token(
        await mailbox.receive(new_email, "confirm your new email"), "/confirm-email"
    )
    assert (await client.post("/login/email-change", json={"token": change})).status_code == 200
    assert (await client.post("/login/magic-link/verify", json={"token": link})).status_code == 400
