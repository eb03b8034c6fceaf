"""Rooms on the page, each person in a browser of their own: a private room made and shared on the
page, someone not let in turned away with the reason, and a member taken out of the room."""

import re
import uuid

import httpx
from playwright.async_api import Browser, Locator, Page, ViewportSize, expect

from tests.conftest import Account, MakeAccount, bearer, create_room, login
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    AppServer,
    access_token,
    check_page,
    log_in,
    screenshot,
    watch_csp,
)


async def signed_in_page(
    browser: Browser, app_server: AppServer, account: Account, viewport: ViewportSize
) -> tuple[Page, list[str]]:
    """A browser of the person's own, signed in; with what it reports about the CSP."""
    context = await browser.new_context(viewport=viewport)
    page = await context.new_page()
    csp_reports = watch_csp(page)
    await log_in(page, app_server, account)
    return page, csp_reports


def member(page: Page, account: Account) -> Locator:
    return page.locator(f'[data-testid="room-member"][data-member-id="{account.id}"]')


def listed(page: Page, room: str) -> Locator:
    return page.locator(f'[data-testid="room-list-item"][data-room="{room}"]')


async def open_room(page: Page, app_server: AppServer, room: str) -> None:
    await page.goto(f"{app_server.url}/rooms/{room}")
    await expect(page.get_by_test_id("room-joined-name")).to_have_text(room)


async def publish(page: Page, text: str) -> None:
    await page.get_by_role("textbox", name="Message").fill(text)
    await page.get_by_role("button", name="Publish").click()


async def shown_updates(page: Page) -> list[tuple[str | None, str]]:
    items = page.get_by_test_id("room-update")
    return [
        (
            await items.nth(i).get_attribute("data-seq"),
            await items.nth(i).get_by_test_id("room-update-text").inner_text(),
        )
        for i in range(await items.count())
    ]


async def test_a_private_room_made_on_the_page_is_shared_with_the_people_let_in(
    browser: Browser, app_server: AppServer, make_account: MakeAccount
) -> None:
    room = f"e2e-{uuid.uuid4().hex[:8]}"
    alice = await make_account(full_name="Alice Example")
    bob = await make_account(full_name="Bob Example")
    alice_page, alice_csp = await signed_in_page(browser, app_server, alice, DESKTOP)
    bob_page, bob_csp = await signed_in_page(browser, app_server, bob, PHONE)

    # Alice makes a private room of her own, and is in it.
    await alice_page.goto(f"{app_server.url}/rooms")
    await alice_page.get_by_label("Name", exact=True).fill(room)
    await expect(alice_page.get_by_role("checkbox", name="Public")).not_to_be_checked()
    await alice_page.get_by_role("button", name="Make room").click()
    await expect(alice_page).to_have_url(re.compile(rf"/rooms/{re.escape(room)}$"))
    await expect(alice_page.get_by_test_id("room-joined-name")).to_have_text(room)
    await expect(listed(alice_page, room)).to_have_attribute("data-owned", "true")
    await expect(listed(alice_page, room)).to_have_attribute("data-public", "false")
    await expect(alice_page.get_by_test_id("room-public-toggle")).not_to_be_checked()

    # She lets Bob in by his address.
    await alice_page.get_by_label("Let someone in").fill(bob.email)
    await alice_page.get_by_role("button", name="Invite").click()
    invited = alice_page.locator(f'[data-testid="room-invited-member"][data-member-id="{bob.id}"]')
    await expect(invited).to_have_text(re.compile("Bob Example"))

    # Bob finds it among his rooms, on a phone, and opens it.
    await bob_page.goto(f"{app_server.url}/rooms")
    await expect(listed(bob_page, room)).to_have_attribute("data-owned", "false")
    await bob_page.get_by_role("link", name=room).click()
    await expect(bob_page.get_by_test_id("room-joined-name")).to_have_text(room)
    await expect(bob_page.get_by_role("button", name="Leave this room for good")).to_be_visible()

    # Each sees the other by id (bob from the join, alice from presence), named, never by address.
    for page, other, name in ((alice_page, bob, "Bob Example"), (bob_page, alice, "Alice Example")):
        await expect(member(page, other)).to_have_text(name)
        await expect(page.get_by_test_id("room-members")).not_to_contain_text("@")

    await publish(alice_page, "hello from alice")
    await expect(bob_page.get_by_test_id("room-update")).to_have_count(1)
    await publish(bob_page, "and hello from bob")
    for page in (alice_page, bob_page):
        await expect(page.get_by_test_id("room-update")).to_have_count(2)
        first = page.locator('[data-testid="room-update"][data-seq="1"]')
        await expect(first).to_contain_text("hello from alice")
        await expect(first.get_by_test_id("room-update-sender")).to_have_text("Alice Example")
        second = page.locator('[data-testid="room-update"][data-seq="2"]')
        await expect(second).to_contain_text("and hello from bob")
    assert await shown_updates(alice_page) == await shown_updates(bob_page)

    # Two people in the room: the owner's page and the member's, at both sizes.
    await check_page(alice_page, "rooms-owner")
    await check_page(bob_page, "rooms-member")

    # Leaving the live room (not for good): Alice sees him go.
    await bob_page.get_by_role("button", name="Leave", exact=True).click()
    await expect(member(alice_page, bob)).to_have_count(0)

    assert alice_csp == [], alice_csp
    assert bob_csp == [], bob_csp
    for page in (alice_page, bob_page):
        await page.context.close()


