"""Sign-in links in Chromium: the browser that asked signs in; another browser cannot."""

import re

from playwright.async_api import Browser, Page, expect

from tests.conftest import Account
from tests.e2e.conftest import AppServer
from tests.mailbox import Mailbox, link_token


async def ask_for_link(page: Page, app_server: AppServer, mailbox: Mailbox, email: str) -> str:
    await page.goto(f"{app_server.url}/login")
    await page.get_by_label("Email me a sign-in link").fill(email)
    await page.get_by_role("button", name="Email me a sign-in link").click()
    await expect(page.get_by_role("status")).to_contain_text(email)
    return link_token(await mailbox.receive(email, "your sign-in link"), "/magic-link")


async def test_the_link_signs_in_the_browser_that_asked(
    page: Page, app_server: AppServer, mailbox: Mailbox, user: Account
) -> None:
    token = await ask_for_link(page, app_server, mailbox, user.email)
    await page.goto(f"{app_server.url}/magic-link#token={token}")
    await expect(page.get_by_text(re.compile(r"^Welcome, "))).to_be_visible()
    await expect(page.get_by_role("navigation")).to_contain_text(user.email)


async def test_the_link_in_another_browser_is_refused_and_spent_by_nobody(
    browser: Browser, page: Page, app_server: AppServer, mailbox: Mailbox, user: Account
) -> None:
    token = await ask_for_link(page, app_server, mailbox, user.email)
    elsewhere = await browser.new_context()
    try:
        forwarded = await elsewhere.new_page()
        await forwarded.goto(f"{app_server.url}/magic-link#token={token}")
        await expect(forwarded.get_by_role("alert")).to_contain_text("another browser")
        await expect(forwarded).to_have_url(re.compile(r"/magic-link$"))
    finally:
        await elsewhere.close()
    await page.goto(f"{app_server.url}/magic-link#token={token}")
    await expect(page.get_by_text(re.compile(r"^Welcome, "))).to_be_visible()
