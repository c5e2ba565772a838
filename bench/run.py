"""Benchmark: demo generation per preset and database, and the API's indicator queries cold and warm.

`python -m bench.run [--presets gusu,chengdu] [--databases sqlite,postgresql] [--reuse]`
writes bench/results.md (and a JSON twin) describing the machine it ran on.

"Cold" means OneScreen's result cache is empty, so the database answers; the
database's own buffer cache is whatever the previous query left (each cold
figure is the median of several runs with the result cache cleared between
them, so it measures the query, not the disk). "Warm" is a repeat of the
same request served from the result cache. Every figure goes through the
Flask API (routing, scope parsing, area lookup, JSON), as a client sees it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import load_settings
from data_access.database import Database
from demo.generate import generate
from tests.support import api_server, api_token

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "bench"
POSTGRES_ADMIN = os.environ.get("ONESCREEN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUESTS = [
    "/api/v1/kpis",
    "/api/v1/breakdown?by=area",
    "/api/v1/breakdown?by=source",
    "/api/v1/breakdown?by=category",
    "/api/v1/breakdown?by=dept",
    "/api/v1/breakdown?by=day",
    "/api/v1/backlog?by=age",
    "/api/v1/backlog?by=area",
]
COLD_RUNS = 5
WARM_RUNS = 20


def database_url(dialect: str, preset: str) -> str:
    if dialect == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'{preset}.sqlite'}"
    return make_url(POSTGRES_ADMIN).set(database=f"onescreen_bench_{preset}").render_as_string(hide_password=False)


def ensure_database(dialect: str, preset: str, reuse: bool) -> tuple[str, dict | None]:
    """The benchmark city's URL, generated unless `reuse` and it is already there."""
    url = database_url(dialect, preset)
    if dialect == "postgresql":
        admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        name = make_url(url).database
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not (reuse and exists):
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
                conn.execute(text(f"CREATE DATABASE {name}"))
                exists = None
        admin.dispose()
        if reuse and exists:
            return url, None
    elif reuse and Path(make_url(url).database).exists():
        return url, None
    return url, generate(url, preset=preset, seed=42)


def api_client(url: str):
    """The API on `url` behind the app's guard, and a test client holding an analyst's token for every area."""
    # The bench makes its PostgreSQL city as the superuser and reads it as such: allowed here, refused in production.
    settings = replace(load_settings(), database_url=url, cache_redis_url=None, allow_writable_role=True)
    db = Database.from_settings(settings)
    server = api_server(db)
    client = server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(server)}"
    client.get("/health")  # connects and inspects the schema once, as a running server would have
    return db, client


def time_requests(url: str) -> list[dict]:
    db, client = api_client(url)
    # A fixed as_of makes every run ask the same question and the cache key stable.
    as_of = client.get("/api/v1/kpis").get_json()["as_of"]
    rows = []
    for path in REQUESTS:
        full = f"{path}{'&' if '?' in path else '?'}as_of={as_of}"
        cold = []
        for _ in range(COLD_RUNS):
            db.cache.clear()
            cold.append(timed_get(client, full))
        warm = [timed_get(client, full) for _ in range(WARM_RUNS)]
        rows.append({"request": path, "cold_ms": statistics.median(cold), "cold_max_ms": max(cold),
                     "warm_ms": statistics.median(warm)})
    db.engine.dispose()
    return rows


def timed_get(client, path: str) -> float:
    """Milliseconds `client` took to GET `path`; anything but 200 is an error, not a figure."""
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    return elapsed


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))

    def version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "n/a"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "postgresql": version(["psql", "--version"]),
        "date": datetime.now().isoformat(timespec="seconds"),
        # Other work on the machine slows cold queries; the load says how much there was.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# OneScreen benchmark results",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, "
        f"SQLite {m['sqlite']}, {m['postgresql']}. Run {m['date']} with `make bench` "
        f"(`python -m bench.run {results['arguments']}`); 1-minute load average at start: "
        f"{m['load_average_1min']}.",
        "",
        "## Demo generation",
        "",
        "| preset | database | tickets | seconds |",
        "|---|---|---:|---:|",
    ]
    for run in results["runs"]:
        g = run.get("generation")
        if g:
            lines.append(f"| {run['preset']} | {run['database']} | {g['rows']['ticket']:,} "
                         f"| {g['total_seconds']:.1f} |")
        else:
            lines.append(f"| {run['preset']} | {run['database']} | (reused) | – |")
    lines += ["", "## API indicator queries (city-wide scope, last 30 days)", "",
              "Cold: OneScreen's result cache empty, median of "
              f"{COLD_RUNS} (max in brackets). Warm: served from the result cache, median of {WARM_RUNS}.", "",
              "| preset | database | request | cold ms | warm ms |", "|---|---|---|---:|---:|"]
    for run in results["runs"]:
        for q in run["queries"]:
            lines.append(f"| {run['preset']} | {run['database']} | `{q['request']}` | "
                         f"{q['cold_ms']:.1f} ({q['cold_max_ms']:.1f}) | {q['warm_ms']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="gusu,chengdu")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--reuse", action="store_true", help="reuse benchmark databases generated before")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    args = parser.parse_args()
    results = {"machine": machine(), "arguments": " ".join(
        f"--{k} {v}" for k, v in (("presets", args.presets), ("databases", args.databases))), "runs": []}
    for preset in args.presets.split(","):
        for dialect in args.databases.split(","):
            print(f"{preset} on {dialect}: generating…", flush=True)
            url, generation = ensure_database(dialect, preset, args.reuse)
            took = f"generated in {generation['total_seconds']} s" if generation else "reused"
            print(f"{preset} on {dialect}: {took}; timing queries…", flush=True)
            results["runs"].append({"preset": preset, "database": dialect, "generation": generation,
                                    "queries": time_requests(url)})
            Path(args.out).write_text(render(results))
            Path(args.out).with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
