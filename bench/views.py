"""Every view as a person meets it: first visitor on a fresh server, second visitor, next visit, and the bytes.

`python -m bench.views [--presets gusu,chengdu] [--databases sqlite,postgresql] [--repeats 3]
[--views overview,tickets,...] [--city PRESET/DIALECT=URL ...] [--cache redis|memory]`
writes bench/views_results.md and a JSON twin, describing the machine it ran on.

The app is served as deployed (docs/deploy.md, deploy/local.py): one gunicorn
of 2 workers x 4 threads behind nginx (the site rendered by deploy/render.py,
with its long-lived caching of Dash's fingerprinted scripts), the result cache
in a Redis of the benchmark's own (`redis-server` on a free port, flushed at
every start; `--cache memory`: no Redis, each worker caches for itself), the
clock frozen at the database's newest record (ONESCREEN_NOW) so a city
generated earlier looks live. The cities are bench.run's (data/bench/<preset>.sqlite
and the PostgreSQL database onescreen_bench_<preset>, generated if missing)
unless --city names another; they are only read (PostgreSQL as its superuser,
with ONESCREEN_ALLOW_WRITABLE_ROLE=1: every transaction is still read-only).

For each view and each repeat the whole stack starts afresh, so no earlier
view warmed anything but the database's own buffers, and then:

- **cold**: a first visitor (a new browser context: empty browser cache)
  opens the view. Time is from navigation start until every callback of
  the visit has answered and the view shows its content
  (tests/browser/harness.wait_until_shown).
- **next visit**: the same visitor opens the view again (its browser cache
  holds the scripts; the server's cache holds the answers).
- **warm**: a second visitor (new context, empty browser cache) right after.

For each: the time, the slowest callback (sending its request to the last
byte of its answer: mostly the server's work), how many callbacks, and the
bytes of every response of the visit as on the wire (headers and compressed
body; a script the browser took from its cache counts nothing), split into
the page and its scripts and the callback answers. Figures are medians over
the repeats.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import redis
from playwright.sync_api import Browser, sync_playwright

from access.guard import SESSION_COOKIE
from access.service import Access
from bench.browser import _free_port, decoded_bytes, open_view, wire_bytes
from bench.run import ensure_database, machine
from config import load_settings
from deploy.local import check, render as render_nginx, start_nginx, start_web, stop, wait_until_up, web_environment
from tests.browser.harness import CALLBACK_PATH, FULL_HD, VIEW_PATHS, data_now, launch_chromium

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The order views are reported in: the desk views, then the wall.
VIEWS = ("overview", "tickets", "closure", "workers", "funds", "crowd", "wall")
AIM_COLD_MS = 1000
AIM_WARM_MS = 300
VISITS = ("cold", "next", "warm")


class Stack:
    """nginx in front of one gunicorn (2 workers x 4 threads), a Redis of its own, a signed-in admin's session."""

    def __init__(self, origin: str, session: str):
        self.origin = origin
        self.session = session

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"


