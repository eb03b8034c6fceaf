"""End-to-end tests: the built frontend in a real Chromium, against a real server that serves it.

scripts/test.sh builds frontend/dist before running them. The browser is the system's Chromium
(CHROMIUM_PATH, else /usr/bin/chromium): Playwright drives it and never downloads one of its own.
Screenshots land in test-artifacts/ (TEST_ARTIFACTS_DIR moves them), one more for each failed test.
The server sends a strict Content-Security-Policy: a test fails when its page reports a violation.
`check_page` looks at a page at a phone's size and a desktop's: it fits the width, its controls are
big enough for a finger, and axe-core (from the frontend's node_modules) finds nothing serious.
"""

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from tests.conftest import (
    BACKEND_DIR,
    RUN_DIR,
    Account,
    MakeAccount,
    Server,
    _wait_until_healthy,
    free_port,
    login,
)

PROJECT_DIR = BACKEND_DIR.parent
DIST = PROJECT_DIR / "frontend" / "dist"
AXE = PROJECT_DIR / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR") or PROJECT_DIR / "test-artifacts")
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
# Headless, as root in a container, on a machine that may have no network beyond localhost:
# nothing in the background that would call out (updates, sync, field trials).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Longest wait for anything the page shows; a reconnection after a restart is the slowest.
TIMEOUT_MS = 20_000

expect.set_options(timeout=TIMEOUT_MS)


class AppServer:
    """`python -m app` serving the built frontend on a port of its own, kept across restarts.

    The page's socket URL comes from the page's origin, so a restarted server must come back on
    the same port for the page to find it again.
    """

    def __init__(self, name: str, env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = RUN_DIR / f"{name}.log"
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> Server:
        return Server(url=self.url, log=self.log)

    @property
    def ws_url(self) -> str:
        return self.server.ws_url

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "--port", str(self.port)],
                cwd=BACKEND_DIR,
                # The page is served here: the links in mail point here too.
                env={
                    **os.environ,
                    "FRONTEND_DIST": str(DIST),
                    "FRONTEND_HOST": self.url,
                    **self.env,
                },
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        _wait_until_healthy(self.url, self.process, self.log)

    def kill(self) -> None:
        """Gone at once, as in a crash: no close frame, no shutdown."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=15)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


def chromium_path() -> Path:
    configured = os.environ.get("CHROMIUM_PATH")
    path = Path(configured) if configured else DEFAULT_CHROMIUM
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"No Chromium at {path}: the end-to-end tests drive the system's Chromium. "
            "Install it (Debian/Ubuntu: `apt-get install chromium`) "
            "or set CHROMIUM_PATH to a Chromium binary.",
            pytrace=False,
        )
    return path


@contextmanager
def serving_the_build(name: str, env: Mapping[str, str] | None = None) -> Iterator[AppServer]:
    """A server of the built frontend, with `env` on top of the tests' environment."""
    if not (DIST / "index.html").is_file():
        pytest.fail(
            f"No frontend build in {DIST}: "
            "scripts/test.sh builds it (or `npm run build` in frontend/).",
            pytrace=False,
        )
    running = AppServer(name, env)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def app_server(server: Server) -> Iterator[AppServer]:
    """A server of the built frontend, on the test run's database (which `server` set up)."""
    with serving_the_build("e2e-server") as running:
        yield running


MAIL_DIR = RUN_DIR / "e2e-mail"


@pytest.fixture(scope="session")
def mail_folder_server(server: Server) -> Iterator[AppServer]:
    """The built page on a server without SMTP_HOST: mail lands in MAIL_DIR, as on a developer's
    machine."""
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
    raise AssertionError(f"no mail to {address} with a {page_path} link in {MAIL_DIR}")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        await launched.close()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"


def watch_csp(page: Page) -> list[str]:
    """What the page reports, from now on, about what the Content-Security-Policy blocked."""
    reports: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            reports.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return reports


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A new page in a context of its own: no cookies or storage from other tests. Nothing it
    shows may break the Content-Security-Policy: a report of a violation fails the test."""
    context: BrowserContext = await browser.new_context(viewport={"width": 1100, "height": 900})
    opened = await context.new_page()
    csp_reports = watch_csp(opened)
    yield opened
    failed = request.node.stash.get(FAILED, False)
    if failed:
        await opened.screenshot(path=artifact(f"failed-{request.node.name}"), full_page=True)
    await context.close()
    if csp_reports and not failed:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(csp_reports), pytrace=False)


async def screenshot(page: Page, name: str) -> None:
    await page.screenshot(path=artifact(name), full_page=True)


def watch_console_errors(page: Page) -> list[str]:
    """What the page logs as an error from now on (a failed request too), and what it throws."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return errors


PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
SIZES: dict[str, ViewportSize] = {"phone": PHONE, "desktop": DESKTOP}
# The smallest box a finger hits reliably.
TAP_TARGET_PX = 44
# What axe reports that fails a page; moderate and minor findings are left to a person's eye.
AXE_FAILING = {"serious", "critical"}

# Controls smaller than a finger, at the size shown. A link within a sentence is exempt (WCAG's
# inline exception), as is a checkbox whose label is big enough, the label being what is tapped.
SMALL_TARGETS = """(least) => {
    const found = [];
    const controls = 'a[href], button, input:not([type="hidden"]), select, textarea, summary';
    for (const element of document.querySelectorAll(controls)) {
        if (element.matches("a") && element.parentElement.closest("p")
            && element.parentElement.textContent.trim() !== element.textContent.trim()) continue;
        const box = element.matches('input[type="checkbox"], input[type="radio"]')
            ? (element.closest("label") ?? element) : element;
        const rect = box.getBoundingClientRect();
        if (rect.width === 0 && rect.height === 0) continue;
        if (rect.width < least || rect.height < least) {
            const name = (element.getAttribute("aria-label") || element.textContent || element.name
                || element.tagName).trim().slice(0, 40);
            found.push(`${element.tagName.toLowerCase()} "${name}": ${Math.round(rect.width)}x`
                + `${Math.round(rect.height)}`);
        }
    }
    return found;
}"""

AXE_RUN = """async (failing) => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations
        .filter((violation) => failing.includes(violation.impact))
        .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} at `
            + violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", "));
}"""


def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(
            f"No axe-core at {AXE}: scripts/test.sh installs the frontend's packages "
            "(or `npm ci` in frontend/).",
            pytrace=False,
        )
    return AXE.read_text()


async def axe_violations(page: Page) -> list[str]:
    """The serious and critical findings of axe-core on the page as it is.

    axe is evaluated in the page as a script through the DevTools protocol, which the page's
    Content-Security-Policy does not govern (a <script> tag would break it)."""
    if not await page.evaluate("() => typeof axe !== 'undefined'"):
        await page.evaluate("() => {\n" + axe_source() + "\n}")
    violations: list[str] = await page.evaluate(AXE_RUN, sorted(AXE_FAILING))
    return violations


async def settled(page: Page) -> None:
    """After the layout that a resize brings, and the page's reaction to it."""
    await page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


async def check_page(page: Page, name: str) -> None:
    """The page at a phone's size and at a desktop's: nothing wider than the window, controls
    big enough for a finger on the phone, no serious or critical axe findings; a screenshot of
    each, as `{name}-phone.png` and `{name}-desktop.png`. The window goes back to its size."""
    before = page.viewport_size
    problems: list[str] = []
    try:
        for label, size in SIZES.items():
            await page.set_viewport_size(size)
            await settled(page)
            await screenshot(page, f"{name}-{label}")
            page_width, window_width = await page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            if page_width > window_width:
                problems.append(f"{label}: the page is {page_width} px wide in {window_width} px")
            if label == "phone":
                for small in await page.evaluate(SMALL_TARGETS, TAP_TARGET_PX):
                    problems.append(f"{label}: smaller than {TAP_TARGET_PX} px: {small}")
            for violation in await axe_violations(page):
                problems.append(f"{label}: axe: {violation}")
    finally:
        if before is not None:
            await page.set_viewport_size(before)
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)


async def access_token(app_server: AppServer, account: Account) -> str:
    """An access token of `account`'s, from a sign-in outside the browser."""
    async with httpx.AsyncClient(base_url=f"{app_server.url}/api/v1") as http:
        return await login(http, account.email, account.password)


async def log_in(page: Page, app_server: AppServer, account: Account) -> None:
    await page.goto(f"{app_server.url}/login")
    await page.get_by_label("Email", exact=True).fill(account.email)
    await page.get_by_label("Password", exact=True).fill(account.password)
    await page.get_by_role("button", name="Log in", exact=True).click()
    await expect(page.get_by_text(re.compile(r"^Welcome, "))).to_be_visible()


async def open_session(page: Page) -> None:
    """From the home page to /session, until its socket is open."""
    await page.get_by_role("link", name="Open a session").click()
    await expect(page).to_have_url(re.compile(r"/session$"))
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-status", "open")


@pytest.fixture
async def user(make_account: MakeAccount) -> Account:
    """A new user for each test, so drafts and sessions never carry over."""
    return await make_account()
