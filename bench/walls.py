"""Load benchmark: simulated walls replaying the wall's refresh callback against gunicorn on PostgreSQL.

`python -m bench.walls [--preset gusu|chengdu] [--database NAME] [--levels 1,20,100] [--seconds 60]
[--refresh 5] [--repeats 1] [--caches memory,redis] [--web-processes 2] [--web-workers 2] [--web-threads 8]
[--export-processes 1] [--regenerate]` writes bench/walls_results.md and a JSON twin.

What a wall costs the server is its refresh: every `refresh` seconds its
browser posts /_dash-update-component for the callback fed by the refresh
interval. Each simulated wall posts that request as the browser builds it
(the body is built from the server's own /_dash-dependencies, like the Dash
renderer does, with a signed-in leader's session cookie and the page's
Origin), on a fixed schedule whatever the previous answer took (a browser's
interval does not wait either), the walls staggered evenly over the refresh
period. Each wall sends from an address of its own (127.1.x.y: Linux answers
on all of 127/8), as walls on a centre's network do, so nginx's per-address
limits see one wall each. Latency is from sending to the last byte of the
answer; a request unanswered after CLIENT_TIMEOUT_S counts as an error
("timeout").

The server is the deployment of docs/deploy.md, started afresh for every run
by the functions deploy/local.py starts it with (bench/serving.py): nginx,
its site rendered by deploy/render.py, in front of the web gunicorns
(by default two, of 2 workers x 8 threads, as onescreen-web@.service) and an
export gunicorn (one worker of 4 threads at nice 10, as
onescreen-export@.service) to which nginx sends /export/. Every client goes
through nginx. The city is in PostgreSQL, read through a read-only role as
docs/integration.md sets one up. Each run first fetches one refresh (the
cold answer, reported apart), then measures `seconds` of load. With
`--caches redis` the answers are shared through Redis (a database number of
the benchmark's own, ONESCREEN_BENCH_REDIS_URL, flushed before each run).

In the highest level, halfway through, 8 slow-loris clients start (request
headers sent a byte at a time, to nginx) and 8 whole-view PDF exports are
requested at once, from 8 desks (addresses) of analysts; the walls' latency
is reported before and during that storm, with what the exports got (a file,
or the export pool's 503 "busy, retry in N s") and the CPU the web and the
export processes used.

The database's work per refresh window is read from the statistics views:
pg_stat_statements needs shared_preload_libraries, which this machine's
shared PostgreSQL does not load (and it is not restarted for a benchmark),
so the figures are pg_stat_database transaction and row deltas and
pg_stat_user_tables scan deltas of the city database, which only this
benchmark uses. PostgreSQL flushes an idle backend's counters up to 10 s
late, so the window opens STATS_SETTLE_S after the cold answer and closes
after gunicorn has stopped (its backends exit, flushing what they held).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable, NamedTuple

from dash._utils import split_callback_id
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from access.service import Access
from bench.run import machine
from bench.serving import Deployed, Gunicorn, deployment
from config import load_settings
from deploy.local import NGINX, EXPORT_NICE, EXPORT_THREADS, EXPORT_WORKERS, web_environment
from components import ids

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POSTGRES_ADMIN = os.environ.get("ONESCREEN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ONESCREEN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
READER = "i11_bench_reader"
READER_PASSWORD = "bench-only"
CALLBACK_PATH = "/_dash-update-component"
WALL_SEARCH = "?refresh={refresh}"
# What the wall's browser holds for each input and state of the refresh callback (assets/wall.js measures the
# type size; 24 px is a 1080p screen at a few metres).
BROWSER_VALUES = {(ids.WALL_VIEWPORT, "data"): {"font_px": 24}}
CLIENT_TIMEOUT_S = 30
EXPORT_TIMEOUT_S = 180
STATS_SETTLE_S = 11
LORIS_CLIENTS = 8
LORIS_BYTE_INTERVAL_S = 0.5
PDF_VIEWS = ("overview", "tickets", "crowd", "workers", "closure", "funds", "tickets", "overview")
# The second octet of the clients' loopback addresses, per kind of client.
WALLS_NET, EXPORTS_NET, HEALTH_NET, LORIS_NET = 1, 2, 3, 4


def client_address(net: int, n: int) -> str:
    """The `n`th client of a kind: an address of its own on the loopback (127.<net>.x.y)."""
    return f"127.{net}.{n // 250}.{n % 250 + 1}"


# --- the city, its reader, the people ----------------------------------------------------------------------

def city_url(database: str, user: str | None = None, password: str | None = None) -> str:
    url = make_url(POSTGRES_ADMIN).set(database=database)
    if user:
        url = url.set(username=user, password=password)
    return url.render_as_string(hide_password=False)


def ensure_city(preset: str, database: str, regenerate: bool) -> dict | None:
    """The city in `database`, generated by `python -m demo.generate` unless it is there; its report if made."""
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}).first()
        if exists and not regenerate:
            admin.dispose()
            return None
        conn.execute(text(f"DROP DATABASE IF EXISTS {database}"))
        conn.execute(text(f"CREATE DATABASE {database}"))
    admin.dispose()
    done = subprocess.run([sys.executable, "-m", "demo.generate", "--preset", preset, "--url", city_url(database)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def ensure_reader(database: str) -> str:
    """A read-only login for the city (docs/integration.md, section 4): the URL gunicorn connects with."""
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": READER}).first():
            conn.execute(text(f"CREATE ROLE {READER} LOGIN PASSWORD '{READER_PASSWORD}' CONNECTION LIMIT 40"))
        conn.execute(text(f"ALTER ROLE {READER} SET default_transaction_read_only = on"))
        conn.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {READER}"))
    admin.dispose()
    owner = create_engine(city_url(database), isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {READER}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}"))
    owner.dispose()
    return city_url(database, READER, READER_PASSWORD)


class People(NamedTuple):
    store_url: str
    wall_sessions: list[str]
    exporter_sessions: list[str]


def sign_in(store_url: str, redis_url: str | None, walls: int) -> People:
    """A leader of every area with one session per wall, and an analyst (leaders may not export) per PDF.

    The sessions are opened by the app's own Access, so they are where the server looks: in Redis when it has
    one, else in the store.
    """
    access = Access(replace(load_settings(), app_database_url=store_url, cache_redis_url=redis_url))
    store = access.store
    leader = store.create_user("bench-leader", "Bench leader", "leader", ["*"])
    analyst = store.create_user("bench-analyst", "Bench analyst", "analyst", ["*"])
    sessions = [access.open_session(leader)[0] for _ in range(walls)]
    exporters = [access.open_session(analyst)[0] for _ in PDF_VIEWS]
    store.engine.dispose()
    return People(store_url, sessions, exporters)


# --- the server --------------------------------------------------------------------------------------------

def served_environment(database_url: str, store_url: str, redis_url: str | None) -> dict[str, str]:
    """The processes' settings, as deploy/local.py gives them (ONESCREEN_TRUSTED_PROXIES=1: nginx in front)."""
    return web_environment(database_url, store_url, **({"ONESCREEN_CACHE_REDIS_URL": redis_url} if redis_url else {}))


