"""Password recovery and reset, and email verification: by mail, each link once."""

import asyncio
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from app import mail, users
from app.core.config import settings
from app.core.db import open_db
from app.core.security import InvalidToken
from app.email_tokens import PASSWORD_RESET, issue, redeem
from app.models import EmailToken
from tests.conftest import Account, MakeAccount, NewClient, bearer, login
from tests.mailbox import Mailbox, body, link_token

RESET_SUBJECT = "reset your password"
VERIFY_SUBJECT = "confirm your email"


async def ask_for_reset(client: httpx.AsyncClient, mailbox: Mailbox, email: str) -> str:
    response = await client.post("/login/password-recovery", json={"email": email})
    assert response.status_code == 202
    return link_token(await mailbox.receive(email, RESET_SUBJECT), "/reset-password")


async def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account, token: str
) -> None:
    reset = await ask_for_reset(client, mailbox, account.email)
    new_password = "a whole new password"
    done = await client.post(
        "/login/password-reset", json={"token": reset, "new_password": new_password}
    )
    assert done.status_code == 200, done.text

    assert (await client.get("/users/me", headers=bearer(token))).status_code == 401
    assert (await client.post("/login/refresh")).status_code == 401
    old = await client.post(
        "/login/oauth", data={"username": account.email, "password": account.password}
    )
    assert old.status_code == 400
    fresh = await login(client, account.email, new_password)
    assert (await client.get("/users/me", headers=bearer(fresh))).json()["email_verified"] is True

    again = await client.post(
        "/login/password-reset", json={"token": reset, "new_password": "yet another one"}
    )
    assert again.status_code == 400
    assert "invalid, expired or already used" in again.json()["detail"]


async def test_recovery_answers_the_same_for_unknown_addresses(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account
) -> None:
    unknown = await client.post("/login/password-recovery", json={"email": "nobody@example.com"})
    known = await client.post("/login/password-recovery", json={"email": account.email})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    await mailbox.receive(account.email, RESET_SUBJECT)
    assert mailbox.sent_to("nobody@example.com") == []


async def test_only_the_newest_reset_link_works_and_asking_again_soon_sends_nothing(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account
) -> None:
    first = await ask_for_reset(client, mailbox, account.email)
    assert (
        await client.post("/login/password-recovery", json={"email": account.email})
    ).status_code == 202
    await asyncio.sleep(0.5)
    assert mailbox.sent_to(account.email) == [], "a second mail within MAIL_COOLDOWN_SECONDS"
    done = await client.post(
        "/login/password-reset", json={"token": first, "new_password": "the first link works"}
    )
    assert done.status_code == 200


@pytest.mark.parametrize("new_password", ["short", "x" * 129])
async def test_a_reset_checks_the_new_password(
    client: httpx.AsyncClient, new_password: str
) -> None:
    response = await client.post(
        "/login/password-reset", json={"token": "whatever", "new_password": new_password}
    )
    assert response.status_code == 422


async def test_the_emailed_link_points_at_the_page_that_asked_when_it_is_allowed(
    client: httpx.AsyncClient, mailbox: Mailbox, make_account: MakeAccount
) -> None:
    ours, forged, theirs = await make_account(), await make_account(), await make_account()
    allowed = settings.allowed_origins[0]
    await client.post(
        "/login/password-recovery", json={"email": ours.email}, headers={"origin": allowed}
    )
    assert f"{allowed}/reset-password#token=" in body(
        await mailbox.receive(ours.email, RESET_SUBJECT)
    )
    # A script may forge Origin and Host alike, so that they match: no link to its own site.
    forging = await client.post(
        "/login/password-recovery",
        json={"email": forged.email},
        headers={"origin": "http://attacker.example", "host": "attacker.example"},
    )
    assert forging.status_code == 202
    text = body(await mailbox.receive(forged.email, RESET_SUBJECT))
    assert "attacker" not in text
    assert f"{settings.FRONTEND_HOST.rstrip('/')}/reset-password#token=" in text
    # A page of another site is refused outright, and nothing is sent.
    cross_site = await client.post(
        "/login/password-recovery",
        json={"email": theirs.email},
        headers={"origin": "https://attacker.example"},
    )
    assert cross_site.status_code == 403
    await asyncio.sleep(0.5)
    assert mailbox.sent_to(theirs.email) == []


