"""The account pages in Chromium: a forgotten password, a confirmed address, a new address and a
new password, logging out everywhere."""

import re
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from playwright.async_api import Browser, Locator, Page, Request, expect

from tests.conftest import Account
from tests.e2e.conftest import AppServer, link_from_mail_folder, log_in
from tests.mailbox import Mailbox, link_token


def new_password() -> str:
    """Long enough, and common nowhere."""
    return f"lantern {secrets.token_hex(6)} harbour"


def section(page: Page, name: str) -> Locator:
    """One of the account page's sections, by its heading."""
    return page.get_by_role("region", name=name, exact=True)


def login_form(page: Page) -> Locator:
    return page.get_by_role("button", name="Log in", exact=True)


async def refused_login(page: Page, app_server: AppServer, email: str, password: str) -> None:
    await page.goto(f"{app_server.url}/login")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Log in", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("Incorrect email or password")


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
        await page.get_by_role("link", name="Account").click()
        yield other
    finally:
        await context.close()


async def test_a_forgotten_password_is_reset_from_the_mailed_link(
    page: Page, app_server: AppServer, mailbox: Mailbox, user: Account
) -> None:
    await page.goto(f"{app_server.url}/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("Email", exact=True).fill(user.email)
    await page.get_by_role("button", name="Email me a reset link").click()
    await expect(page.get_by_role("status")).to_be_visible()

    token = link_token(await mailbox.receive(user.email, "reset your password"), "/reset-password")
    await page.goto(f"{app_server.url}/reset-password#token={token}")
    # The token leaves the address bar at once.
    await expect(page).to_have_url(re.compile(r"/reset-password$"))
    # Long enough, but too common for the server.
    await page.get_by_label("New password", exact=True).fill("password1234")
    await page.get_by_label("New password, again").fill("password1234")
    await page.get_by_role("button", name="Set the new password").click()
    await expect(page.get_by_role("alert")).to_contain_text("too common")
    password = new_password()
    await page.get_by_label("New password", exact=True).fill(password)
    await page.get_by_label("New password, again").fill(password)
    await page.get_by_role("button", name="Set the new password").click()
    await expect(page.get_by_role("status")).to_be_visible()

    await log_in(page, app_server, Account(user.id, user.email, password))


async def test_confirming_the_address(
    page: Page, app_server: AppServer, mailbox: Mailbox, user: Account
) -> None:
    await log_in(page, app_server, user)
    await page.get_by_role("link", name="Account").click()
    email = section(page, "Email")
    await expect(email.get_by_text("Not verified")).to_be_visible()
    await email.get_by_role("button", name="Send verification email").click()
    await expect(email.get_by_role("status")).to_be_visible()
    token = link_token(await mailbox.receive(user.email, "confirm your email"), "/verify-email")
    await page.goto(f"{app_server.url}/verify-email#token={token}")
    await expect(page.get_by_role("status")).to_contain_text("verified")
    # Signed in again from the refresh cookie (the page's link says so) before leaving: leaving
    # while that refresh is under way would lose the new cookie, and a spent one ends every
    # sign-in of the user.
    await expect(page.get_by_role("link", name="Go to your account")).to_be_visible()
    await page.goto(f"{app_server.url}/account")
    await expect(section(page, "Email").get_by_text("Verified", exact=True)).to_be_visible()


async def test_a_new_address_waits_for_the_link_mailed_to_it_then_every_session_ends(
    browser: Browser, page: Page, mail_folder_server: AppServer, user: Account
) -> None:
    server = mail_folder_server
    new_email = f"moved-{uuid.uuid4().hex[:12]}@example.com"
    async with two_browsers(browser, page, server, user) as other:
        # The password first; then the change waits for the link.
        email = section(page, "Email")
        await email.get_by_label("New email address").fill(new_email)
        await email.get_by_label("Current password").fill("not the password")
        await email.get_by_role("button", name="Change email").click()
        await expect(email.get_by_role("alert")).to_contain_text("Incorrect password")
        await email.get_by_label("Current password").fill(user.password)
        await email.get_by_role("button", name="Change email").click()
        pending = email.get_by_role("status")
        await expect(pending).to_contain_text(f"open the link we sent to {new_email}")
        await expect(pending).to_contain_text(f"Until then your address stays {user.email}")
        await page.reload()
        await expect(page.get_by_test_id("account-email")).to_have_text(user.email)

        # The link mailed to the new address (the mail folder's) moves the account.
        link = await link_from_mail_folder(new_email, "/confirm-email")
        assert link.startswith(f"{server.url}/confirm-email#token=")
        await page.goto(link)
        await expect(page.get_by_role("status")).to_contain_text(new_email)
        await expect(page.get_by_test_id("confirm-email-sign-in-again")).to_contain_text(
            "log in again"
        )
        await expect(page).to_have_url(re.compile(r"/confirm-email$"))
        await expect(page.get_by_role("navigation")).to_have_count(0)

        # Every session has ended: the other browser's too.
        await other.reload()
        await expect(login_form(other)).to_be_visible()

        # The old address signs in no more; the new one does.
        await refused_login(page, server, user.email, user.password)
        await log_in(page, server, Account(user.id, new_email, user.password))
        await page.get_by_role("link", name="Account").click()
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
        passwords = section(page, "Password")
        await passwords.get_by_label("Current password").fill(user.password)
        await passwords.get_by_label("New password", exact=True).fill(password)
        await passwords.get_by_label("New password, again").fill(password)
        await passwords.get_by_role("button", name="Change password").click()
        await expect(passwords.get_by_role("status")).to_contain_text("You stay signed in here")

        # This browser goes on with the access token of the answer: its socket opens with it.
        await page.get_by_role("link", name="Session").click()
        await expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
        assert refreshes == [], "the page took the new access token from the answer"
        await expect(page.get_by_role("navigation")).to_contain_text(user.email)

        # The other browser's session has ended.
        await other.reload()
        await expect(login_form(other)).to_be_visible()

        # The old password signs in no more; the new one does.
        await refused_login(other, app_server, user.email, user.password)
        await log_in(other, app_server, Account(user.id, user.email, password))


async def test_logging_out_everywhere_ends_the_other_browsers_session_too(
    browser: Browser, page: Page, app_server: AppServer, user: Account
) -> None:
    async with two_browsers(browser, page, app_server, user) as other:
        await page.get_by_role("button", name="Log out everywhere").click()
        await page.get_by_role("button", name="Yes, log out everywhere").click()
        await expect(login_form(page)).to_be_visible()
        # The other browser's refresh cookie is dead: a reload finds no session.
        await other.reload()
        await expect(login_form(other)).to_be_visible()
        async with httpx.AsyncClient(base_url=f"{app_server.url}/api/v1") as http:
            assert (await http.get("/health")).status_code == 200