async def test_someone_not_let_in_is_turned_away_with_the_reason(
    browser: Browser, app_server: AppServer, make_account: MakeAccount
) -> None:
    alice = await make_account(full_name="Alice Example")
    carol = await make_account(full_name="Carol Example")
    token = await access_token(app_server, alice)
    room = await create_room(app_server.url, token, is_public=False)

    carol_page, _ = await signed_in_page(browser, app_server, carol, PHONE)
    await carol_page.goto(f"{app_server.url}/rooms/{room}")
    refused = carol_page.get_by_test_id("room-refused")
    await expect(refused).to_be_visible()
    await expect(refused).to_have_attribute("data-code", "not_allowed")
    await expect(refused.get_by_test_id("room-refused-reason")).to_have_text(
        f"You may not join room '{room}'."
    )
    await expect(carol_page.get_by_test_id("room-joined-name")).to_have_count(0)
    await expect(carol_page.get_by_test_id("room-publish-input")).to_have_count(0)
    # The room is not among hers, and nothing tells her more about it.
    await expect(carol_page.get_by_test_id("room-list")).to_be_attached()
    await expect(listed(carol_page, room)).to_have_count(0)
    await expect(carol_page.get_by_test_id("room-about")).to_have_count(0)
    await check_page(carol_page, "rooms-refused")
    await carol_page.context.close()


async def test_a_member_taken_out_of_the_room_is_told_so(
    browser: Browser, app_server: AppServer, make_account: MakeAccount
) -> None:
    alice = await make_account(full_name="Alice Example")
    bob = await make_account(full_name="Bob Example")
    async with httpx.AsyncClient(base_url=f"{app_server.url}/api/v1") as http:
        token = await login(http, alice.email, alice.password)
        room = await create_room(app_server.url, token, is_public=False)
        response = await http.post(
            f"/rooms/{room}/members", json={"email": bob.email}, headers=bearer(token)
        )
        assert response.status_code == 201, response.text

    alice_page, _ = await signed_in_page(browser, app_server, alice, DESKTOP)
    bob_page, _ = await signed_in_page(browser, app_server, bob, DESKTOP)
    await open_room(alice_page, app_server, room)
    await publish(alice_page, "before bob came")
    await expect(alice_page.get_by_test_id("room-update")).to_have_count(1)
    # Bob comes in late: the page says where his history starts.
    await open_room(bob_page, app_server, room)
    await expect(bob_page.get_by_test_id("room-history-start")).to_contain_text(
        "Message #1 came before you joined"
    )
    await expect(bob_page.get_by_test_id("room-update")).to_have_count(0)
    await expect(member(alice_page, bob)).to_be_visible()
    await expect(member(bob_page, alice)).to_be_visible()

    # Alice takes Bob out of the room.
    invited = alice_page.locator(f'[data-testid="room-invited-member"][data-member-id="{bob.id}"]')
    await alice_page.get_by_role("button", name="Remove Bob Example").click()
    await expect(invited).to_have_count(0)

    removed = bob_page.get_by_test_id("room-removed")
    await expect(removed).to_have_text("You were removed from this room.")
    await expect(removed).to_have_attribute("data-reason", "removed")
    await expect(bob_page.get_by_test_id("room-joined-name")).to_have_count(0)
    await expect(listed(bob_page, room)).to_have_count(0)
    await expect(member(alice_page, bob)).to_have_count(0)
    await screenshot(bob_page, "room-member-removed")

    # Then she deletes it, after saying she means it; it is gone from her rooms.
    await alice_page.get_by_role("button", name="Delete room").click()
    await alice_page.get_by_role("button", name="Delete for good").click()
    await expect(alice_page).to_have_url(re.compile(r"/rooms$"))
    await expect(alice_page.get_by_role("status").filter(has_text="was deleted")).to_contain_text(
        f"Room “{room}” was deleted."
    )
    await expect(alice_page.get_by_test_id("room-list")).to_be_attached()
    await expect(listed(alice_page, room)).to_have_count(0)
    # She deleted it herself: no notice tells her it was.
    await expect(alice_page.get_by_test_id("room-removed")).to_have_count(0)
    for page in (alice_page, bob_page):
        await page.context.close()