def cpu_seconds(processes: list[Gunicorn]) -> float:
    return sum(process.cpu_seconds() for process in processes)


def machine_busy() -> tuple[int, int]:
    """The machine's busy and total CPU ticks so far (/proc/stat): everyone's work, not only this benchmark's."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def request(port: int, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
            timeout: float = CLIENT_TIMEOUT_S, source: str = "127.0.0.1") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def browser_headers(port: int, session: str, refresh: int, search: str | None = None) -> dict:
    origin = f"http://127.0.0.1:{port}"
    search = search or WALL_SEARCH.format(refresh=refresh)
    return {"Content-Type": "application/json", "Accept": "application/json", "Origin": origin,
            "Referer": f"{origin}/wall{search}", "Cookie": f"onescreen_session={session}"}


def refresh_request(port: int, session: str, refresh: int) -> Callable[[int], bytes]:
    """The wall's refresh body builder, from the running server's /_dash-dependencies."""
    status, raw = request(port, "GET", "/_dash-dependencies", headers=browser_headers(port, session, refresh))
    if status != 200:
        raise RuntimeError(f"/_dash-dependencies answered {status}")
    return refresh_body(json.loads(raw), refresh)


def refresh_body(dependencies: list[dict], refresh: int, search: str | None = None) -> Callable[[int], bytes]:
    """A function of the interval's tick count: the body the Dash renderer posts for the wall's refresh.

    `search` is the wall's URL query (default `?refresh=<refresh>`)."""
    callback = next(c for c in dependencies
                    if {"id": ids.WALL_REFRESH, "property": "n_intervals"} in c["inputs"])
    outputs = split_callback_id(callback["output"])
    changed = [f"{ids.WALL_REFRESH}.n_intervals"]
    search = search or WALL_SEARCH.format(refresh=refresh)

    def value(item: dict, tick: int):
        key = (item["id"], item["property"])
        if key == (ids.WALL_REFRESH, "n_intervals"):
            return tick
        if key == (ids.URL, "search"):
            return search
        if key not in BROWSER_VALUES:
            raise RuntimeError(f"the refresh callback reads {key}, which the benchmark does not know a value of")
        return BROWSER_VALUES[key]

    def body(tick: int) -> bytes:
        def values(items):
            return [{"id": i["id"], "property": i["property"], "value": value(i, tick)} for i in items]
        payload = {"output": callback["output"], "outputs": outputs, "inputs": values(callback["inputs"]),
                   "changedPropIds": changed, "parsedChangedPropsIds": changed}
        if callback["state"]:
            payload["state"] = values(callback["state"])
        return json.dumps(payload).encode()
    return body


