"""Two-factor sign-in in Chromium, the whole way in: {% if cookiecutter.auth_magic_link == "yes" %}a link from the mail folder{% else %}the password{% endif %}, then
two-factor on with an authenticator app's code, then the password and a code; on a server that
writes its mail to a folder, as a developer's does."""

import asyncio
import re
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from playwright.async_api import Page, expect

from tests.authenticator import Authenticator
from tests.conftest import RUN_DIR, Account, Server
from tests.e2e.conftest import AppServer, screenshot, serving_the_build

MAIL_DIR = RUN_DIR / "e2e-mail"


@pytest.fixture(scope="module")
def mail_folder_server(server: Server) -> Iterator[AppServer]:
    """The built page on a server without SMTP_HOST: mail lands in MAIL_DIR."""
    env = {"SMTP_HOST": "", "MAIL_DIR": str(MAIL_DIR)}
    with serving_the_build("e2e-mail-folder", env) as running:
        yield running


def newest_link(address: str, page_path: str) -> str | None:
    """The link to `page_path` in the newest mail to `address` in the mail folder, if any."""
    for path in sorted(MAIL_DIR.glob("*.eml"), reverse=True):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        found = re.search(rf"(\S+{re.escape(page_path)}#token=\S+)", path.read_text())
        if mail["To"] == address and found:
            return found[1]
    return None


async def link_from_mail_folder(address: str, page_path: str) -> str:
    for _ in range(100):
        if link := await asyncio.to_thread(newest_link, address, page_path):
            return link
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail to {address} in {MAIL_DIR}")


async def test_the_whole_way_in(page: Page, mail_folder_server: AppServer, user: Account) -> None:
    server = mail_folder_server
{%- if cookiecutter.auth_magic_link == "yes" %}
    # 1. A sign-in link, from the mail folder.
    await page.goto(f"{server.url}/login")
    await page.get_by_test_id("magic-link-email").fill(user.email)
    await page.get_by_test_id("magic-link-submit").click()
    await expect(page.get_by_test_id("magic-link-sent")).to_contain_text(user.email)
    link = await link_from_mail_folder(user.email, "/magic-link")
    assert link.startswith(f"{server.url}/magic-link#token="), "the link opens the page that asked"
    await page.goto(link)
{%- else %}
    # 1. The password.
    await page.goto(f"{server.url}/login")
    await page.get_by_test_id("login-email").fill(user.email)
    await page.get_by_test_id("login-password").fill(user.password)
    await page.get_by_test_id("login-submit").click()
{%- endif %}
    await expect(page.get_by_test_id("home-greeting")).to_be_visible()

    # 2. Two-factor on, with the secret an authenticator app would scan from the QR code.
    await page.get_by_test_id("nav-account").click()
    await page.get_by_test_id("totp-enable-button").click()
    qr_code = page.get_by_test_id("totp-qr")
    await expect(qr_code).to_have_attribute("src", re.compile(r"^data:image/svg"))
    secret = await page.get_by_test_id("totp-secret").get_attribute("data-secret")
    assert secret
    assert re.sub(r"\s", "", await page.get_by_test_id("totp-secret").inner_text()) == secret
    await screenshot(page, "two-factor-enrolment")
    app = Authenticator(secret)
    await page.get_by_test_id("totp-confirm-code").fill(await app.code())
    await page.get_by_test_id("totp-confirm-submit").click()
    await expect(page.get_by_test_id("totp-status")).to_have_attribute("data-enabled", "true")

    # 3. Out, and in again: the password, then a code; a used code is refused.
    await page.get_by_test_id("logout-button").click()
    await expect(page.get_by_test_id("login-form")).to_be_visible()
    await page.get_by_test_id("login-email").fill(user.email)
    await page.get_by_test_id("login-password").fill(user.password)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("challenge-form")).to_be_visible()
    await page.get_by_test_id("challenge-code").fill(app.used_code())
    await page.get_by_test_id("challenge-submit").click()
    await expect(page.get_by_test_id("challenge-error")).to_contain_text("used already")
    await page.get_by_test_id("challenge-code").fill(await app.code())
    await page.get_by_test_id("challenge-submit").click()
    # Signed in, and back on the page the user left.
    await expect(page.get_by_test_id("current-user")).to_contain_text(user.email)
    await expect(page.get_by_test_id("totp-status")).to_have_attribute("data-enabled", "true")
    await screenshot(page, "signed-in-with-two-factor")
