"""Every page at a phone's size (390 x 844) and a desktop's (1280 x 800): it fits the window's
width, its controls are big enough for a finger, axe-core finds nothing serious, and a screenshot
of each lands in the artifacts folder. A normal visit, signed out or in, logs no error to the
console (a signed-out load asks /login/resume, which answers 200 without a sign-in).

The rooms page, with two people in a room, is looked at in test_rooms_page.py, and the users page
in test_users_page.py, where those pages are used anyway.
"""

import re

{% if cookiecutter.auth_totp == "yes" -%}
import httpx
from playwright.async_api import Page, expect

from tests.authenticator import enable_two_factor
from tests.conftest import Account, login
{%- else -%}
from playwright.async_api import Page, expect

from tests.conftest import Account
{%- endif %}
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    AppServer,
    check_page,
    log_in,
    watch_console_errors,
)


async def test_the_signed_out_pages(page: Page, app_server: AppServer, user: Account) -> None:
    errors = watch_console_errors(page)
    await page.goto(f"{app_server.url}/login")
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await check_page(page, "login")
{%- if cookiecutter.auth_magic_link == "yes" %}

    # A sign-in link asked for: the page says where it went.
    await page.get_by_label("Email me a sign-in link").fill(user.email)
    await page.get_by_role("button", name="Email me a sign-in link").click()
    await expect(page.get_by_role("status")).to_contain_text(f"sent a sign-in link to {user.email}")
    await check_page(page, "link-request")
{%- endif %}

    await page.get_by_role("link", name="Forgot your password?").click()
    await expect(page.get_by_role("heading", name=re.compile("password", re.I))).to_be_visible()
    await check_page(page, "forgot-password")

    # An emailed link's page, opened without its token.
    await page.goto(f"{app_server.url}/reset-password")
    await expect(page.get_by_role("alert")).to_be_visible()
    await check_page(page, "reset-password-without-a-link")
    assert errors == [], "\n".join(errors)

{%- if cookiecutter.auth_totp == "yes" %}


async def test_the_code_step(page: Page, app_server: AppServer, user: Account) -> None:
    async with httpx.AsyncClient(base_url=f"{app_server.url}/api/v1") as http:
        await enable_two_factor(http, await login(http, user.email, user.password), user.password)
    errors = watch_console_errors(page)
    await page.goto(f"{app_server.url}/login")
    await page.get_by_label("Email", exact=True).fill(user.email)
    await page.get_by_label("Password", exact=True).fill(user.password)
    await page.get_by_role("button", name="Log in", exact=True).click()
    await expect(page.get_by_role("textbox", name=re.compile("code", re.I))).to_be_visible()
    await check_page(page, "code-step")
    assert errors == [], "\n".join(errors)
{%- endif %}


async def test_the_signed_in_pages(page: Page, app_server: AppServer, user: Account) -> None:
    errors = watch_console_errors(page)
    await log_in(page, app_server, user)
    await check_page(page, "home")
    # The users page is an administrator's.
    await expect(page.get_by_role("link", name="Users")).to_have_count(0)

    # The header's links, behind the menu on a phone.
    await page.set_viewport_size(PHONE)
    menu = page.get_by_role("button", name="Menu")
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await expect(page.get_by_role("link", name="Account")).to_be_hidden()
    await menu.click()
    await expect(menu).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_role("navigation").get_by_text(user.email)).to_be_visible()
    await check_page(page, "menu-open")
    await page.get_by_role("link", name="Account").click()
    await expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await check_page(page, "account")

    await page.set_viewport_size(DESKTOP)
    await page.get_by_role("link", name="Rooms").click()
    await expect(page.get_by_test_id("rooms-pick")).to_be_visible()
    await check_page(page, "rooms-none-open")

    await page.get_by_role("link", name="Session").click()
    await expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
    await check_page(page, "session")
    assert errors == [], "\n".join(errors)
