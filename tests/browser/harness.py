"""The browser harness shared by the browser tests, `make screenshots` and `python -m bench.browser`.

The browser is Debian's Chromium (installed by .ci/run with apt-get), driven
by Playwright over CDP: a command centre is offline, so no browser build is
ever downloaded (never `playwright install`), and the flags below keep
Chromium itself from calling home, so every request the page makes is one
the app caused. The app runs in a thread of the calling process, served by
werkzeug, so a test can hand it any `Settings` (a database made in the test
session, a clock that moves with the live data).

Every page needs a principal now (access/guard.py). The apps one process
serves share one access store in memory (`browser_store`), so one login
opens them all, as one browser would: `log_in(context)` gives a browser
context the session of an admin of every area, which is what the view tests
and the screenshots need; tests of access itself make their own users and
devices in `served.access.store`, or log in through the login page.
"""
from __future__ import annotations

import json
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit
from urllib.request import Request as HttpRequest, urlopen

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Request
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from werkzeug.serving import WSGIRequestHandler, make_server

from access.guard import SESSION_COOKIE
from access.service import Access
from access.store import AccessStore
from app import create_app
from config import Settings
from data_access.areas import WHOLE_DATABASE
from data_access.database import Database
from data_access.freshness import newest_data_at
from data_access.scope import Scope
from pages import VIEWS

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Debian's chromium package puts it here; .ci/run installs it on a fresh machine.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root in a container, where Chromium's sandbox cannot start
    "--disable-gpu",
    # No update checks, sync, field trials or QUIC probes: the only traffic is the app's.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
FULL_HD = {"width": 1920, "height": 1080}
# The path of every view, by its name (pages.VIEWS is the one list of views).
VIEW_PATHS = {view.name: view.path for view in VIEWS}
CALLBACK_PATH = "/_dash-update-component"
# Every app is served on this host (any port): a cookie set for it reaches them all, as cookies ignore ports.
HOST = "127.0.0.1"

# True once the page has drawn its data: Dash's store has no callback waiting
# or running, no component is marked as loading, and the view's content
# (`selector`) is in the page. Returns performance.now(): milliseconds since
# navigation start.
_SHOWN_JS = """
(selector) => {
    const store = window.store;
    if (!store) return false;
    const callbacks = Object.assign({}, store.getState().callbacks);
    delete callbacks.stored;
    delete callbacks.completed;
    if (Object.values(callbacks).some(list => list.length > 0)) return false;
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    if (!document.querySelector(selector)) return false;
    return performance.now();
}
"""
# A view's own content is inside the frame's <main>; until the router has run it is empty.
ANY_VIEW_CONTENT = "main.page > *"


def data_now(settings: Settings) -> datetime:
    """The newest record in the database: the clock to freeze at so a demo city generated earlier looks live.

    Asked as /health asks it (freshness.newest_data_at as of now), so it
    finds a city however long ago it was generated.
    """
    db = Database.from_settings(settings)
    now = datetime.now().replace(microsecond=0)
    whole = Scope(WHOLE_DATABASE, now.date(), now.date(), as_of=now)
    try:
        newest = newest_data_at(db, whole)
    finally:
        db.engine.dispose()
    if newest is None:
        raise ValueError(f"{settings.database_url} holds no ticket, worker ping or crowd snapshot")
    return newest


def chromium_installed() -> bool:
    return Path(CHROMIUM).exists()


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@dataclass
class ServedApp:
    """An app answering on http://127.0.0.1:<port>; `origin` is what every request of its pages must start with.

    access: its users, devices and audit trail (the store every served app shares).
    """

    origin: str
    access: Access

    def url(self, path: str, query: str = "") -> str:
        return f"{self.origin}{path}{'?' + query if query else ''}"

    def api_json(self, path: str, query: str = ""):
        """An API answer as an analyst's script gets it, with a token of every area (`browser_token`)."""
        request = HttpRequest(self.url(path, query), headers={"Authorization": f"Bearer {browser_token()}"})
        with urlopen(request, timeout=30) as response:
            return json.load(response)


