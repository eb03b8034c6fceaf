"""Another site's page, opened in the victim's own browser, cannot sign that browser in to the
attacker's account (login CSRF) nor end the victim's session (forced logout)."""

from collections.abc import Mapping, Sequence

from playwright.async_api import Browser, BrowserContext, Route, expect

from tests.conftest import Account, MakeAccount
from tests.e2e.conftest import AppServer, log_in

# The attacker's site: its page is served by the browser itself, nothing leaves the machine.
EVIL = "http://evil.example"


def refresh_cookie(cookies: Sequence[Mapping[str, object]]) -> object:
    return next((c["value"] for c in cookies if c["name"] == "refresh_token"), None)


async def serve_evil_page(context: BrowserContext, html: str) -> None:
    async def fulfil(route: Route) -> None:
        await route.fulfill(body=html, content_type="text/html")

    await context.route(f"{EVIL}/**", fulfil)


def posting_form(action: str, fields: dict[str, str]) -> str:
    """A page that posts a form to `action` as soon as it loads."""
    inputs = "".join(f'<input name="{name}" value="{value}">' for name, value in fields.items())
    return (
        f'<form id="f" method="post" action="{action}">{inputs}</form>'
        "<script>document.getElementById('f').submit()</script>"
    )


async def test_another_sites_forms_neither_sign_in_nor_out(
    browser: Browser, app_server: AppServer, user: Account, make_account: MakeAccount
) -> None:
    attacker = await make_account()
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await log_in(page, app_server, user)
        cookie = refresh_cookie(await context.cookies())
        assert cookie

        api = f"{app_server.url}/api/v1"
        for path, fields in [
            ("/login/oauth", {"username": attacker.email, "password": attacker.password}),
            ("/login/refresh", {}),
            ("/login/resume", {}),
            ("/login/logout", {}),
        ]:
            await serve_evil_page(context, posting_form(f"{api}{path}", fields))
            async with page.expect_response(f"{api}{path}") as answered:
                await page.goto(f"{EVIL}/{path.rsplit('/', 1)[-1]}")
            answer = await answered.value
            assert answer.status == 403, path
            assert "set-cookie" not in answer.headers, path
            await context.unroute(f"{EVIL}/**")

        # The victim's browser holds the same cookie, and is still the victim's.
        assert refresh_cookie(await context.cookies()) == cookie
        await page.goto(f"{app_server.url}/account")
        await expect(page.get_by_text(user.email).first).to_be_visible()
        await expect(page.get_by_text(attacker.email)).to_have_count(0)
    finally:
        await context.close()
