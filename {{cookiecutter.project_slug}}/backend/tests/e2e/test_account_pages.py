"""The account pages in Chromium: a forgotten password, a confirmed address, a new address and a
new password, logging out everywhere."""

import re
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from playwright.async_api import Browser, Page, Request, expect

from tests.conftest import Account
from tests.e2e.conftest import AppServer, link_from_mail_folder, log_in
from tests.mailbox import Mailbox, link_token


def new_password() -> str:
    """Long enough, and common nowhere."""
    return f"lantern {secrets.token_hex(6)} harbour"


async def refused_login(page: Page, app_server: AppServer, email: str, password: str) -> None:
    await page.goto(f"{app_server.url}/login")
    await page.get_by_test_id("login-email").fill(email)
    await page.get_by_test_id("login-password").fill(password)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("login-error")).to_contain_text("Incorrect email or password")


@asynccontextmanager
async def two_browsers(
    browser: Browser, page: Page, server: AppServer, user: Account
) -> AsyncIterator[Page]:
    """A second browser of the user's, signed in, while `page` is signed in on the account page."""
    context = await browser.new_context()
    try:
        other = await context.new_page()
        await log_in(other, server, user)
        await log_in(page, server, user)
        await page.get_by_test_id("nav-account").click()
        yield other
    finally:
        await context.close()


async def test_a_forgotten_password_is_reset_from_the_mailed_link(
    page: Page, app_server: AppServer, mailbox: Mailbox, user: Account
) -> None:
    await page.goto(f"{app_server.url}/login")
    await page.get_by_test_id("forgot-password-link").click()
    await page.get_by_test_id("forgot-email").fill(user.email)
    await page.get_by_test_id("forgot-submit").click()
    await expect(page.get_by_test_id("forgot-result")).to_be_visible()

    token = link_token(await mailbox.receive(user.email, "reset your password"), "/reset-password")
    await page.goto(f"{app_server.url}/reset-password#token={token}")
    # The token leaves the address bar at once.
    await expect(page).to_have_url(re.compile(r"/reset-password$"))
    # Long enough, but too common for the server.
    await page.get_by_test_id("reset-password").fill("password1234")
    await page.get_by_test_id("reset-password-confirm").fill("password1234")
    await page.get_by_test_id("reset-submit").click()
    await expect(page.get_by_test_id("reset-error")).to_contain_text("too common")
    password = new_password()
    await page.get_by_test_id("reset-password").fill(password)
    await page.get_by_test_id("reset-password-confirm").fill(password)
    await page.get_by_test_id("reset-submit").click()
    await expect(page.get_by_test_id("reset-result")).to_be_visible()

    await log_in(page, app_server, Account(user.id, user.email, password))


async def test_confirming_the_address(
    page: Page, app_server: AppServer, mailbox: Mailbox, user: Account
) -> None:
    await log_in(page, app_server, user)
    await page.get_by_test_id("nav-account").click()
    await expect(page.get_by_test_id("email-verified-badge")).to_have_attribute(
        "data-verified", "false"
    )
    await page.get_by_test_id("send-verification-button").click()
    await expect(page.get_by_test_id("send-verification-result")).to_be_visible()
    token = link_token(await mailbox.receive(user.email, "confirm your email"), "/verify-email")
    await page.goto(f"{app_server.url}/verify-email#token={token}")
    await expect(page.get_by_test_id("verify-email-result")).to_be_visible()
    # Signed in again from the refresh cookie (the page's link says so) before leaving: leaving
    # while that refresh is under way would lose the new cookie, and a spent one ends every
    # sign-in of the user.
    await expect(page.get_by_test_id("verify-email-next")).to_have_attribute("href", "/account")
    await page.goto(f"{app_server.url}/account")
    await expect(page.get_by_test_id("email-verified-badge")).to_have_attribute(
        "data-verified", "true"
    )