# --- the clients -------------------------------------------------------------------------------------------

class Answer(NamedTuple):
    sent: float  # seconds since the run started
    latency_s: float
    outcome: str  # the HTTP status, or the error's kind


def timed(port: int, method: str, path: str, started: float, timeout: float, **kwargs) -> Answer:
    sent = time.monotonic()
    try:
        status, _ = request(port, method, path, timeout=timeout, **kwargs)
        outcome = str(status)
    except socket.timeout:
        outcome = "timeout"
    except OSError as error:
        outcome = type(error).__name__
    return Answer(sent - started, time.monotonic() - sent, outcome)


def run_walls(port: int, people: People, walls: int, seconds: float, refresh: int, body, started: float,
              answers: list[Answer]) -> list[threading.Thread]:
    """Post every wall's refreshes on schedule (each in a thread of its own, as a browser does not wait)."""
    schedule = sorted((wall * refresh / walls + tick * refresh, wall, tick + 2)
                      for wall in range(walls) for tick in range(int(seconds // refresh) + 1)
                      if wall * refresh / walls + tick * refresh < seconds)
    threads = []
    for at, wall, tick in schedule:
        time.sleep(max(0.0, started + at - time.monotonic()))
        headers = browser_headers(port, people.wall_sessions[wall], refresh)
        thread = threading.Thread(target=lambda h=headers, b=body(tick), a=client_address(WALLS_NET, wall):
                                  answers.append(timed(port, "POST", CALLBACK_PATH, started, CLIENT_TIMEOUT_S,
                                                       body=b, headers=h, source=a)), daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def probe_health(port: int, until: float, started: float, answers: list[Answer]) -> None:
    while time.monotonic() < until:
        answers.append(timed(port, "GET", "/health", started, 10, source=client_address(HEALTH_NET, 0)))
        time.sleep(1)


def slow_loris(port: int, until: float, finished: list[str], source: str) -> None:
    """Request headers a byte at a time; again when the server answers or hangs up."""
    head = (f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: bench-loris\r\n"
            f"X-Padding: {'x' * 40}\r\n\r\n").encode()
    while time.monotonic() < until:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0)) as sock:
                for byte in head:
                    if time.monotonic() >= until:
                        finished.append("still sending at the end")
                        return
                    sock.sendall(bytes([byte]))
                    time.sleep(LORIS_BYTE_INTERVAL_S)
                sock.recv(1024)
                finished.append("answered")
        except OSError as error:
            finished.append(type(error).__name__)


def export_burst(port: int, people: People, started: float, answers: list[Answer]) -> list[threading.Thread]:
    """Every PDF of PDF_VIEWS at once, each from a desk (an address and a session) of its own."""
    def export(n: int, view: str) -> None:
        headers = {"Cookie": f"onescreen_session={people.exporter_sessions[n]}"}
        answers.append(timed(port, "GET", f"/export/{view}.pdf", started, EXPORT_TIMEOUT_S, headers=headers,
                             source=client_address(EXPORTS_NET, n)))
    threads = [threading.Thread(target=export, args=(n, view), daemon=True) for n, view in enumerate(PDF_VIEWS)]
    for thread in threads:
        thread.start()
    return threads


# --- the database's side -----------------------------------------------------------------------------------

def database_counters(database: str) -> dict[str, int]:
    engine = create_engine(city_url(database))
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT xact_commit + xact_rollback AS transactions, tup_returned, tup_fetched "
            "FROM pg_stat_database WHERE datname = :d"), {"d": database}).mappings().one()
        scans = conn.execute(text(
            "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables"
        )).scalar_one()
    engine.dispose()
    # This read is a transaction of its own; it is taken off so that an idle server counts zero.
    return {"transactions": int(row["transactions"]) - 1, "rows_returned": int(row["tup_returned"]),
            "rows_fetched": int(row["tup_fetched"]), "table_scans": int(scans)}


