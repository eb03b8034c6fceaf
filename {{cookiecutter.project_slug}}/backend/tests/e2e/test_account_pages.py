"""The account pages in Chromium: a forgotten password, a confirmed address, logging out
everywhere."""

import re

import httpx
from playwright.async_api import Browser, Page, expect

from tests.conftest import Account
from tests.e2e.conftest import AppServer, log_in
from tests.mailbox import Mailbox, link_token


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
    await page.get_by_test_id("reset-password").fill("a brand new password")
    await page.get_by_test_id("reset-password-confirm").fill("a brand new password")
    await page.get_by_test_id("reset-submit").click()
    await expect(page.get_by_test_id("reset-result")).to_be_visible()

    await log_in(page, app_server, Account(user.id, user.email, "a brand new password"))


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
    await page.goto(f"{app_server.url}/account")
    await expect(page.get_by_test_id("email-verified-badge")).to_have_attribute(
        "data-verified", "true"
    )


async def test_logging_out_everywhere_ends_the_other_browsers_session_too(
    browser: Browser, page: Page, app_server: AppServer, user: Account
) -> None:
    other_context = await browser.new_context()
    other = await other_context.new_page()
    try:
        await log_in(other, app_server, user)
        await log_in(page, app_server, user)
        await page.get_by_test_id("nav-account").click()
        await page.get_by_test_id("logout-everywhere-button").click()
        await page.get_by_test_id("logout-everywhere-confirm").click()
        await expect(page.get_by_test_id("login-form")).to_be_visible()
        # The other browser's refresh cookie is dead: a reload finds no session.
        await other.reload()
        await expect(other.get_by_test_id("login-form")).to_be_visible()
        async with httpx.AsyncClient(base_url=f"{app_server.url}/api/v1") as http:
            assert (await http.get("/health")).status_code == 200
    finally:
        await other_context.close()
