"""The session page in Chromium, served by the backend: what a user does, what the server sees."""

import asyncio
import json
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.conftest import Account, MakeAccount, create_room
from tests.e2e.conftest import (
    AppServer,
    access_token,
    check_page,
    log_in,
    open_session,
    screenshot,
)
from tests.socket_client import SocketClient, session


def status(page: Page) -> Locator:
    return page.get_by_test_id("connection-status")


def responses(page: Page, state: str) -> Locator:
    return page.locator(f'[data-testid="response-item"][data-state="{state}"]')


async def send_raw(page: Page, text: str) -> None:
    """Send one frame as it is, through the page's developer section."""
    section = page.get_by_test_id("dev-section")
    if await section.get_attribute("open") is None:
        await page.get_by_text("Developer: the frames").click()
    await page.get_by_label("Frame", exact=True).fill(text)
    await page.get_by_role("button", name="Send raw").click()


async def presence(watcher: SocketClient, room: str) -> dict[str, Any]:
    """The next presence news about `room` that the watcher's socket gets."""
    while True:
        message = await watcher.receive()
        if message["state"] == "presence" and message["data"]["room"] == room:
            data: dict[str, Any] = message["data"]
            return data


async def start_note(page: Page) -> Locator:
    """Starts a note: its text box, once the server opened the draft."""
    await page.get_by_role("button", name="Start a note").click()
    await expect(note_state(page)).to_contain_text("Draft open on the server")
    return page.get_by_label("Your note")


def note_state(page: Page) -> Locator:
    return page.get_by_test_id("note-state")


async def test_a_note_is_started_written_and_saved(
    page: Page, app_server: AppServer, user: Account
) -> None:
    await log_in(page, app_server, user)
    await open_session(page)
    await expect(note_state(page)).to_have_text(
        "No note open. Start one: the server keeps it as a draft until you save it."
    )

    note = await start_note(page)
    save = page.get_by_role("button", name="Save the note")
    await expect(save).to_be_disabled()
    await note.fill("Water the plants on Friday.")
    await expect(save).to_be_enabled()
    await screenshot(page, "session-started")
    await check_page(page, "session-note")

    await save.click()
    await expect(note_state(page)).to_contain_text("Saved at")
    await expect(page.get_by_test_id("save-result")).to_contain_text("Water the plants on Friday.")
    notice = page.get_by_test_id("socket-closed-notice")
    await expect(notice).to_have_attribute("data-reason", "saved")
    await expect(status(page)).to_have_attribute("data-status", "closed")
    await expect(page.get_by_role("button", name="Write another note")).to_be_visible()
    await screenshot(page, "session-saved")

    # Saved on the server, text and all: the user's next socket has no draft to resume.
    token = await access_token(app_server, user)
    async with session(app_server.ws_url, token) as (_, initialised):
        assert "draft" not in initialised["data"]


async def test_a_note_replaced_elsewhere_is_refused_in_words(
    page: Page, app_server: AppServer, user: Account
) -> None:
    await log_in(page, app_server, user)
    await open_session(page)
    note = await start_note(page)
    await note.fill("Written in the first tab.")
    # Another tab of the user's starts a note of its own: the server keeps one draft, the newer.
    async with session(app_server.ws_url, await access_token(app_server, user)) as (other, _):
        await other.send({"state": "startThings", "data": {}})
        assert (await other.receive())["state"] == "startThings"

    await page.get_by_role("button", name="Save the note").click()
    problem = page.get_by_role("alert")
    await expect(problem).to_contain_text("This note is no longer open on the server")
    await expect(problem).not_to_contain_text("startThings")
    await screenshot(page, "session-error")
    # The text is still there for the new note.
    await page.get_by_role("button", name="Start a note").click()
    await expect(page.get_by_label("Your note")).to_have_value("Written in the first tab.")


