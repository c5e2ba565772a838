"""Browser fixtures: one headless Chromium, the demo city and an empty database, each served by the real app.

The demo city is generated when the browser tests start, with "now" = the wall
clock, and the servers run on the wall clock too (frozen_now=None): the
wall's freshness and its alert placards are about data arriving *now*, so
the app's clock must move with the readings a test writes. Numbers compared
with the API are asked for at an explicit as_of, so a ticket falling due
between two requests cannot make them differ.
"""
from __future__ import annotations

import shutil
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from config import Settings
from demo.generate import generate
from tests.browser.harness import (
    CHROMIUM,
    FULL_HD,
    PageLog,
    ServedApp,
    chromium_installed,
    launch_chromium,
    log_in,
    serve,
)
from tests.support import create_contract, fresh_database_url, settings_for, unavailable


class DemoCity(NamedTuple):
    path: Path
    generated_at: datetime

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


class WatchedPage(NamedTuple):
    page: Page
    log: PageLog


def live_settings(url: str) -> Settings:
    """The app on the wall clock; a live answer is kept 1 s, so what a test writes shows at the next refresh."""
    return settings_for(url, frozen_now=None, live_cache_seconds=1)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    if not chromium_installed():
        unavailable("Chromium", FileNotFoundError(f"{CHROMIUM} (apt-get install chromium)"))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def demo_city(tmp_path_factory) -> DemoCity:
    """The tiny preset (a district, 3 streets, 3 crowd zones), as of the minute the browser tests started."""
    generated_at = datetime.now().replace(second=0, microsecond=0)
    path = tmp_path_factory.mktemp("demo_city") / "tiny.sqlite"
    generate(f"sqlite:///{path}", preset="tiny", seed=20261120, now=generated_at)
    return DemoCity(path, generated_at)


@pytest.fixture(scope="package")
def demo_app(demo_city) -> Iterator[ServedApp]:
    """The demo city, read-only: tests that write data use a copy of their own (own_demo_city)."""
    with serve(live_settings(demo_city.url)) as served:
        yield served


@pytest.fixture(scope="package")
def empty_app(tmp_path_factory) -> Iterator[ServedApp]:
    """A contract database with every table and no rows: every view must say "no data", never fail."""
    url = fresh_database_url("sqlite", "empty_contract", tmp_path_factory.mktemp("empty"))
    create_contract(url)
    with serve(live_settings(url)) as served:
        yield served


@pytest.fixture
def own_demo_city(demo_city, tmp_path) -> DemoCity:
    """A copy of the demo city this test alone writes to (the live feed's part)."""
    path = tmp_path / "own_city.sqlite"
    shutil.copyfile(demo_city.path, path)
    return DemoCity(path, demo_city.generated_at)


@pytest.fixture
def serve_city() -> Iterator[Callable[[DemoCity], ServedApp]]:
    """Start the app on a city of the test's own; stopped when the test ends."""
    with ExitStack() as servers:
        yield lambda city: servers.enter_context(serve(live_settings(city.url)))


@pytest.fixture
def new_page(chromium) -> Iterator[Callable[[], WatchedPage]]:
    """Fresh 1920x1080 pages, each in its own context (no cache, storage or cookie from any other), nobody logged in;
    closed when the test ends."""
    contexts = []

    def opened() -> WatchedPage:
        # The machine's own time zone: the app's naive local times and the page's clock must agree.
        context = chromium.new_context(viewport=FULL_HD, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        return WatchedPage(page, PageLog.attach(page))

    yield opened
    for context in contexts:
        context.close()


@pytest.fixture
def watched_page(new_page) -> WatchedPage:
    """A fresh page logged in as an admin of every area (harness.log_in), and the log of what it did."""
    watched = new_page()
    log_in(watched.page.context)
    return watched
