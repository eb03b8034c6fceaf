"""The users page in Chromium, as the first administrator uses it: a new account with a first
password, made an administrator and back, then deactivated, after which it cannot log in. The
page is checked at both sizes (test_every_page.py's checks) with its list in view."""

import secrets
import uuid

import httpx
from playwright.async_api import Page, expect

from tests.conftest import Account
from tests.e2e.conftest import AppServer, check_page, log_in, watch_console_errors


async def test_an_administrator_adds_a_user_then_changes_and_deactivates_it(
    page: Page, app_server: AppServer, superuser: Account
) -> None:
    email = f"added-{uuid.uuid4().hex[:12]}@example.com"
    password = f"first {secrets.token_hex(8)} password"
    errors = watch_console_errors(page)
    await log_in(page, app_server, superuser)
    await page.get_by_role("link", name="Users").click()
    await expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()

    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Name (optional)").fill("Added Person")
    await page.get_by_label("First password").fill(password)
    await page.get_by_role("button", name="Add user").click()
    await expect(page.get_by_role("status")).to_contain_text(f"{email} can log in now")

    added = page.get_by_role("listitem", name="Added Person")
    await expect(added).to_contain_text(email)
    await added.get_by_role("button", name="Make administrator").click()
    await expect(added.get_by_text("Administrator", exact=True)).to_be_visible()
    await added.get_by_role("button", name="Remove administrator").click()
    await expect(added.get_by_text("Administrator", exact=True)).to_have_count(0)
    await added.get_by_role("button", name="Deactivate").click()
    await expect(added.get_by_text("Deactivated", exact=True)).to_be_visible()
    await expect(added.get_by_role("button", name="Reactivate")).to_be_visible()
    await check_page(page, "users")
    assert errors == [], "\n".join(errors)

    async with httpx.AsyncClient(base_url=f"{app_server.url}/api/v1") as http:
        refused = await http.post("/login/oauth", data={"username": email, "password": password})
    assert refused.status_code == 400, refused.text