# --- one run -----------------------------------------------------------------------------------------------

def latency_summary(answers: list[Answer], seconds: float) -> dict:
    ok = sorted(a.latency_s for a in answers if a.outcome.startswith("2"))
    every = sorted(a.latency_s for a in answers)

    def percentile(values, share):
        return round(values[min(len(values) - 1, int(share * len(values)))] * 1000, 1) if values else None
    return {
        "requests": len(answers),
        "answers_per_s": round(len(ok) / seconds, 2),
        "p50_ms": percentile(every, 0.50),
        "p95_ms": percentile(every, 0.95),
        "max_ms": round(every[-1] * 1000, 1) if every else None,
        "outcomes": dict(Counter(a.outcome for a in answers)),
        "errors": sum(not a.outcome.startswith("2") for a in answers),
    }


class Usage(NamedTuple):
    """CPU seconds so far: the web processes', the export processes', the machine's busy and total."""
    web: float
    export: float
    busy_ticks: int
    total_ticks: int

    @classmethod
    def now(cls, deployed: Deployed) -> Usage:
        return cls(cpu_seconds(deployed.web), cpu_seconds(deployed.export), *machine_busy())

    def since(self, before: Usage, answers: int) -> dict:
        return {"web_cpu_s": round(self.web - before.web, 2), "export_cpu_s": round(self.export - before.export, 2),
                "web_cpu_ms_per_answer": round((self.web - before.web) * 1000 / max(1, answers), 1),
                # Share of both cores busy, whoever's work it was (other sessions share the machine).
                "machine_busy_share": round((self.busy_ticks - before.busy_ticks)
                                            / max(1, self.total_ticks - before.total_ticks), 2)}


