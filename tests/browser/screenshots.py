"""Refresh the committed screenshots: `python -m tests.browser.screenshots --url URL` (`make screenshots`).

One 1920x1080 PNG per view, docs/screenshots/<view>.png, of the demo city
(Gusu) in the dark wall theme, as a newcomer sees it in the README, and the
wall as a 4K LED wall shows it (wall-4k.png). The
clock is frozen at the database's newest record, so a city generated an hour
ago still shows its workers online and its data fresh.
"""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from playwright.sync_api import sync_playwright

import config
from tests.browser.harness import (
    FULL_HD,
    ROOT,
    VIEW_PATHS,
    data_now,
    launch_chromium,
    log_in,
    screenshot,
    serve,
    wait_until_shown,
)


WALL_4K = {"width": 3840, "height": 2160}


def take_screenshots(database_url: str, folder: Path) -> list[Path]:
    settings = replace(config.load_settings(), database_url=database_url)
    settings = replace(settings, frozen_now=data_now(settings))
    taken = []
    with serve(settings) as served, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        shots = [(view, path, FULL_HD) for view, path in VIEW_PATHS.items()]
        for name, path, viewport in shots + [("wall-4k", VIEW_PATHS["wall"], WALL_4K)]:
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            log_in(context)
            page = context.new_page()
            page.goto(served.url(path))
            wait_until_shown(page, timeout_ms=120_000)
            taken.append(screenshot(page, name, folder))
            context.close()
        browser.close()
    return taken


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.browser.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a demo city, e.g. sqlite:///data/demo.sqlite")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    for path in take_screenshots(args.url, args.out):
        print(path)


if __name__ == "__main__":
    main()