async def test_a_new_address_waits_for_the_link_mailed_to_it_then_every_session_ends(
    browser: Browser, page: Page, mail_folder_server: AppServer, user: Account
) -> None:
    server = mail_folder_server
    new_email = f"moved-{uuid.uuid4().hex[:12]}@example.com"
    async with two_browsers(browser, page, server, user) as other:
        # The password first; then the change waits for the link.
        await page.get_by_test_id("change-email-new").fill(new_email)
        await page.get_by_test_id("change-email-password").fill("not the password")
        await page.get_by_test_id("change-email-submit").click()
        await expect(page.get_by_test_id("change-email-error")).to_contain_text(
            "Incorrect password"
        )
        await page.get_by_test_id("change-email-password").fill(user.password)
        await page.get_by_test_id("change-email-submit").click()
        pending = page.get_by_test_id("email-change-pending")
        await expect(pending).to_contain_text(f"open the link we sent to {new_email}")
        await expect(pending).to_contain_text(f"Until then your address stays {user.email}")
        await page.reload()
        await expect(page.get_by_test_id("account-email")).to_have_text(user.email)

        # The link mailed to the new address (the mail folder's) moves the account.
        link = await link_from_mail_folder(new_email, "/confirm-email")
        assert link.startswith(f"{server.url}/confirm-email#token=")
        await page.goto(link)
        await expect(page.get_by_test_id("confirm-email-result")).to_contain_text(new_email)
        await expect(page.get_by_test_id("confirm-email-sign-in-again")).to_contain_text(
            "log in again"
        )
        await expect(page).to_have_url(re.compile(r"/confirm-email$"))
        await expect(page.get_by_test_id("current-user")).to_have_count(0)

        # Every session has ended: the other browser's too.
        await other.reload()
        await expect(other.get_by_test_id("login-form")).to_be_visible()

        # The old address signs in no more; the new one does.
        await refused_login(page, server, user.email, user.password)
        await log_in(page, server, Account(user.id, new_email, user.password))
        await page.get_by_test_id("nav-account").click()
        await expect(page.get_by_test_id("account-email")).to_have_text(new_email)


async def test_a_new_password_keeps_this_browser_signed_in_and_ends_the_others(
    browser: Browser, page: Page, app_server: AppServer, user: Account
) -> None:
    async with two_browsers(browser, page, app_server, user) as other:
        refreshes: list[str] = []

        def on_request(request: Request) -> None:
            if request.url.endswith("/api/v1/login/refresh"):
                refreshes.append(request.url)

        page.on("request", on_request)
        password = new_password()
        await page.get_by_test_id("change-password-current").fill(user.password)
        await page.get_by_test_id("change-password-new").fill(password)
        await page.get_by_test_id("change-password-confirm").fill(password)
        await page.get_by_test_id("change-password-submit").click()
        await expect(page.get_by_test_id("change-password-result")).to_contain_text(
            "You stay signed in here"
        )

        # This browser goes on with the access token of the answer: its socket opens with it.
        await page.get_by_test_id("nav-session").click()
        await expect(page.get_by_test_id("connection-status")).to_have_attribute(
            "data-status", "open"
        )
        assert refreshes == [], "the page took the new access token from the answer"
        await expect(page.get_by_test_id("current-user")).to_contain_text(user.email)

        # The other browser's session has ended.
        await other.reload()
        await expect(other.get_by_test_id("login-form")).to_be_visible()

        # The old password signs in no more; the new one does.
        await refused_login(other, app_server, user.email, user.password)
        await log_in(other, app_server, Account(user.id, user.email, password))


async def test_logging_out_everywhere_ends_the_other_browsers_session_too(
    browser: Browser, page: Page, app_server: AppServer, user: Account
) -> None:
    async with two_browsers(browser, page, app_server, user) as other:
        await page.get_by_test_id("logout-everywhere-button").click()
        await page.get_by_test_id("logout-everywhere-confirm").click()
        await expect(page.get_by_test_id("login-form")).to_be_visible()
        # The other browser's refresh cookie is dead: a reload finds no session.
        await other.reload()
        await expect(other.get_by_test_id("login-form")).to_be_visible()
        async with httpx.AsyncClient(base_url=f"{app_server.url}/api/v1") as http:
            assert (await http.get("/health")).status_code == 200