async def test_the_developer_section_lists_the_servers_refusals(
    page: Page, app_server: AppServer, user: Account
) -> None:
    await log_in(page, app_server, user)
    await open_session(page)

    await send_raw(page, json.dumps({"state": "noSuchState", "data": {}}))
    await expect(responses(page, "error").first).to_contain_text(
        "There is no state 'noSuchState'. (unknown_state)"
    )
    await send_raw(page, "this is not JSON")
    await expect(responses(page, "error").first).to_contain_text("invalid_json")
    await check_page(page, "session-developer-section")
    # Nothing of it on the note; neither error ends the session.
    await expect(page.get_by_role("alert")).to_have_count(0)
    await expect(status(page)).to_have_attribute("data-status", "open")


async def test_leaving_the_page_closes_the_socket(
    page: Page, app_server: AppServer, user: Account, make_account: MakeAccount
) -> None:
    """Another member of a room the page joined hears the server say it left."""
    member = {"id": str(user.id), "name": f"Member {user.id.hex[:8]}"}
    watcher_token = await access_token(app_server, await make_account())
    room = await create_room(app_server.url, watcher_token)
    async with session(app_server.ws_url, watcher_token) as (watcher, _):
        await watcher.send({"state": "join", "data": {"room": room}})
        assert (await watcher.receive())["state"] == "joined"

        await log_in(page, app_server, user)
        async with page.expect_websocket() as opened:
            await open_session(page)
        browser_socket = await opened.value
        await send_raw(page, json.dumps({"state": "join", "data": {"room": room}}))
        await expect(responses(page, "joined")).to_contain_text(room)
        assert await presence(watcher, room) == {"room": room, "event": "joined", "member": member}

        async with browser_socket.expect_event("close"):
            await page.get_by_role("link", name="Rooms").click()
        await expect(page.get_by_role("heading", name="Rooms", exact=True)).to_be_visible()

        assert await presence(watcher, room) == {"room": room, "event": "left", "member": member}


async def test_the_page_reconnects_after_a_server_restart(
    page: Page, app_server: AppServer, user: Account
) -> None:
    await log_in(page, app_server, user)
    await open_session(page)
    note = await start_note(page)
    await note.fill("Written before the crash.")

    app_server.kill()
    try:
        await expect(status(page)).to_have_attribute("data-status", "reconnecting")
        await screenshot(page, "session-reconnecting")
    finally:
        # Back even when a check failed: the tests after this one share the server.
        await asyncio.to_thread(app_server.start)

    await expect(status(page)).to_have_attribute("data-status", "open")
    await expect(note_state(page)).to_contain_text("Draft open on the server")
    await expect(note).to_have_value("Written before the crash.")
    await screenshot(page, "session-resumed")

    # The draft the server kept is the one that the save saves.
    await page.get_by_role("button", name="Save the note").click()
    await expect(page.get_by_test_id("save-result")).to_contain_text("Written before the crash.")
    await expect(page.get_by_test_id("socket-closed-notice")).to_have_attribute(
        "data-reason", "saved"
    )


async def test_the_page_says_the_server_is_restarting_and_resumes_after_it(
    page: Page, app_server: AppServer, user: Account
) -> None:
    """A graceful restart (SIGTERM): the server says it shuts down, and the page waits for it."""
    await log_in(page, app_server, user)
    await open_session(page)
    await start_note(page)

    await asyncio.to_thread(app_server.stop)
    restarting = page.get_by_test_id("server-restarting")
    try:
        await expect(restarting).to_contain_text("The server is restarting")
        await expect(restarting.get_by_test_id("closing-message")).not_to_be_empty()
        await expect(responses(page, "closing")).to_contain_text('"reason": "shutdown"')
        await expect(page.get_by_role("button", name="Reconnect")).to_have_count(0)
        await screenshot(page, "session-server-restarting")
    finally:
        # Back even when a check failed: the tests after this one share the server.
        await asyncio.to_thread(app_server.start)

    await expect(status(page)).to_have_attribute("data-status", "open")
    await expect(restarting).to_have_count(0)
    await expect(note_state(page)).to_contain_text("Draft open on the server")
