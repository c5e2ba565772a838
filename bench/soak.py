"""Soak benchmark: walls at refresh=2 against the live feed for hours of city time, the server's resources sampled.

`python -m bench.soak [--minutes 22] [--warmup-minutes 5] [--speed 6] [--caches redis,memory] [--walls 4]
[--sample-s 30] [--browser]` writes bench/soak_results.md and a JSON twin.

The stack is the documented one, on one machine: nginx (Debian's, the config
deploy/render.py renders, run by deploy/local.py's helpers in a folder of its
own) in front of one gunicorn of 2 workers x 4 threads (as `make demo` and
bench/walls.py serve; the systemd unit gives 8 threads), reading the city in
PostgreSQL through the read-only role, with Redis (a database number of the
soak's own, flushed first) or the in-process cache. The live feed
(`python -m demo.live --speed N`) writes into the city every 5 s; with
`--speed 6` the tickets' life runs six times faster than the clock (arrivals
and status changes of 30 s of city time per 5 s tick, stamped "now"), so 22
minutes are 132 minutes of the city, while pings and crowd snapshots keep
the clock's cadence. Each simulated wall posts the wall's real refresh
callback every `refresh` seconds (bench/walls.py builds the body from
/_dash-dependencies, signed in as a leader), on schedule whatever the
previous answer took; the walls differ in language, theme, views and area,
so each is its own ready-made answer. With `--browser`, a headless Chromium
(Debian's, through Playwright, as tests/browser) shows /wall?refresh=2 for the
first cache's run, its JS heap and DOM read through CDP after a forced GC.

Every `sample_s` seconds: RSS, private memory (smaps_rollup), open file
descriptors and threads of the gunicorn master, each worker, nginx and the
feed; the database connections held (pg_stat_activity of the city database,
by role); Redis' keys and their memory (MEMORY USAGE over the soak's
database); the walls' latency p50/p95 and errors in the interval; and what
the first wall showed (its tiles' values and the newest record it reports),
so the run shows the numbers moving with the feed, not a cached freeze.

Warm-up is the first `warmup_minutes`: caches filled, connection pools and
allocator arenas at their working size. Pass: every worker's RSS at the end
(median of the last 3 samples) within 10 % of its RSS after warm-up (median
of the first 3 samples after it), no worker restarted; the master's
descriptors, and the workers' net of their database connections, with no
higher floor (least value) in the last quarter of the measured time than in
its first (a leaked descriptor never comes back, so it lifts the floor; load
lifts only the peaks: requests queued in a worker hold sockets); and the
database connections never above the pools' bound (each worker thread and
the refresher hold one at most; the pool keeps them idle, so their
high-water mark rises with load and stays, within that bound).

`python -m bench.soak --render bench/soak_results.json` recomputes the
verdicts from the samples and writes the Markdown again.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import redis
from sqlalchemy import create_engine, text

from bench.run import machine
from bench.walls import (
    CALLBACK_PATH,
    CLIENT_TIMEOUT_S,
    POSTGRES_ADMIN,
    READER,
    browser_headers,
    city_url,
    commit,
    ensure_city,
    ensure_reader,
    free_port,
    refresh_body,
    request,
    sign_in,
)
from components import ids
from deploy import local

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REDIS_URL = os.environ.get("ONESCREEN_SOAK_REDIS_URL", "redis://127.0.0.1:6379/12")
FEED_INTERVAL_S = 5
GROWTH_LIMIT = 0.10
# Samples whose medians are compared (after warm-up, at the end): one slow sample does not decide.
MEDIAN_OF = 3
# The walls' URLs (each its own ready-made answer); the first is the one whose numbers are followed.
WALL_SEARCHES = (
    "?refresh={refresh}",
    "?refresh={refresh}&lang=en",
    "?refresh={refresh}&theme=light&views=overview,crowd",
    "?refresh={refresh}&area={street}&views=tickets,workers,closure",
)


# --- what the processes hold -------------------------------------------------------------------------------

def process_figures(pid: int) -> dict | None:
    """RSS and private memory (MB), open file descriptors and threads of `pid`; None once it is gone."""
    try:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        return None
    private_kb = sum(int(line.split()[1]) for line in rollup if line.startswith(("Private_Clean", "Private_Dirty")))
    return {"rss_mb": round(int(status["VmRSS"].split()[0]) / 1024, 1), "private_mb": round(private_kb / 1024, 1),
            "fds": fds, "threads": int(status["Threads"])}


def children(pid: int) -> list[int]:
    try:
        return sorted(int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                      for child in (task / "children").read_text().split())
    except FileNotFoundError:
        return []


class Stack(NamedTuple):
    port: int  # nginx's: what the walls and the browser talk to
    web: subprocess.Popen
    nginx: subprocess.Popen
    feed: subprocess.Popen

    def processes(self) -> dict[str, int]:
        named = {"master": self.web.pid}
        named.update({f"worker-{index}": pid for index, pid in enumerate(children(self.web.pid))})
        named.update({"nginx-master": self.nginx.pid})
        named.update({f"nginx-worker-{index}": pid for index, pid in enumerate(children(self.nginx.pid))})
        named["feed"] = self.feed.pid
        return named


def start_stack(reader_url: str, owner_url: str, store_url: str, redis_url: str | None, speed: float,
                work: Path, processes: list[subprocess.Popen]) -> Stack:
    """gunicorn, nginx in front (deploy/local.py's config and helpers), and the live feed; appended to `processes`."""
    web_port, listen = free_port(), f"127.0.0.1:{free_port()}"
    run_dir = work / "nginx"
    config = local.render(run_dir, listen, [f"127.0.0.1:{web_port}"])
    checked = local.check(config)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t: {checked.stderr}")
    extra = {"ONESCREEN_CACHE_REDIS_URL": redis_url} if redis_url else {}
    env = local.web_environment(reader_url, store_url, **extra)
    with open(work / "web.log", "ab") as log:
        web = local.start_web(web_port, env, log)
    processes.append(web)
    local.wait_until_up(f"http://127.0.0.1:{web_port}/health", web, timeout_s=120)
    nginx = local.start_nginx(config)
    processes.append(nginx)
    local.wait_until_up(f"http://{listen}/health", nginx)
    with open(work / "feed.log", "ab") as log:
        feed = subprocess.Popen(
            [sys.executable, "-m", "demo.live", "--url", owner_url, "--interval", str(FEED_INTERVAL_S),
             "--speed", str(speed), "--seed", "11"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    processes.append(feed)
    return Stack(int(listen.rsplit(":", 1)[1]), web, nginx, feed)


def database_connections(admin, database: str) -> dict[str, int]:
    """Backends connected to the city database, by role (the server's read-only one, the feed's owner)."""
    with admin.connect() as conn:
        rows = conn.execute(text("SELECT usename, count(*) FROM pg_stat_activity WHERE datname = :d GROUP BY 1"),
                            {"d": database}).all()
    return {name: int(count) for name, count in rows}


def redis_figures(client: redis.Redis) -> dict:
    """The soak's Redis database: keys by kind and what they take (MEMORY USAGE, bytes summed)."""
    kinds: dict[str, int] = {}
    memory = 0
    for name in client.scan_iter(count=500):
        kind = name.decode(errors="replace").split(":", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        memory += client.memory_usage(name) or 0
    return {"keys": sum(kinds.values()), "keys_by_kind": kinds, "memory_kb": round(memory / 1024, 1)}


# --- the walls ---------------------------------------------------------------------------------------------

class Answer(NamedTuple):
    sent: float  # seconds since the run started
    latency_s: float
    outcome: str
    wall: int


def wall_numbers(body: bytes) -> dict:
    """What a wall refresh put on screen: every tile's value by its panel and label, and the newest record."""
    response = json.loads(body)["response"]
    shown = {}

    def texts(node) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, list):
            return [t for child in node for t in texts(child)]
        if isinstance(node, dict) and "props" in node:
            return texts(node["props"].get("children"))
        return []

    def walk(node, panel: str):
        if isinstance(node, list):
            for child in node:
                walk(child, panel)
        elif isinstance(node, dict) and "props" in node:
            props = node["props"]
            kids = props.get("children")
            parts = {child["props"].get("className"): " ".join(texts(child))
                     for child in (kids if isinstance(kids, list) else []) if isinstance(child, dict) and "props" in child}
            if "kpi__value" in parts:
                shown[f"{panel}/{props.get('data-stat') or parts.get('kpi__label')}"] = parts["kpi__value"]
            else:
                walk(kids, panel)

    for output, props in response.items():
        if output.endswith("tiles"):
            walk(props.get("children"), output)
    freshness = response.get(ids.WALL_FRESHNESS, {}).get("data")
    return {"tiles": shown, "freshness": freshness}


class Walls:
    """Simulated walls posting their refresh on schedule; answers and the first wall's last numbers kept."""

    def __init__(self, port: int, sessions: list[str], searches: list[str], refresh: int, dependencies: list[dict]):
        self.port, self.refresh = port, refresh
        self.walls = [(browser_headers(port, session, refresh, search), refresh_body(dependencies, refresh, search))
                      for session, search in zip(sessions, searches)]
        self.answers: list[Answer] = []
        self.shown: dict | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, started: float) -> None:
        self.started = started
        for wall in range(len(self.walls)):
            thread = threading.Thread(target=self._run, args=(wall,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _run(self, wall: int) -> None:
        offset = wall * self.refresh / len(self.walls)
        tick, posts = 0, []
        while True:
            at = self.started + offset + tick * self.refresh
            if self._stop.wait(max(0.0, at - time.monotonic())):
                break
            tick += 1
            # A browser's interval does not wait for the previous answer either.
            post = threading.Thread(target=self._post, args=(wall, tick + 1), daemon=True)
            post.start()
            posts = [p for p in posts if p.is_alive()] + [post]
        for post in posts:
            post.join()

    def _post(self, wall: int, tick: int) -> None:
        headers, body = self.walls[wall]
        sent = time.monotonic()
        try:
            status, raw = request(self.port, "POST", CALLBACK_PATH, body=body(tick), headers=headers,
                                  timeout=CLIENT_TIMEOUT_S)
            outcome = str(status)
        except TimeoutError:
            outcome, raw = "timeout", b""
        except OSError as error:
            outcome, raw = type(error).__name__, b""
        self.answers.append(Answer(sent - self.started, time.monotonic() - sent, outcome, wall))
        if wall == 0 and outcome == "200":
            try:
                self.shown = wall_numbers(raw)
            except (ValueError, KeyError, AttributeError) as error:
                self.shown = {"unreadable": repr(error)}


def latency(answers: list[Answer]) -> dict:
    every = sorted(a.latency_s for a in answers)

    def percentile(share):
        return round(every[min(len(every) - 1, int(share * len(every)))] * 1000, 1) if every else None
    return {"answers": len(answers), "p50_ms": percentile(0.5), "p95_ms": percentile(0.95),
            "max_ms": round(every[-1] * 1000, 1) if every else None,
            "errors": sum(a.outcome != "200" for a in answers),
            "error_kinds": sorted({a.outcome for a in answers if a.outcome != "200"})}


# --- the browser wall --------------------------------------------------------------------------------------

class BrowserWall:
    """A headless Chromium showing the wall; its JS heap, DOM nodes and listeners after a GC, every sample.

    Playwright's sync API belongs to the thread that started it, so everything runs in one thread."""

    def __init__(self, port: int, session: str, search: str, sample_s: float):
        self.url = f"http://127.0.0.1:{port}/wall{search}"
        self.session, self.sample_s = session, sample_s
        self.samples: list[dict] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, started: float) -> None:
        self.started = started
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(120)

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        from tests.browser.harness import chromium_installed, launch_chromium, log_in
        if not chromium_installed():
            self.errors.append("no Chromium at /usr/bin/chromium")
            return
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                context = browser.new_context(viewport={"width": 1920, "height": 1080})
                log_in(context, self.session)
                page = context.new_page()
                page.on("console", lambda m: self.errors.append(m.text[:200]) if m.type == "error" else None)
                page.on("pageerror", lambda e: self.errors.append(str(e)[:200]))
                page.goto(self.url, wait_until="load", timeout=60_000)
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                while not self._stop.wait(self.sample_s):
                    cdp.send("HeapProfiler.collectGarbage")
                    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                    self.samples.append({
                        "t_s": round(time.monotonic() - self.started, 1),
                        "js_heap_used_mb": round(metrics["JSHeapUsedSize"] / 2**20, 2),
                        "js_heap_total_mb": round(metrics["JSHeapTotalSize"] / 2**20, 2),
                        "dom_nodes": int(metrics["Nodes"]), "listeners": int(metrics["JSEventListeners"]),
                        "documents": int(metrics["Documents"]),
                        "clock": page.text_content(f"#{ids.WALL_CLOCK_TEXT}", timeout=5000),
                    })
                browser.close()
        except Exception as error:  # noqa: BLE001 - the browser is optional; the server side goes on
            self.errors.append(f"browser wall stopped: {error!r}"[:300])


# --- one run -----------------------------------------------------------------------------------------------

def sample(stack: Stack, admin, database: str, redis_client, walls: Walls, since: float, t: float) -> dict:
    record = {"t_s": round(t, 1), "processes": {}}
    for name, pid in stack.processes().items():
        figures = process_figures(pid)
        if figures:
            record["processes"][name] = {"pid": pid, **figures}
    record["database_connections"] = database_connections(admin, database)
    if redis_client is not None:
        record["redis"] = redis_figures(redis_client)
    record["walls"] = latency([a for a in list(walls.answers) if since <= a.sent < t])
    record["shown"] = walls.shown
    record["load_1min"] = round(os.getloadavg()[0], 2)
    return record


def one_run(args, database: str, reader_url: str, street: str, cache: str, work: Path, browser: bool) -> dict:
    redis_url = REDIS_URL if cache == "redis" else None
    redis_client = None
    if redis_url:
        redis_client = redis.Redis.from_url(redis_url, socket_timeout=5)
        redis_client.flushdb()
    store_url = f"sqlite:///{work / f'store-{cache}.sqlite'}"
    people = sign_in(store_url, redis_url, len(WALL_SEARCHES) + 1)
    searches = [s.format(refresh=args.refresh, street=street) for s in WALL_SEARCHES][:args.walls]
    admin = create_engine(POSTGRES_ADMIN, pool_size=1, max_overflow=0)
    processes: list[subprocess.Popen] = []
    samples: list[dict] = []
    try:
        stack = start_stack(reader_url, city_url(database), store_url, redis_url, args.speed, work, processes)
        status, raw = request(stack.port, "GET", "/_dash-dependencies",
                              headers=browser_headers(stack.port, people.wall_sessions[0], args.refresh))
        if status != 200:
            raise RuntimeError(f"/_dash-dependencies answered {status}")
        walls = Walls(stack.port, people.wall_sessions, searches, args.refresh, json.loads(raw))
        started = time.monotonic()
        walls.start(started)
        watcher = None
        if browser:
            watcher = BrowserWall(stack.port, people.wall_sessions[-1], f"?refresh={args.refresh}", args.sample_s)
            watcher.start(started)
        until = started + args.minutes * 60
        since = 0.0
        samples.append(sample(stack, admin, database, redis_client, walls, 0.0, 0.0))
        while time.monotonic() < until:
            time.sleep(max(0.0, min(until, started + since + args.sample_s) - time.monotonic()))
            t = time.monotonic() - started
            samples.append(sample(stack, admin, database, redis_client, walls, since, t))
            since = t
            last = samples[-1]
            workers = {k: v["rss_mb"] for k, v in last["processes"].items() if k.startswith("worker")}
            print(f"{cache} t={t:.0f}s rss={workers} db={last['database_connections']} "
                  f"walls={last['walls']['p50_ms']}/{last['walls']['p95_ms']}ms err={last['walls']['errors']} "
                  f"load={last['load_1min']}", file=sys.stderr, flush=True)
        walls.stop()
        if watcher:
            watcher.stop()
        feed_ticks = sum(1 for line in (work / "feed.log").read_text(errors="replace").splitlines() if "'reported'" in line)
    finally:
        local.stop(processes)
        admin.dispose()
    result = {"cache": cache, "walls": searches, "samples": samples, "feed_ticks": feed_ticks,
              "walls_overall": latency(walls.answers)}
    if watcher:
        result["browser"] = {"search": f"?refresh={args.refresh}", "samples": watcher.samples,
                             "errors": watcher.errors[:20], "error_count": len(watcher.errors)}
    result["verdict"] = verdict(samples, args.warmup_minutes * 60)
    return result


# --- the verdict -------------------------------------------------------------------------------------------

def verdict(samples: list[dict], warmup_s: float, threads: int = 4) -> dict:
    measured = [s for s in samples if s["t_s"] >= warmup_s]
    quarter = max(1, len(measured) // 4)
    early, late = measured[:quarter], measured[-quarter:]
    memory = {}
    for name in sorted({n for s in measured for n in s["processes"] if n.startswith("worker") or n == "master"}):
        series = [(s["t_s"], s["processes"][name]) for s in measured if name in s["processes"]]
        pids = sorted({figures["pid"] for _, figures in series})
        after = statistics.median(f["rss_mb"] for _, f in series[:MEDIAN_OF])
        end = statistics.median(f["rss_mb"] for _, f in series[-MEDIAN_OF:])
        memory[name] = {"pids": pids, "rss_after_warmup_mb": after, "rss_end_mb": end,
                        "growth": round((end - after) / after, 4), "slope_mb_per_h": slope(series, "rss_mb"),
                        "private_after_warmup_mb": statistics.median(f["private_mb"] for _, f in series[:MEDIAN_OF]),
                        "private_end_mb": statistics.median(f["private_mb"] for _, f in series[-MEDIAN_OF:]),
                        "rss_max_mb": max(f["rss_mb"] for _, f in series)}

    held = {}
    for name in sorted({n for s in measured for n in s["processes"]}):
        for figure in ("fds", "threads"):
            held[f"{name} {figure}"] = floors(early, late, lambda s: s["processes"].get(name, {}).get(figure))
    # A worker's descriptors include its pooled database connections, which rise to the pool's high-water mark
    # under load (and stay: the pool keeps them): judged net of them, the rest is what could leak.
    held["workers' fds net of database connections"] = floors(early, late, lambda s: (
        sum(p["fds"] for n, p in s["processes"].items() if n.startswith("worker"))
        - s["database_connections"].get(READER, 0)))
    for role in (READER, "postgres"):
        held[f"database connections ({role})"] = floors(early, late, lambda s: s["database_connections"].get(role, 0))
    if any("redis" in s for s in measured):
        held["redis keys"] = floors(early, late, lambda s: s["redis"]["keys"])
    workers = {k: v for k, v in memory.items() if k.startswith("worker")}
    restarted = [k for k, v in workers.items() if len(v["pids"]) > 1]
    connections = [s["database_connections"].get(READER, 0) for s in samples]
    # Each worker thread and the refresher hold at most one connection at a time; SQLAlchemy keeps up to 5 idle.
    bound = len(workers) * (threads + 1)
    judged = ("master fds", "workers' fds net of database connections")
    return {
        "warmup_s": warmup_s, "measured_samples": len(measured), "quarter_samples": quarter,
        "memory": memory, "held": held, "workers_restarted": restarted,
        "rss_pass": bool(workers) and not restarted and all(v["growth"] < GROWTH_LIMIT for v in workers.values()),
        "connection_bound": bound, "connections_max": max(connections, default=0),
        "held_pass": not any(held[name]["grew"] for name in judged) and max(connections, default=0) <= bound,
    }


def floors(early: list[dict], late: list[dict], pick) -> dict:
    """The least and most of a figure in the first and last quarter; grew: the least rose (what leaks never
    comes back, so a leak lifts the floor; load lifts only the peaks)."""
    def values(window):
        return [v for v in map(pick, window) if v is not None]
    first, last = values(early), values(late)
    if not first or not last:
        return {"first_quarter": None, "last_quarter": None, "grew": False}
    return {"first_quarter": [min(first), max(first)], "last_quarter": [min(last), max(last)],
            "grew": min(last) > min(first)}


def slope(series: list[tuple[float, dict]], figure: str) -> float | None:
    """Least-squares growth of `figure` per hour over `series`."""
    if len(series) < 3:
        return None
    xs = [t / 3600 for t, _ in series]
    ys = [f[figure] for _, f in series]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / spread, 1) if spread else None


# --- results -----------------------------------------------------------------------------------------------

def liveness(samples: list[dict]) -> dict:
    """How often the first wall's tiles and newest record changed between two samples."""
    shown = [s["shown"] for s in samples if s.get("shown") and "tiles" in s["shown"]]
    changes = [sorted(k for k in b["tiles"] if a["tiles"].get(k) != b["tiles"][k]) for a, b in zip(shown, shown[1:])]
    newest = [json.dumps(s.get("freshness"), sort_keys=True) for s in shown]
    moved = {}
    for changed in changes:
        for key in changed:
            moved[key] = moved.get(key, 0) + 1
    return {"intervals": len(changes), "intervals_with_a_change": sum(bool(c) for c in changes),
            "distinct_freshness": len(set(newest)), "changes_by_tile": dict(sorted(moved.items(), key=lambda i: -i[1])),
            "first": shown[0]["tiles"] if shown else None, "last": shown[-1]["tiles"] if shown else None}


def render(results: dict) -> str:
    m = results["machine"]
    a = results["args"]
    lines = [
        "# Soak: walls at refresh=2 against the live feed",
        "",
        f"`python -m bench.soak {results['arguments']}` on {results['started']}, commit `{results['commit']}`.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, Python {m['python']}, "
        f"{m['postgresql']}. Load average (1 min) before {results['load_before']}, after {results['load_after']}; "
        "the machine is shared with other sessions, and the walls' client, the feed and nginx run on it too.",
        f"City: preset `{results['preset']}` in PostgreSQL database `{results['database']}`, read as `{READER}`; "
        f"the live feed (`demo.live --speed {a['speed']}`, a tick every {FEED_INTERVAL_S} s) writes into it as the "
        f"owner. Each run: {a['minutes']} min of real time = {a['minutes'] * a['speed']:.0f} min of the city's "
        "tickets (arrivals and status changes); pings and crowd snapshots at the clock's cadence.",
        f"Served: nginx (deploy/render.py's config) -> gunicorn 2 workers x 4 threads, started afresh per run. "
        f"{len(results['runs'][0]['walls'])} simulated walls at `refresh={a['refresh']}` "
        f"({len(results['runs'][0]['walls']) / a['refresh']:.0f} refreshes/s), each its own ready-made answer: "
        + ", ".join(f"`/wall{s}`" for s in results["runs"][0]["walls"]) + ".",
        f"Sampled every {a['sample_s']} s. Warm-up: the first {a['warmup_minutes']} min (caches filled, pools and "
        "allocator arenas at working size). RSS growth: median of the last 3 samples against the median of the "
        "first 3 after warm-up; slope: least squares over everything after warm-up. Descriptors: the floor (least "
        "value) over the last quarter of the measured time against the floor over its first quarter, the workers' "
        "net of their database connections (a leak lifts the floor; load, queued requests holding sockets, only the "
        "peaks). Connections: never above the pools' bound (each thread and the refresher hold one at most; the "
        "pool keeps them, so their high-water mark rises with load and stays).",
        "",
        "## Verdict",
        "",
        "| cache | worker RSS after warm-up -> end (MB) | growth | slope MB/h | private MB after -> end "
        "| RSS < 10 % | fds flat, connections bounded | errors / answers | p50 / p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in results["runs"]:
        v, w = run["verdict"], run["walls_overall"]
        workers = {k: x for k, x in v["memory"].items() if k.startswith("worker")}
        lines.append(
            f"| {run['cache']} | " + "; ".join(f"{x['rss_after_warmup_mb']} -> {x['rss_end_mb']}" for x in workers.values())
            + " | " + "; ".join(f"{x['growth'] * 100:+.1f} %" for x in workers.values())
            + " | " + "; ".join(str(x["slope_mb_per_h"]) for x in workers.values())
            + " | " + "; ".join(f"{x['private_after_warmup_mb']} -> {x['private_end_mb']}" for x in workers.values())
            + f" | {'pass' if v['rss_pass'] else 'FAIL'} | {'pass' if v['held_pass'] else 'FAIL'} "
            f"| {w['errors']} / {w['answers']} | {w['p50_ms']} / {w['p95_ms']} |")
    for run in results["runs"]:
        v = run["verdict"]
        live = run["liveness"]
        master = v["memory"].get("master", {})
        lines += ["", f"## {run['cache']}", "",
                  f"Feed ticks: {run['feed_ticks']}. Workers restarted: {v['workers_restarted'] or 'none'}. "
                  f"Master RSS {master.get('rss_after_warmup_mb')} -> {master.get('rss_end_mb')} MB.",
                  f"Live, not frozen: the first wall's tiles changed in {live['intervals_with_a_change']} of "
                  f"{live['intervals']} sample intervals; the newest record it reported took "
                  f"{live['distinct_freshness']} distinct values. Changes by tile: "
                  + ", ".join(f"{k} {n}" for k, n in list(live["changes_by_tile"].items())[:12]) + ".",
                  "",
                  f"Database connections of the server: at most {v['connections_max']}, its pools' bound "
                  f"{v['connection_bound']} (2 workers x (4 threads + the refresher)).",
                  "",
                  "| held (after warm-up) | first quarter least-most | last quarter least-most | floor rose |",
                  "|---|---:|---:|---|"]
        for name, h in v["held"].items():
            lines.append(f"| {name} | {_span(h['first_quarter'])} | {_span(h['last_quarter'])} "
                         f"| {'yes' if h['grew'] else 'no'} |")
        lines += ["", "| t (min) | " + " | ".join(f"{n} RSS MB" for n in workers_of(run)) + " | master RSS MB "
                  "| worker fds | db conns (reader) | redis keys / KB | walls answers | p50 / p95 ms | errors | load |",
                  "|---:|" + "---:|" * len(workers_of(run)) + "---:|---|---:|---|---:|---|---:|---:|"]
        for s in run["samples"]:
            p = s["processes"]
            r = s.get("redis")
            lines.append(
                f"| {s['t_s'] / 60:.1f} | " + " | ".join(str(p.get(n, {}).get("rss_mb", "n/a")) for n in workers_of(run))
                + f" | {p.get('master', {}).get('rss_mb', 'n/a')} | "
                + "/".join(str(p.get(n, {}).get("fds", "n/a")) for n in workers_of(run))
                + f" | {s['database_connections'].get(READER, 0)} | "
                + (f"{r['keys']} / {r['memory_kb']}" if r else "n/a")
                + f" | {s['walls']['answers']} | {s['walls']['p50_ms']} / {s['walls']['p95_ms']} "
                f"| {s['walls']['errors']} | {s['load_1min']} |")
        if "browser" in run:
            b = run["browser"]
            lines += ["", f"Browser wall (`/wall{b['search']}`, headless Chromium): JS heap after a forced GC, DOM "
                      f"nodes and listeners; console errors: {b['error_count']}"
                      + (f" (first: {b['errors'][0]})" if b["errors"] else "") + ".", ""]
            if b["samples"]:
                lines += ["| t (min) | JS heap used MB | JS heap total MB | DOM nodes | listeners | clock shown |",
                          "|---:|---:|---:|---:|---:|---|"]
                every = max(1, len(b["samples"]) // 12)
                for s in b["samples"][::every] + ([b["samples"][-1]] if (len(b["samples"]) - 1) % every else []):
                    lines.append(f"| {s['t_s'] / 60:.1f} | {s['js_heap_used_mb']} | {s['js_heap_total_mb']} | "
                                 f"{s['dom_nodes']} | {s['listeners']} | {s['clock']} |")
    lines += ["", f"Every sample: [{results['json_name']}]({results['json_name']}).", ""]
    return "\n".join(lines)


def _span(pair) -> str:
    return "n/a" if pair is None else f"{pair[0]}-{pair[1]}"


def workers_of(run: dict) -> list[str]:
    return sorted({n for s in run["samples"] for n in s["processes"] if n.startswith("worker")})


def a_street(database: str) -> str:
    engine = create_engine(city_url(database))
    with engine.connect() as conn:
        code = conn.execute(text("SELECT area_code FROM area WHERE level = 'street' ORDER BY area_code")).scalar()
    engine.dispose()
    return code


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="gusu", choices=("tiny", "gusu", "chengdu"))
    parser.add_argument("--database", help="the city's PostgreSQL database (default i11_soak_<preset>); the feed writes")
    parser.add_argument("--minutes", default=22, type=float, help="real minutes per run")
    parser.add_argument("--warmup-minutes", default=5, type=float)
    parser.add_argument("--speed", default=6, type=float, help="the feed's city minutes per real minute")
    parser.add_argument("--refresh", default=2, type=int)
    parser.add_argument("--walls", default=len(WALL_SEARCHES), type=int, choices=range(1, len(WALL_SEARCHES) + 1))
    parser.add_argument("--sample-s", default=30, type=float)
    parser.add_argument("--caches", default="redis,memory", type=lambda s: s.split(","))
    parser.add_argument("--browser", action="store_true", help="a headless Chromium wall during the first run")
    parser.add_argument("--out", default=str(HERE / "soak_results"), help="results path without .md/.json")
    parser.add_argument("--render", type=Path, help="recompute the verdicts of this JSON and write its Markdown")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(args.render.read_text())
        for run in results["runs"]:
            run["verdict"] = verdict(run["samples"], results["args"]["warmup_minutes"] * 60)
            run["liveness"] = liveness(run["samples"])
        args.render.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        args.render.with_suffix(".md").write_text(render(results))
        return
    database = args.database or f"i11_soak_{args.preset}"
    if not database.startswith("i11_soak_"):
        parser.error("the feed writes into the database: give one of the soak's own (i11_soak_*)")
    generated = ensure_city(args.preset, database, regenerate=False)
    reader_url = ensure_reader(database)
    street = a_street(database)
    load_before = round(os.getloadavg()[0], 2)
    started = datetime.now().isoformat(timespec="seconds")
    out = Path(args.out)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as work:
        for index, cache in enumerate(args.caches):
            folder = Path(work) / cache
            folder.mkdir()
            run = one_run(args, database, reader_url, street, cache, folder, args.browser and index == 0)
            run["liveness"] = liveness(run["samples"])
            runs.append(run)
            results = {
                "arguments": " ".join(argv if argv is not None else sys.argv[1:]), "started": started,
                "commit": commit(), "machine": machine(), "load_before": load_before,
                "load_after": round(os.getloadavg()[0], 2), "preset": args.preset, "database": database,
                "generated": generated, "args": vars(args) | {"caches": args.caches},
                "json_name": out.with_suffix(".json").name, "runs": runs,
            }
            # Written after every run: a later run that fails leaves the earlier one's figures.
            out.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
            out.with_suffix(".md").write_text(render(results))


if __name__ == "__main__":
    main()
