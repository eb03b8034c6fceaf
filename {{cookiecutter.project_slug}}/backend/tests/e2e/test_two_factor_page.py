"""Two-factor sign-in in Chromium, the whole way in: {% if cookiecutter.auth_magic_link == "yes" %}a link from the mail folder{% else %}the password{% endif %}, then
two-factor on with the password and an authenticator app's code, the recovery codes shown once,
then the password and a code, then the password and a recovery code; on a server that writes its
mail to a folder, as a developer's does."""

import re

from playwright.async_api import Locator, Page, expect

from tests.authenticator import Authenticator
from tests.conftest import Account
{%- if cookiecutter.auth_magic_link == "yes" %}
from tests.e2e.conftest import AppServer, link_from_mail_folder, screenshot
{%- else %}
from tests.e2e.conftest import AppServer, screenshot
{%- endif %}

CODE = "Code from your app, or a recovery code"


def section(page: Page) -> Locator:
    return page.get_by_role("region", name="Two-factor authentication")


async def password_step(page: Page, user: Account) -> None:
    """From the login form to the code step."""
    await page.get_by_label("Email", exact=True).fill(user.email)
    await page.get_by_label("Password", exact=True).fill(user.password)
    await page.get_by_role("button", name="Log in", exact=True).click()
    await expect(page.get_by_label(CODE)).to_be_visible()


async def enter_code(page: Page, code: str) -> None:
    await page.get_by_label(CODE).fill(code)
    await page.get_by_role("button", name="Verify").click()


async def log_out(page: Page) -> None:
    await page.get_by_role("button", name="Log out", exact=True).click()
    await expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()


async def test_the_whole_way_in(page: Page, mail_folder_server: AppServer, user: Account) -> None:
    server = mail_folder_server
{%- if cookiecutter.auth_magic_link == "yes" %}
    # 1. A sign-in link, from the mail folder.
    await page.goto(f"{server.url}/login")
    await page.get_by_label("Email me a sign-in link").fill(user.email)
    await page.get_by_role("button", name="Email me a sign-in link").click()
    await expect(page.get_by_role("status")).to_contain_text(user.email)
    link = await link_from_mail_folder(user.email, "/magic-link")
    assert link.startswith(f"{server.url}/magic-link#token="), "the link opens the page that asked"
    await page.goto(link)
{%- else %}
    # 1. The password.
    await page.goto(f"{server.url}/login")
    await page.get_by_label("Email", exact=True).fill(user.email)
    await page.get_by_label("Password", exact=True).fill(user.password)
    await page.get_by_role("button", name="Log in", exact=True).click()
{%- endif %}
    await expect(page.get_by_text(re.compile(r"^Welcome, "))).to_be_visible()

    # 2. Two-factor on: the password again, then the secret an authenticator app would scan from
    #    the QR code, and its first code.
    await page.get_by_role("link", name="Account").click()
    setup = section(page)
    await setup.get_by_label("Current password").fill("not the password")
    await setup.get_by_role("button", name="Set up two-factor authentication").click()
    await expect(setup.get_by_role("alert")).to_contain_text("Incorrect password")
    await setup.get_by_label("Current password").fill(user.password)
    await setup.get_by_role("button", name="Set up two-factor authentication").click()
    qr_code = page.get_by_test_id("totp-qr")
    await expect(qr_code).to_have_attribute("src", re.compile(r"^data:image/svg"))
    secret = await page.get_by_test_id("totp-secret").get_attribute("data-secret")
    assert secret
    assert re.sub(r"\s", "", await page.get_by_test_id("totp-secret").inner_text()) == secret
    await screenshot(page, "two-factor-enrolment")
    app = Authenticator(secret)
    await page.get_by_label("Code from the app").fill(await app.code())
    await page.get_by_role("button", name="Turn on", exact=True).click()
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
    await page.get_by_role("button", name="I have saved them").click()
    await expect(shown).to_have_count(0)
    await expect(page.get_by_test_id("totp-recovery-left")).to_have_attribute("data-count", "10")
    await page.reload()
    await expect(page.get_by_test_id("totp-recovery-left")).to_have_attribute("data-count", "10")
    await expect(shown).to_have_count(0)

    # 4. Out, and in again: the password, then a code; a used code is refused.
    await log_out(page)
    await password_step(page, user)
    await enter_code(page, app.used_code())
    await expect(page.get_by_role("alert")).to_contain_text("used already")
    await enter_code(page, await app.code())
    # Signed in, and back on the page the user left.
    await expect(page.get_by_role("navigation")).to_contain_text(user.email)
    await expect(page.get_by_test_id("totp-status")).to_have_attribute("data-enabled", "true")
    await screenshot(page, "signed-in-with-two-factor")

    # 5. Without the phone: the password, then a recovery code, typed in capitals without dashes.
    await log_out(page)
    await password_step(page, user)
    await enter_code(page, recovery_codes[0].replace("-", "").upper())
    await expect(page.get_by_role("navigation")).to_contain_text(user.email)
    await expect(page.get_by_test_id("totp-recovery-left")).to_have_attribute("data-count", "9")

    # A used recovery code is refused.
    await log_out(page)
    await password_step(page, user)
    await enter_code(page, recovery_codes[0])
    await expect(page.get_by_role("alert")).to_contain_text("used already")
    await enter_code(page, recovery_codes[1])
    await expect(page.get_by_test_id("totp-recovery-left")).to_have_attribute("data-count", "8")

    # 6. Off again: the password and a recovery code.
    turn_off = page.get_by_role("button", name="Turn off two-factor authentication")
    form = section(page).locator("form").filter(has=turn_off)
    await form.get_by_label("Current password").fill(user.password)
    await form.get_by_label(CODE).fill(recovery_codes[2])
    await turn_off.click()
    await expect(page.get_by_test_id("totp-status")).to_have_attribute("data-enabled", "false")
    await expect(page.get_by_test_id("totp-enable-form")).to_be_visible()