@contextmanager
def own_redis(run_dir: Path) -> Iterator[str]:
    """A redis-server of the benchmark's own on a free port (never the machine's shared one), stopped after."""
    port = _free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(run_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the benchmark's redis-server did not start")
                time.sleep(0.1)
        client.close()
        yield url
    finally:
        stop([process])


@contextmanager
def stack(database_url: str, now: str, redis_url: str | None, run_dir: Path) -> Iterator[Stack]:
    """The deployment, started afresh (Redis flushed), with a session of an admin of every area."""
    store_url = f"sqlite:///{run_dir / 'onescreen-app.sqlite'}"
    if redis_url:
        redis.Redis.from_url(redis_url).flushdb()
    extra = {"ONESCREEN_NOW": now, "ONESCREEN_ALLOW_WRITABLE_ROLE": "1"}
    if redis_url:
        extra["ONESCREEN_CACHE_REDIS_URL"] = redis_url
    env = web_environment(database_url, store_url, **extra)
    access = Access(replace(load_settings(), app_database_url=store_url, cache_redis_url=redis_url))
    access.store.upgrade()
    user = access.store.create_user(f"bench-admin-{time.monotonic_ns()}", "Bench admin", "admin", ["*"])
    session = access.open_session(user)[0]
    access.store.engine.dispose()
    web_port, listen = _free_port(), f"127.0.0.1:{_free_port()}"
    config = render_nginx(run_dir / "nginx", listen, [f"127.0.0.1:{web_port}"])
    checked = check(config)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t: {checked.stderr}")
    processes = []
    with open(run_dir / "web.log", "ab") as log:
        try:
            processes.append(start_web(web_port, env, log, workers=2, threads=4))
            wait_until_up(f"http://127.0.0.1:{web_port}/health", processes[0], timeout_s=180)
            processes.append(start_nginx(config))
            wait_until_up(f"http://{listen}/health", processes[1])
            yield Stack(f"http://{listen}", session)
        finally:
            stop(processes)


def visit(context, stack: Stack, view: str) -> dict:
    """One visit of `view` in browser `context`: time until shown, its callbacks, the bytes it took."""
    page = context.new_page()
    log, shown_ms, _ = open_view(page, stack.url(VIEW_PATHS[view]), view)
    answered = [request for request in log.requests if request.response() is not None]
    callbacks = [request for request in answered if urlsplit(request.url).path == CALLBACK_PATH]
    others = [request for request in answered if urlsplit(request.url).path != CALLBACK_PATH]
    result = {
        "shown_ms": shown_ms,
        "busy_ms": page.evaluate("window.__busyMs"),
        "callbacks": len(callbacks),
        "slowest_callback_ms": max((r.timing["responseEnd"] for r in callbacks), default=0),
        "slowest_callback": _slowest_name(callbacks),
        "callback_wire_bytes": wire_bytes(callbacks),
        "callback_decoded_bytes": decoded_bytes(callbacks),
        "page_wire_bytes": wire_bytes(others),
        "requests": len(answered),
        "scripts": sorted({urlsplit(r.url).path.rsplit("/", 1)[-1] for r in others if r.resource_type == "script"}),
        "errors": log.errors,
    }
    result["wire_bytes"] = result["callback_wire_bytes"] + result["page_wire_bytes"]
    page.close()
    return result


def _slowest_name(callbacks) -> str:
    """Which callback was slowest, by its outputs (the first, and how many more)."""
    if not callbacks:
        return ""
    slowest = max(callbacks, key=lambda r: r.timing["responseEnd"])
    try:
        body = json.loads(slowest.post_data or "{}")
    except ValueError:
        return "?"
    output = body.get("output", "")
    first = output.strip(".").split("...")[0]
    more = output.count("...") - 1
    return f"{first}{f' +{more}' if more > 0 else ''}"


def bench_view(browser: Browser, database_url: str, now: str, redis_url: str | None, view: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="onescreen-views-") as folder, \
            stack(database_url, now, redis_url, Path(folder)) as served:
        visits = {}
        first = _context(browser, served)
        visits["cold"] = visit(first, served, view)
        visits["next"] = visit(first, served, view)
        first.close()
        second = _context(browser, served)
        visits["warm"] = visit(second, served, view)
        second.close()
    return visits


def _context(browser: Browser, served: Stack):
    context = browser.new_context(viewport=FULL_HD, locale="zh-CN")
    context.add_cookies([{"name": SESSION_COOKIE, "value": served.session, "url": served.origin,
                          "httpOnly": True, "sameSite": "Lax"}])
    return context


def bench_city(browser: Browser, preset: str, dialect: str, database_url: str, redis_url: str | None,
               views: list[str], repeats: int, measured=lambda city: None) -> dict:
    """Every view `repeats` times; `measured(city)` is told the figures so far after each view (a long run on a
    busy machine is written as it goes)."""
    now = data_now(replace(load_settings(), database_url=database_url, allow_writable_role=True)).isoformat()
    runs: dict[str, list[dict]] = {view: [] for view in views}
    city = {"preset": preset, "dialect": dialect, "database": _safe(database_url), "now": now, "views": {}}
    for repeat in range(repeats):
        for view in views:
            runs[view].append(bench_view(browser, database_url, now, redis_url, view))
            print(f"{preset}/{dialect} {view} #{repeat + 1}: " + ", ".join(
                f"{name} {_ms(runs[view][-1][name])}" for name in VISITS), flush=True)
            city["views"] = {view: {"runs": runs[view], "median": _medians(runs[view])} for view in views
                             if runs[view]}
            measured(city)
    return city


def _medians(runs: list[dict]) -> dict:
    """Per visit, the median of each figure over the repeats; a visit never shown in any repeat stays None."""
    medians = {}
    for name in VISITS:
        visits = [run[name] for run in runs]
        shown = [v["shown_ms"] for v in visits if v["shown_ms"] is not None]
        medians[name] = {
            "shown_ms": statistics.median(shown) if len(shown) == len(visits) else None,
            **{figure: statistics.median(v[figure] for v in visits)
               for figure in ("slowest_callback_ms", "callbacks", "wire_bytes", "page_wire_bytes",
                              "callback_wire_bytes", "callback_decoded_bytes", "busy_ms")},
            "slowest_callback": statistics.mode(v["slowest_callback"] for v in visits),
            "errors": sorted({error for v in visits for error in v["errors"]}),
        }
    return medians


def _safe(url: str) -> str:
    return url.split("@", 1)[-1] if "@" in url else url


def _ms(value) -> str:
    if isinstance(value, dict):
        value = value["shown_ms"]
    return "not shown" if value is None else f"{value:,.0f} ms"


def _kb(size: float) -> str:
    return f"{size / 1024:,.0f} KB" if size >= 10 * 1024 else f"{size / 1024:,.1f} KB"


def _mark(value, aim: float) -> str:
    return _ms(value) if value is not None and value <= aim else f"**{_ms(value)}**"


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Every view, first visitor and second (bench/views.py)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, SQLite {m['sqlite']}, "
        f"{m['postgresql']}; {m['chromium']} headless (Playwright {m['playwright']}); nginx in front of gunicorn "
        f"(2 workers x 4 threads); result cache: {results['cache']}. Run {m['date']} with "
        f"`python -m bench.views {results['arguments']}`, {results['repeats']} repeat(s), medians shown; load "
        f"average {results['load_start']:.1f} at the start, {results['load_end']:.1f} at the end (the machine is "
        "shared: other work slows every figure).",
        "",
        "How each figure is taken: the docstring of bench/views.py. Cold: the first visitor of a freshly started "
        "server; next: the same visitor again (scripts in its browser cache); warm: a second visitor right after "
        "(empty browser cache, the server's cache warm). Time: navigation start until every callback answered and "
        f"the view shows its content. Aims (issue 12): cold <= {AIM_COLD_MS} ms, warm <= {AIM_WARM_MS} ms at "
        "chengdu; a time in bold misses it. Bytes: every response as on the wire (compressed), page and scripts + "
        "callback answers.",
        "",
    ]
    for city in results["cities"]:
        lines += [f"## {city['preset']} on {city['dialect']}", "",
                  f"Database: `{city['database']}`, clock frozen at {city['now']}.", "",
                  "| view | cold | warm | next visit | slowest callback, cold | warm | callbacks "
                  "| bytes, first visit | next visit | callback answers (decoded) |",
                  "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
        for view, figures in city["views"].items():
            cold, warm, again = (figures["median"][name] for name in ("cold", "warm", "next"))
            errors = " (console errors!)" if any(figures["median"][n]["errors"] for n in VISITS) else ""
            lines.append(
                f"| {view}{errors} | {_mark(cold['shown_ms'], AIM_COLD_MS)} | {_mark(warm['shown_ms'], AIM_WARM_MS)} "
                f"| {_ms(again['shown_ms'])} | {_ms(cold['slowest_callback_ms'])} (`{cold['slowest_callback']}`) "
                f"| {_ms(warm['slowest_callback_ms'])} | {cold['callbacks']:.0f} "
                f"| {_kb(cold['wire_bytes'])} ({_kb(cold['page_wire_bytes'])} page and scripts) "
                f"| {_kb(again['wire_bytes'])} ({_kb(again['page_wire_bytes'])}) "
                f"| {_kb(cold['callback_wire_bytes'])} ({_kb(cold['callback_decoded_bytes'])}) |")
        lines.append("")
        scripts = {view: figures["runs"][0]["cold"]["scripts"] for view, figures in city["views"].items()}
        lines += ["Scripts each view's first visit loaded: " + "; ".join(
            f"{view}: {', '.join(names)}" for view, names in scripts.items()), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.views", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="gusu,chengdu")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--views", default=",".join(VIEWS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", choices=("redis", "memory"), default="redis")
    parser.add_argument("--city", action="append", default=[], metavar="PRESET/DIALECT=URL",
                        help="measure this database instead of bench.run's, e.g. "
                             "chengdu/postgresql=postgresql+psycopg://postgres@127.0.0.1/i11_bench_chengdu")
    parser.add_argument("--out", type=Path, default=HERE / "views_results.md")
    args = parser.parse_args(argv)
    given = dict(city.split("=", 1) for city in args.city)
    views = [view for view in args.views.split(",") if view]
    unknown = set(views) - set(VIEW_PATHS)
    if unknown:
        parser.error(f"unknown views: {', '.join(sorted(unknown))}")
    arguments = " ".join([f"--presets {args.presets}", f"--databases {args.databases}", f"--views {args.views}",
                          f"--repeats {args.repeats}", f"--cache {args.cache}"]
                         + [f"--city {preset}={_safe(url)}" for preset, url in given.items()])
    results = {"machine": machine(), "arguments": arguments, "repeats": args.repeats, "cities": [],
               "cache": "a Redis of the benchmark's own" if args.cache == "redis" else "in each worker",
               "load_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="onescreen-views-redis-") as redis_dir, sync_playwright() as playwright:
        with (own_redis(Path(redis_dir)) if args.cache == "redis" else _nothing()) as redis_url:
            browser = launch_chromium(playwright)
            results["machine"].update(chromium=f"Chromium {browser.version}",
                                      playwright=package_version("playwright"))
            for preset in args.presets.split(","):
                for dialect in args.databases.split(","):
                    url = given.get(f"{preset}/{dialect}") or ensure_database(dialect, preset, reuse=True)[0]
                    print(f"{preset}/{dialect}: {_safe(url)}", flush=True)
                    done = list(results["cities"])

                    def write(city, done=done):
                        results["cities"] = [*done, city]
                        results["load_end"] = os.getloadavg()[0]
                        args.out.write_text(render(results))
                        args.out.with_suffix(".json").write_text(json.dumps(results, indent=1, ensure_ascii=False))

                    write(bench_city(browser, preset, dialect, url, redis_url, views, args.repeats, write))
            browser.close()
    print(args.out.read_text())


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