def one_run(args, database: str, reader_url: str, cache: str, walls: int, work: Path) -> dict:
    store_url = f"sqlite:///{work / f'store-{cache}-{walls}-{time.monotonic_ns()}.sqlite'}"
    redis_url = REDIS_URL if cache == "redis" else None
    if redis_url:
        import redis
        redis.Redis.from_url(redis_url).flushdb()
    people = sign_in(store_url, redis_url, walls)
    storm = walls == max(args.levels)
    run_dir = work / f"run-{cache}-{walls}-{time.monotonic_ns()}"
    run_dir.mkdir()
    env = served_environment(reader_url, store_url, redis_url)
    with deployment(env, run_dir, web_processes=args.web_processes, web_workers=args.web_workers,
                    web_threads=args.web_threads, export_processes=args.export_processes) as deployed:
        port = deployed.port
        body = refresh_request(port, people.wall_sessions[0], args.refresh)
        cold = timed(port, "POST", CALLBACK_PATH, time.monotonic(), 120, body=body(1),
                     headers=browser_headers(port, people.wall_sessions[0], args.refresh),
                     source=client_address(WALLS_NET, 0))
        time.sleep(STATS_SETTLE_S)
        before, usage_before = database_counters(database), Usage.now(deployed)
        started = time.monotonic()
        until = started + args.seconds
        answers, health, exports, loris = [], [], [], []
        helpers = [threading.Thread(target=probe_health, args=(port, until, started, health), daemon=True)]
        storm_at = args.seconds / 2
        usage_at_storm: list[Usage] = []
        if storm:
            def start_storm():
                time.sleep(max(0.0, started + storm_at - time.monotonic()))
                usage_at_storm.append(Usage.now(deployed))
                for n in range(LORIS_CLIENTS):
                    threading.Thread(target=slow_loris, args=(port, until, loris, client_address(LORIS_NET, n)),
                                     daemon=True).start()
                for thread in export_burst(port, people, started, exports):
                    thread.join()
            helpers.append(threading.Thread(target=start_storm, daemon=True))
        for helper in helpers:
            helper.start()
        for thread in run_walls(port, people, walls, args.seconds, args.refresh, body, started, answers):
            thread.join()
        usage_after = Usage.now(deployed)
        for helper in helpers:
            helper.join()
    time.sleep(1.5)
    after = database_counters(database)
    windows = args.seconds / args.refresh
    result = {
        "cache": cache, "walls": walls, "seconds": args.seconds, "refresh_s": args.refresh,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cold_answer": {"ms": round(cold.latency_s * 1000, 1), "outcome": cold.outcome},
        "walls_answers": latency_summary(answers, args.seconds),
        "health": latency_summary(health, args.seconds),
        "database_per_refresh_window": {key: round((after[key] - before[key]) / windows, 1) for key in after},
        "cpu": usage_after.since(usage_before, len(answers)),
    }
    if storm:
        early = [a for a in answers if a.sent < storm_at]
        late = [a for a in answers if a.sent >= storm_at]
        result["before_storm"] = {**latency_summary(early, storm_at),
                                  "cpu": usage_at_storm[0].since(usage_before, len(early))}
        result["during_storm"] = {**latency_summary(late, args.seconds - storm_at),
                                  "cpu": usage_after.since(usage_at_storm[0], len(late))}
        result["pdf_exports"] = [{"ms": round(a.latency_s * 1000), "outcome": a.outcome} for a in exports]
        result["loris"] = dict(Counter(loris))
    return result


# --- results -----------------------------------------------------------------------------------------------

def medians(runs: list[dict]) -> list[dict]:
    """Per cache and level, the median over repeats of each headline figure."""
    rows = []
    for key in dict.fromkeys((r["cache"], r["walls"]) for r in runs):
        group = [r for r in runs if (r["cache"], r["walls"]) == key]

        def median(path):
            values = [value for r in group if (value := _get(r, path)) is not None]
            return round(statistics.median(values), 1) if values else None
        rows.append({
            "cache": key[0], "walls": key[1], "repeats": len(group),
            "answers_per_s": median("walls_answers.answers_per_s"),
            "p50_ms": median("walls_answers.p50_ms"), "p95_ms": median("walls_answers.p95_ms"),
            "max_ms": median("walls_answers.max_ms"),
            "errors": _errors(group),
            "cold_ms": median("cold_answer.ms"),
            "health_p95_ms": median("health.p95_ms"),
            "transactions_per_window": median("database_per_refresh_window.transactions"),
            "table_scans_per_window": median("database_per_refresh_window.table_scans"),
            "rows_returned_per_window": median("database_per_refresh_window.rows_returned"),
            "cpu_ms_per_answer": median("cpu.web_cpu_ms_per_answer"),
        })
    return rows


