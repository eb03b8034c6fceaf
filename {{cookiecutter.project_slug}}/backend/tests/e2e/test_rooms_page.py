"""Two people in one room, each in a browser of their own, see each other and their updates."""

import uuid

from playwright.async_api import Browser, Page, expect

from tests.conftest import Account, MakeAccount
from tests.e2e.conftest import AppServer, log_in, screenshot


async def open_room(page: Page, app_server: AppServer, room: str) -> None:
    await page.goto(f"{app_server.url}/rooms/{room}")
    await expect(page.get_by_test_id("room-joined-name")).to_have_text(room)


async def test_two_browsers_in_one_room_see_each_others_updates(
    browser: Browser, app_server: AppServer, make_account: MakeAccount
) -> None:
    room = f"e2e-{uuid.uuid4().hex[:8]}"
    people: list[tuple[Account, Page]] = []
    for _ in range(2):
        context = await browser.new_context(viewport={"width": 1100, "height": 900})
        page = await context.new_page()
        account = await make_account()
        await log_in(page, app_server, account)
        await open_room(page, app_server, room)
        people.append((account, page))
    (alice, alice_page), (bob, bob_page) = people

    # Each sees the other among the members: bob from the join, alice from presence.
    for page, other in ((alice_page, bob), (bob_page, alice)):
        member = page.locator(f'[data-testid="room-member"][data-email="{other.email}"]')
        await expect(member).to_be_visible()

    await alice_page.get_by_test_id("room-publish-input").fill("hello from alice")
    await alice_page.get_by_test_id("room-publish-button").click()
    await bob_page.get_by_test_id("room-publish-input").fill("and hello from bob")
    await bob_page.get_by_test_id("room-publish-button").click()

    for page in (alice_page, bob_page):
        first = page.locator('[data-testid="room-update"][data-seq="1"]')
        second = page.locator('[data-testid="room-update"][data-seq="2"]')
        await expect(first).to_contain_text("hello from alice")
        await expect(second).to_contain_text("and hello from bob")
    await screenshot(bob_page, "room-two-members")

    await bob_page.get_by_test_id("room-leave-button").click()
    gone = alice_page.locator(f'[data-testid="room-member"][data-email="{bob.email}"]')
    await expect(gone).to_have_count(0)
    for _, page in people:
        await page.context.close()