async def test_email_verification(
    client: httpx.AsyncClient,
    new_client: NewClient,
    mailbox: Mailbox,
    account: Account,
    token: str,
) -> None:
    me = await client.get("/users/me", headers=bearer(token))
    assert me.json()["email_verified"] is False
    sent = await client.post("/users/me/email-verification", headers=bearer(token))
    assert sent.status_code == 202
    link = link_token(await mailbox.receive(account.email, VERIFY_SUBJECT), "/verify-email")
    # Works without being logged in: the link may be opened on another device.
    async with new_client() as phone:
        verified = await phone.post("/login/email-verification", json={"token": link})
    assert verified.status_code == 200
    assert (await client.get("/users/me", headers=bearer(token))).json()["email_verified"] is True
    assert (await client.post("/login/email-verification", json={"token": link})).status_code == 400
    already = await client.post("/users/me/email-verification", headers=bearer(token))
    assert already.status_code == 200


async def test_an_address_an_administrator_sets_is_unverified_and_the_old_one_is_told(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account, token: str, superuser_token: str
) -> None:
    await client.post("/users/me/email-verification", headers=bearer(token))
    link = link_token(await mailbox.receive(account.email, VERIFY_SUBJECT), "/verify-email")
    await client.post("/login/email-verification", json={"token": link})
    moved = f"moved-{account.email}"
    changed = await client.patch(
        f"/users/{account.id}", json={"email": moved}, headers=bearer(superuser_token)
    )
    assert changed.json()["email_verified"] is False
    assert moved in body(await mailbox.receive(account.email, "address changed"))


async def test_without_smtp_host_mail_is_written_to_the_mail_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SMTP_HOST", "")
    monkeypatch.setattr(settings, "MAIL_DIR", tmp_path / "mail")
    url = "http://127.0.0.1:8000/reset-password#token=" + "t" * 43
    await mail.send(mail.link_mail("someone@example.com", "a subject", "Open:", url, "30 minutes"))
    [written] = list((tmp_path / "mail").glob("*.eml"))
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "someone@example.com"
    # The link is whole on one line, to be copied from the file as it is.
    assert url in written.read_text().splitlines()


async def test_whether_a_link_was_pending_is_decided_as_of_the_asking(
    database: None, account: Account
) -> None:
    """The link is made after the answer: a request made while a link was pending sends nothing,
    even when that link is used before the work is done; one made after the use sends a link."""
    start = datetime.now(UTC)
    async with open_db() as db:
        user = await users.get_user_by_email(db, account.email)
        assert user is not None
        assert await issue(db, user, PASSWORD_RESET, start) is not None
        used_at = start + timedelta(seconds=2)
        await db.execute(
            update(EmailToken).where(EmailToken.user_id == user.id).values(used_at=used_at)
        )
        await db.commit()
        asked_while_pending = start + timedelta(seconds=1)
        assert await issue(db, user, PASSWORD_RESET, asked_while_pending) is None
        asked_after_the_use = start + timedelta(seconds=3)
        assert await issue(db, user, PASSWORD_RESET, asked_after_the_use) is not None


async def test_a_link_bound_to_a_browser_works_only_with_its_claim(
    database: None, account: Account
) -> None:
    async with open_db() as db:
        user = await users.get_user_by_email(db, account.email)
        assert user is not None
        token = await issue(db, user, PASSWORD_RESET, datetime.now(UTC), claim="the asker's")
        assert token is not None
        for stranger in (None, "someone else's"):
            with pytest.raises(InvalidToken):
                await redeem(db, PASSWORD_RESET, token, claim=stranger)
        assert (await redeem(db, PASSWORD_RESET, token, claim="the asker's")).user.id == user.id
