"""The built page under the server's strict Content-Security-Policy: every page loads and works
with nothing blocked (no inline script or style), and the build publishes no source maps."""

import asyncio

from playwright.async_api import Browser, Page, expect

from tests.conftest import Account, create_room
from tests.e2e.conftest import (
    DIST,
    AppServer,
    access_token,
    log_in,
    open_session,
    watch_csp,
)

# What the server sends with the page, directive by directive.
POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
}


async def visit(page: Page, url: str) -> None:
    """Open `url` and check the policy it came with."""
    response = await page.goto(url)
    assert response is not None
    sent = {part.strip() for part in response.headers["content-security-policy"].split(";")}
    assert sent >= POLICY, f"{url}: {sent}"


async def test_every_page_works_under_the_policy(
    page: Page, app_server: AppServer, user: Account
) -> None:
    reports = watch_csp(page)
    # The pages of a signed-out visitor, emailed links without their token included.
    for path, shown in [
        ("/login", "login-form"),
        ("/forgot-password", "forgot-form"),
        ("/reset-password", "reset-error"),
        ("/verify-email", "verify-email-error"),
        ("/confirm-email", "confirm-email-error"),
    ]:
        await visit(page, f"{app_server.url}{path}")
        await expect(page.get_by_test_id(shown)).to_be_visible()

    # Signed in: home, account, the live session (its socket is open), a room.
    await log_in(page, app_server, user)
    await open_session(page)
    await visit(page, f"{app_server.url}/account")
    await expect(page.get_by_test_id("change-password-form")).to_be_visible()
    room = await create_room(app_server.url, await access_token(app_server, user))
    await visit(page, f"{app_server.url}/rooms/{room}")
    await expect(page.get_by_test_id("room-joined-name")).to_have_text(room)
    assert reports == []


async def test_a_violation_is_seen(browser: Browser, app_server: AppServer) -> None:
    """The watch itself: a style that the page did not load from its own files is reported."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        reports = watch_csp(page)
        await visit(page, f"{app_server.url}/login")
        await expect(page.get_by_test_id("login-form")).to_be_visible()
        await page.evaluate(
            "() => { const s = document.createElement('style'); s.textContent = 'body {}';"
            " document.head.append(s); }"
        )
        for _ in range(50):
            if reports:
                break
            await asyncio.sleep(0.1)
        assert reports, "an inline style was not reported"
    finally:
        await context.close()


def test_the_build_has_no_source_maps() -> None:
    assert (DIST / "index.html").is_file()
    assert not list(DIST.rglob("*.map"))