@cache
def browser_store() -> AccessStore:
    """The access store of every app this process serves (in memory): one login is good for all of them."""
    store = AccessStore("sqlite://")
    store.upgrade()
    return store


@cache
def browser_session() -> str:
    """A session of an admin of every area (personal data masked), opened once for the whole run."""
    store = browser_store()
    user_id = store.create_user("browser-admin", "browser-admin", "admin", ("*",))
    return store.open_session(user_id)[0]


@cache
def browser_token() -> str:
    """An API token of an analyst of every area, made once for the whole run."""
    store = browser_store()
    user_id = store.create_user("browser-analyst", "browser-analyst", "analyst", ("*",))
    return store.create_token(user_id, "browser tests")[1]


def log_in(context: BrowserContext, session_id: str | None = None) -> None:
    """Give a browser context a logged-in session cookie, by default `browser_session`'s, as the login page sets it."""
    context.add_cookies([{"name": SESSION_COOKIE, "value": session_id or browser_session(), "url": f"http://{HOST}",
                          "httpOnly": True, "sameSite": "Lax"}])


class _QuietRequestHandler(WSGIRequestHandler):
    """No line per request: a page load makes dozens; errors are still logged."""

    def log_request(self, code="-", size="-") -> None:
        pass


@contextmanager
def serve(settings: Settings) -> Iterator[ServedApp]:
    """The real app (app.create_app) built for `settings`, on a free loopback port, until the block ends.

    Its access store is `browser_store`, whatever `settings.app_database_url` says.
    """
    access = Access(replace(settings, app_database_url="sqlite://"), store=browser_store())
    server = make_server(HOST, 0, create_app(settings, access=access).server, threaded=True,
                         request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="onescreen-under-test", daemon=True)
    thread.start()
    try:
        yield ServedApp(f"http://{HOST}:{server.server_port}", access)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@dataclass
class PageLog:
    """What a page did: its console errors, uncaught errors, and every request it made."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Page) -> "PageLog":
        log = cls()
        page.on("console", log._on_console)
        page.on("pageerror", lambda error: log.page_errors.append(str(error)))
        page.on("request", lambda request: log.requests.append(request))
        return log

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.page_errors

    def foreign_requests(self, origin: str) -> list[str]:
        """Request URLs that leave `origin` (data: and blob: URLs are the page's own)."""
        return [
            request.url for request in self.requests
            if not request.url.startswith((origin + "/", "data:", "blob:"))
        ]

    def callback_requests(self, since: int = 0) -> list[Request]:
        """Dash callback requests (POST /_dash-update-component) from the `since`-th request on."""
        return [request for request in self.requests[since:] if urlsplit(request.url).path == CALLBACK_PATH]


def wait_until_shown(page: Page, selector: str = ANY_VIEW_CONTENT, *, timeout_ms: float = 30_000,
                     steady_ms: float = 300) -> float:
    """Wait until the view has drawn its data; return when that happened, in ms since navigation start.

    A view's callbacks come in waves (the router draws the view, then the
    view's refresh fills it), with a moment of nothing pending between, so
    the page must stay shown for `steady_ms` before it counts; the moment
    returned is when it first became so.
    """
    timed_out = f"{page.url}: {selector!r} not shown with every callback done within {timeout_ms / 1000:.0f} s"
    deadline = page.evaluate("performance.now()") + timeout_ms
    while True:
        remaining = deadline - page.evaluate("performance.now()")
        if remaining <= 0:
            raise TimeoutError(timed_out)
        try:
            shown_at = page.wait_for_function(_SHOWN_JS, arg=selector, polling=50, timeout=remaining).json_value()
        except PlaywrightTimeoutError:
            raise TimeoutError(timed_out) from None
        page.wait_for_timeout(steady_ms)
        if page.evaluate(_SHOWN_JS, selector):
            return shown_at


def screenshot(page: Page, name: str, folder: Path = SCREENSHOTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
