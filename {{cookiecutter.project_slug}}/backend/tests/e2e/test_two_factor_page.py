"""Two-factor sign-in in Chromium, the whole way in: {% if cookiecutter.auth_magic_link == "yes" %}a link from the mail folder{% else %}the password{% endif %}, then
two-factor on with the password and an authenticator app's code, the recovery codes shown once,
then the password and a code, then the password and a recovery code; on a server that writes its
mail to a folder, as a developer's does."""

import re

from playwright.async_api import Page, expect

from tests.authenticator import Authenticator
from tests.conftest import Account
{%- if cookiecutter.auth_magic_link == "yes" %}
from tests.e2e.conftest import AppServer, link_from_mail_folder, screenshot
{%- else %}
from tests.e2e.conftest import AppServer, screenshot
{%- endif %}


async def password_step(page: Page, user: Account) -> None:
    """From the login form to the code step."""
    await expect(page.get_by_test_id("login-form")).to_be_visible()
    await page.get_by_test_id("login-email").fill(user.email)
    await page.get_by_test_id("login-password").fill(user.password)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("challenge-form")).to_be_visible()


async def log_out(page: Page) -> None:
    await page.get_by_test_id("logout-button").click()
    await expect(page.get_by_test_id("login-form")).to_be_visible()


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

    # 2. Two-factor on: the password again, then the secret an authenticator app would scan from
    #    the QR code, and its first code.
    await page.get_by_test_id("nav-account").click()
    await page.get_by_test_id("totp-enable-password").fill("not the password")
    await page.get_by_test_id("totp-enable-button").click()
    await expect(page.get_by_test_id("totp-enable-error")).to_contain_text("Incorrect password")
    await page.get_by_test_id("totp-enable-password").fill(user.password)
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

    # 3. The ten recovery codes, once: written down here, then never shown again.
    shown = page.get_by_test_id("totp-recovery-code")
    await expect(shown).to_have_count(10)
    recovery_codes = [code.strip() for code in await shown.all_inner_texts()]
    assert len(set(recovery_codes)) == 10
    assert all(re.fullmatch(r"[0-9a-z]{4}(-[0-9a-z]{4}){3}", code) for code in recovery_codes)
    await expect(page.get_by_test_id("totp-recovery-shown-once")).to_contain_text(
        "will not be shown again"
    )
    await screenshot(page, "two-factor-recovery-codes")
    await page.get_by_test_id("totp-recovery-done").click()
    await expect(shown).to_have_count(0)
    await expect(page.get_by_test_id("totp-recovery-left")).to_have_attribute("data-count", "10")
    await page.reload()
    await expect(page.get_by_test_id("totp-recovery-left")).to_have_attribute("data-count", "10")
    await expect(shown).to_have_count(0)

    # 4. Out, and in again: the password, then a code; a used code is refused.
    await log_out(page)
    await password_step(page, user)
    await page.get_by_test_id("challenge-code").fill(app.used_code())
    await page.get_by_test_id("challenge-submit").click()
    await expect(page.get_by_test_id("challenge-error")).to_contain_text("used already")
    await page.get_by_test_id("challenge-code").fill(await app.code())
    await page.get_by_test_id("challenge-submit").click()
    # Signed in, and back on the page the user left.
    await expect(page.get_by_test_id("current-user")).to_contain_text(user.email)
    await expect(page.get_by_test_id("totp-status")).to_have_attribute("data-enabled", "true")
    await screenshot(page, "signed-in-with-two-factor")

    # 5. Without the phone: the password, then a recovery code, typed in capitals without dashes.
    await log_out(page)
    await password_step(page, user)
    await page.get_by_test_id("challenge-code").fill(recovery_codes[0].replace("-", "").upper())
    await page.get_by_test_id("challenge-submit").click()
    await expect(page.get_by_test_id("current-user")).to_contain_text(user.email)
    await expect(page.get_by_test_id("totp-recovery-left")).to_have_attribute("data-count", "9")

    # A used recovery code is refused.
    await log_out(page)
    await password_step(page, user)
    await page.get_by_test_id("challenge-code").fill(recovery_codes[0])
    await page.get_by_test_id("challenge-submit").click()
    await expect(page.get_by_test_id("challenge-error")).to_contain_text("used already")
    await page.get_by_test_id("challenge-code").fill(recovery_codes[1])
    await page.get_by_test_id("challenge-submit").click()
    await expect(page.get_by_test_id("totp-recovery-left")).to_have_attribute("data-count", "8")

    # 6. Off again: the password and a recovery code.
    await page.get_by_test_id("totp-disable-password").fill(user.password)
    await page.get_by_test_id("totp-disable-code").fill(recovery_codes[2])
    await page.get_by_test_id("totp-disable-submit").click()
    await expect(page.get_by_test_id("totp-status")).to_have_attribute("data-enabled", "false")
    await expect(page.get_by_test_id("totp-enable-form")).to_be_visible()
