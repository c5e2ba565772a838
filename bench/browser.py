"""Front-end benchmark: what Chromium receives and how long it waits, per view, at Gusu and Chengdu scale.

`python -m bench.browser [--presets gusu,chengdu] [--city PRESET=URL ...]`
writes bench/browser_results.md, describing the machine it ran on.

Each city is served as in production, by gunicorn (1 worker, 4 threads), its
clock frozen at the database's newest record (ONESCREEN_NOW) so a city
generated earlier looks live: workers online, crowd snapshots fresh. The
cities are bench.run's (data/bench/<preset>.sqlite, generated if missing)
unless --city points at another database; they are only read.

- Load: navigation start -> the view shown (no Dash callback waiting or
  running, no element marked loading, the view's content in the page).
  "First" is the first visit of the view after the server started (the
  result cache holds only what earlier views asked); "repeat" is a second
  visitor right after, whose answers the cache may hold (live answers are
  kept ONESCREEN_LIVE_CACHE_SECONDS, 15 s by default).
- Callback bytes: every /_dash-update-component response of that load,
  headers and body as sent on the wire (the app gzips them), and the
  bodies decoded (the JSON the browser parses).
- Wall refresh: the callback responses of one refresh cycle of
  /wall?refresh=5 once it is shown (the heaviest of WALL_CYCLES).
- Workers map at city zoom: /workers at the root area.

Aims (issue #3): a wall refresh under 300 KB; the city-zoom workers map
under 2 MB and shown within 2 s.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Iterator
from urllib.request import urlopen

from playwright.sync_api import Browser, Page, Request, sync_playwright

from bench.run import ensure_database, machine
from components import ids
from config import load_settings
from tests.browser.harness import (
    ANY_VIEW_CONTENT,
    FULL_HD,
    VIEW_PATHS,
    PageLog,
    ServedApp,
    data_now,
    launch_chromium,
    log_in,
    wait_until_shown,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# What "the view's content" is: its tiles, filled by its refresh. The workers' map (drawn on a canvas,
# so with no element to wait for) gets its areas and dots in the same callback response as the tiles.
VIEW_CONTENT = {
    "overview": f"#{ids.KPI_TILES} [data-indicator]",
    "wall": f"#{ids.WALL_OVERVIEW_TILES} > *",
    "crowd": f"#{ids.CROWD_TILES} > *",
    "tickets": f"#{ids.TICKETS_TILES} > *",
    "workers": f"#{ids.WORKERS_TILES} > *",
    "closure": f"#{ids.CLOSURE_TILES} > *",
    "funds": f"#{ids.FUNDS_TILES} > *",
}
WALL_REFRESH_S = 5
WALL_CYCLES = 3
AIM_WALL_REFRESH_BYTES = 300 * 1024
AIM_MAP_BYTES = 2 * 1024 * 1024
AIM_MAP_MS = 2000
LOAD_TIMEOUT_MS = 120_000
# Adds up the page's long tasks (main thread busy over 50 ms at a stretch: parsing, layout, drawing
# charts and maps), so a slow view can be told apart from a slow server.
COUNT_BUSY_JS = """
window.__busyMs = 0;
new PerformanceObserver(list => {
    for (const task of list.getEntries()) window.__busyMs += task.duration;
}).observe({type: "longtask", buffered: true});
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(database_url: str) -> Iterator[ServedApp]:
    """`gunicorn app:server` on a free loopback port, clock frozen at the data's newest record."""
    now = data_now(replace(load_settings(), database_url=database_url))
    port = _free_port()
    env = {**os.environ, "ONESCREEN_DATABASE_URL": database_url, "ONESCREEN_NOW": now.isoformat()}
    # A file, not a pipe: a pipe nobody reads would stall gunicorn once its buffer filled.
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "--timeout", "120", "app:server"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors,
        )
        served = ServedApp(f"http://127.0.0.1:{port}")
        try:
            _wait_for_health(served, process, errors)
            yield served
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_for_health(served: ServedApp, process: subprocess.Popen, errors, timeout_s: float = 120) -> None:
    """Until /health answers: the app is imported, connected and has read the schema once."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors.seek(0)
            raise RuntimeError(f"gunicorn exited: {errors.read()[-2000:]}")
        try:
            with urlopen(served.url("/health"), timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{served.origin}/health did not answer within {timeout_s} s")


def wire_bytes(requests: list[Request]) -> int:
    """What the server sent for these finished requests: headers and (compressed) body, as on the wire."""
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    return total


def decoded_bytes(requests: list[Request]) -> int:
    """The response bodies once decompressed: the JSON the browser parses.

    A callback that changed nothing (PreventUpdate) answers 204 No Content, with no body to read.
    """
    responses = [request.response() for request in requests]
    return sum(len(response.body()) for response in responses if response.status != 204)


def open_view(page: Page, url: str, view: str) -> tuple[PageLog, float | None, str]:
    """Open `url` (showing `view`) in `page`: what the page did, when the view was shown (None: not within
    LOAD_TIMEOUT_MS), and the selector of the content waited for. The page counts its long tasks (COUNT_BUSY_JS)."""
    page.add_init_script(COUNT_BUSY_JS)
    log = PageLog.attach(page)
    page.goto(url)
    content = VIEW_CONTENT.get(view, ANY_VIEW_CONTENT)
    try:
        shown_ms = wait_until_shown(page, content, timeout_ms=LOAD_TIMEOUT_MS)
    except TimeoutError:
        shown_ms = None  # the view never showed its content: said so in the results, not hidden
    return log, shown_ms, content


def load_view(browser: Browser, served: ServedApp, view: str) -> dict:
    """One visitor opening `view`: when it was shown, and the callback bytes it took."""
    context = browser.new_context(viewport=FULL_HD, locale="zh-CN")
    log_in(context)
    page = context.new_page()
    log, shown_ms, content = open_view(page, served.url(VIEW_PATHS[view]), view)
    callbacks = log.callback_requests()
    # The page and every script it loads (Dash, plotly.js, leaflet, ag-grid), before any callback can run.
    scripts_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    result = {"shown_ms": shown_ms, "scripts_ms": scripts_ms, "busy_ms": page.evaluate("window.__busyMs"),
              "content": content, "callbacks": len(callbacks),
              "wire_bytes": wire_bytes(callbacks), "decoded_bytes": decoded_bytes(callbacks),
              # From sending the request to the last byte of the answer, mostly the server's work.
              "slowest_callback_ms": max((r.timing["responseEnd"] for r in callbacks), default=0),
              "errors": log.errors}
    context.close()
    return result


def wall_refresh_bytes(browser: Browser, served: ServedApp) -> list[dict]:
    """Callback bytes (wire and decoded) of each of WALL_CYCLES refresh cycles of the wall, once it was shown."""
    context = browser.new_context(viewport={"width": 3840, "height": 2160}, locale="zh-CN")
    log_in(context)
    page = context.new_page()
    log = PageLog.attach(page)
    page.goto(served.url("/wall", f"refresh={WALL_REFRESH_S}"))
    wait_until_shown(page, VIEW_CONTENT["wall"], timeout_ms=LOAD_TIMEOUT_MS)
    cycles = []
    for _ in range(WALL_CYCLES):
        mark = len(log.requests)
        deadline = time.monotonic() + 4 * WALL_REFRESH_S + 60
        while not log.callback_requests(since=mark):
            if time.monotonic() > deadline:
                raise TimeoutError("the wall made no refresh request")
            page.wait_for_timeout(100)
        wait_until_shown(page, VIEW_CONTENT["wall"], timeout_ms=LOAD_TIMEOUT_MS)
        cycle = log.callback_requests(since=mark)
        cycles.append({"wire_bytes": wire_bytes(cycle), "decoded_bytes": decoded_bytes(cycle)})
    context.close()
    return cycles


def bench_city(browser: Browser, preset: str, database_url: str) -> dict:
    with gunicorn(database_url) as served:
        first, repeat = {}, {}
        for view in VIEW_PATHS:
            first[view] = load_view(browser, served, view)
            repeat[view] = load_view(browser, served, view)
        wall = wall_refresh_bytes(browser, served)
    return {"preset": preset, "database": database_url, "first": first, "repeat": repeat, "wall_refresh": wall}


def _kb(size: int) -> str:
    return f"{size / 1024:,.1f} KB"


def _bytes(figures: dict) -> str:
    return f"{_kb(figures['wire_bytes'])} ({_kb(figures['decoded_bytes'])} decoded)"


def _ms(load: dict) -> str:
    if load["shown_ms"] is None:
        return f"not shown (no `{load['content']}` within {LOAD_TIMEOUT_MS // 1000} s)"
    return f"{load['shown_ms']:,.0f} ms"


def _verdict(ok: bool) -> str:
    return "meets the aim" if ok else "**misses the aim**"


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# OneScreen front-end benchmark",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores (nproc), {m['memory_gib']} GiB; Python {m['python']}, "
        f"SQLite {m['sqlite']}; {m['chromium']} headless (Playwright {m['playwright']}). "
        f"Run {m['date']} with `python -m bench.browser {results['arguments']}`; load average "
        f"{results['load_average']:.1f} when it started (other work on the machine slows every figure).",
        "",
        "How each figure is taken: see the docstring of bench/browser.py. Times are from navigation start.",
        "Bytes are the `/_dash-update-component` responses as sent (headers and gzip body), and the bodies",
        "decoded. The slowest callback runs from sending its request to the last byte of its answer; the main",
        "thread busy is the sum of the page's long tasks (over 50 ms each: parsing, layout, drawing charts and",
        "maps; Chromium draws without a GPU here). The last five columns are of the first visit.",
        "",
    ]
    for city in results["cities"]:
        lines += [f"## {city['preset']}", "", f"Database: `{city['database']}`.", "",
                  "| view | shown, first visit | shown, repeat | page and scripts loaded | main thread busy "
                  "| callbacks | callback bytes | slowest callback |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for view in VIEW_PATHS:
            first, repeat = city["first"][view], city["repeat"][view]
            errors = " (console errors!)" if first["errors"] or repeat["errors"] else ""
            lines.append(f"| {view}{errors} | {_ms(first)} | {_ms(repeat)} | {first['scripts_ms']:,.0f} ms | "
                         f"{first['busy_ms']:,.0f} ms | {first['callbacks']} | {_bytes(first)} | "
                         f"{first['slowest_callback_ms']:,.0f} ms |")
        wall = city["wall_refresh"]
        heaviest = max(wall, key=lambda cycle: cycle["wire_bytes"])
        workers = city["first"]["workers"]
        if workers["shown_ms"] is None:
            map_line = f"- Workers map at city zoom (`/workers`, root area): {_ms(workers)}: not measured."
        else:
            map_line = (
                f"- Workers map at city zoom (`/workers`, root area), first visit: {_bytes(workers)} "
                f"in {_ms(workers)}: {_verdict(workers['wire_bytes'] < AIM_MAP_BYTES)} (under 2 MB), "
                f"{_verdict(workers['shown_ms'] < AIM_MAP_MS)} (within 2 s)."
            )
        lines += [
            "",
            f"- Wall refresh (`/wall?refresh={WALL_REFRESH_S}`, the heaviest of {len(wall)} cycles): "
            f"{_bytes(heaviest)}: {_verdict(heaviest['wire_bytes'] < AIM_WALL_REFRESH_BYTES)} (under 300 KB).",
            map_line,
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="gusu,chengdu")
    parser.add_argument("--city", action="append", default=[], metavar="PRESET=URL",
                        help="measure this database for PRESET instead of bench.run's, "
                             "e.g. gusu=sqlite:////tmp/gusu.sqlite")
    parser.add_argument("--out", type=Path, default=HERE / "browser_results.md")
    args = parser.parse_args(argv)
    given = dict(city.split("=", 1) for city in args.city)
    arguments = " ".join([f"--presets {args.presets}"] + [f"--city {city}" for city in args.city])
    results = {"machine": machine(), "arguments": arguments, "load_average": os.getloadavg()[0], "cities": []}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        results["machine"].update(chromium=f"Chromium {browser.version}", playwright=package_version("playwright"))
        for preset in args.presets.split(","):
            url = given.get(preset) or ensure_database("sqlite", preset, reuse=True)[0]
            print(f"{preset}: {url}", flush=True)
            results["cities"].append(bench_city(browser, preset, url))
            args.out.write_text(render(results))
        browser.close()
    print(args.out.read_text())


if __name__ == "__main__":
    main()