def _errors(group: list[dict]) -> dict:
    total = Counter()
    for run in group:
        total.update({k: v for k, v in run["walls_answers"]["outcomes"].items() if not k.startswith("2")})
    return dict(total)


def _get(record: dict, path: str):
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def render(results: dict) -> str:
    m, d = results["machine"], results["deployment"]
    lines = [
        "# Walls under load",
        "",
        f"`python -m bench.walls {results['arguments']}` on {results['started']}, commit `{results['commit']}`.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, Python {m['python']}, "
        f"{m['postgresql']}. Load average (1 min) before {results['load_before']}, after {results['load_after']} "
        "(the machine is shared with other sessions; the benchmark's own client runs on it too).",
        f"City: preset `{results['preset']}` in PostgreSQL database `{results['database']}`, read as the "
        f"read-only role `{READER}`. The deployment of docs/deploy.md, started afresh for every run: "
        f"{d['web_processes']} web gunicorn(s) of {d['web_workers']} workers x {d['web_threads']} threads and "
        f"{d['export_processes']} export gunicorn(s) of {EXPORT_WORKERS} worker x {EXPORT_THREADS} threads at nice "
        f"{EXPORT_NICE}, behind nginx ({d['nginx']}, the site rendered by deploy/render.py); every client goes "
        f"through nginx, each wall from its own address. Walls at "
        f"`refresh={results['refresh_s']}` for {results['seconds']} s each, staggered; figures are medians "
        f"over {results['repeats']} repeat(s); the load average of each run (1 min, at its end) is in the JSON.",
        "",
        "Latency is the walls' refresh callback from sending to the last byte (errors included); errors are "
        "non-2xx answers and client timeouts "
        f"({CLIENT_TIMEOUT_S} s). Database figures are per refresh window ({results['refresh_s']} s), deltas of "
        "pg_stat_database (transactions = commits + rollbacks, rows returned) and pg_stat_user_tables "
        "(sequential + index scans): pg_stat_statements is not loaded on this server "
        "(`shared_preload_libraries` is empty) and the shared server is not restarted for it.",
        "",
        "| cache | walls | answers/s | p50 ms | p95 ms | max ms | errors | cold ms | /health p95 ms "
        "| transactions/window | table scans/window | rows returned/window | server CPU ms/refresh |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["summary"]:
        errors = ", ".join(f"{k}: {v}" for k, v in row["errors"].items()) or "0"
        lines.append(f"| {row['cache']} | {row['walls']} | {row['answers_per_s']} | {row['p50_ms']} | "
                     f"{row['p95_ms']} | {row['max_ms']} | {errors} | {row['cold_ms']} | {row['health_p95_ms']} | "
                     f"{row['transactions_per_window']} | {row['table_scans_per_window']} | "
                     f"{row['rows_returned_per_window']} | {row['cpu_ms_per_answer']} |")
    lines += ["", f"## The storm ({LORIS_CLIENTS} slow-loris clients and {len(PDF_VIEWS)} PDF exports, "
              "from halfway through the highest level)", "",
              "CPU seconds in each half: the web processes', the export process's (its Chromium included), and "
              "the share of the machine's two cores busy (everyone's work: PostgreSQL, nginx, this client, other "
              "sessions).", "",
              "| cache | repeat | load | walls before: p50 / p95 ms, errors | walls during: p50 / p95 ms, errors "
              "| CPU s before: web, export, machine busy | CPU s during: web, export, machine busy "
              "| PDF exports (ms, status) | slow-loris connections |", "|---|---:|---:|---|---|---|---|---|---|"]
    for run in (r for r in results["runs"] if "during_storm" in r):
        b, g = run["before_storm"], run["during_storm"]
        pdfs = ", ".join(f"{e['ms']} ({e['outcome']})" for e in sorted(run["pdf_exports"], key=lambda e: e["ms"]))
        lines.append(f"| {run['cache']} | {run['repeat']} | {run['load_average_1min']} | "
                     f"{b['p50_ms']} / {b['p95_ms']}, {b['errors']} | {g['p50_ms']} / {g['p95_ms']}, {g['errors']} | "
                     f"{_cpu(b['cpu'])} | {_cpu(g['cpu'])} | {pdfs} | {run['loris']} |")
    lines += ["", f"Every run's figures: [{results['json_name']}]({results['json_name']}).", ""]
    return "\n".join(lines)


def _cpu(usage: dict) -> str:
    return f"{usage['web_cpu_s']}, {usage['export_cpu_s']}, {round(usage['machine_busy_share'] * 100)} %"


def nginx_version() -> str:
    done = subprocess.run([NGINX, "-v"], capture_output=True, text=True)
    return done.stderr.strip().removeprefix("nginx version: ")


def commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + ("+changes" if dirty else "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="gusu", choices=("tiny", "gusu", "chengdu"))
    parser.add_argument("--database", help="the city's PostgreSQL database (default i11_bench_<preset>)")
    parser.add_argument("--regenerate", action="store_true", help="make the city anew even if it is there")
    parser.add_argument("--levels", default="1,20,100", type=lambda s: [int(n) for n in s.split(",")])
    parser.add_argument("--seconds", default=60, type=float)
    parser.add_argument("--refresh", default=5, type=int)
    parser.add_argument("--repeats", default=1, type=int)
    parser.add_argument("--caches", default="memory,redis", type=lambda s: s.split(","))
    parser.add_argument("--web-processes", default=2, type=int, help="web gunicorns (onescreen-web@ units)")
    parser.add_argument("--web-workers", default=2, type=int)
    parser.add_argument("--web-threads", default=8, type=int)
    parser.add_argument("--export-processes", default=1, type=int,
                        help="export gunicorns (onescreen-export@ units); 0: /export/ goes to the web ones")
    parser.add_argument("--out", default=str(HERE / "walls_results"), help="results path without .md/.json")
    args = parser.parse_args(argv)
    database = args.database or f"i11_bench_{args.preset}"
    generated = ensure_city(args.preset, database, args.regenerate)
    reader_url = ensure_reader(database)
    load_before = round(os.getloadavg()[0], 2)
    started = datetime.now().isoformat(timespec="seconds")
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-walls-") as work:
        # nginx's workers run as nobody when started as root, and must reach their temporary files in here.
        Path(work).chmod(0o755)
        for repeat in range(args.repeats):
            for cache in args.caches:
                for walls in args.levels:
                    run = one_run(args, database, reader_url, cache, walls, Path(work))
                    run["repeat"] = repeat
                    runs.append(run)
                    w = run["walls_answers"]
                    print(f"{cache} {walls} walls: {w['answers_per_s']}/s p50 {w['p50_ms']} p95 {w['p95_ms']} "
                          f"max {w['max_ms']} {w['outcomes']} db {run['database_per_refresh_window']}",
                          file=sys.stderr, flush=True)
    out = Path(args.out)
    results = {
        "arguments": " ".join(argv if argv is not None else sys.argv[1:]), "started": started,
        "commit": commit(), "machine": machine(), "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2), "preset": args.preset, "database": database,
        "generated": generated, "refresh_s": args.refresh,
        "deployment": {"web_processes": args.web_processes, "web_workers": args.web_workers,
                       "web_threads": args.web_threads, "export_processes": args.export_processes,
                       "nginx": nginx_version()}, "seconds": args.seconds, "repeats": args.repeats,
        "json_name": out.with_suffix(".json").name, "runs": runs, "summary": medians(runs),
    }
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    out.with_suffix(".md").write_text(render(results))


if __name__ == "__main__":
    main()
