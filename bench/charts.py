"""Benchmark: how long a chart export and a whole-view report take, with the one long-lived renderer.

`python -m bench.charts [--url sqlite:///data/demo.sqlite] [--runs 3]` writes
bench/charts_results.md (and a JSON twin). Each request goes through the
Flask app, as a client's would: the view's own answer, the framing, kaleido
drawing in the process's Chromium. The renderer's start (the first export of
a process) is timed on its own; every other figure is the median of `--runs`
requests with the browser already running and OneScreen's result cache warm,
so it measures drawing, not the database.
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

from app import create_app
from config import DEMO_DATABASE, load_settings
from exports.panels import VIEWS
from exports.renderer import TABS

HERE = Path(__file__).resolve().parent
FORMATS = ("png", "svg", "pdf")


def timed(client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.data[:200]!r}")
    return elapsed, len(response.data)


def median_of(client, path: str, runs: int) -> dict:
    results = [timed(client, path) for _ in range(runs)]
    seconds = [s for s, _ in results]
    return {"path": path, "median_s": statistics.median(seconds), "max_s": max(seconds), "bytes": results[-1][1]}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal")))
    chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} cores, {memory_kb / 2**20:.1f} GiB; Python {platform.python_version()}; "
            f"{chromium or 'Chromium (version unknown)'}")


def run(url: str, runs: int) -> dict:
    app = create_app(replace(load_settings(), database_url=url, cache_redis_url=None))
    client = app.server.test_client()
    started = time.perf_counter()
    timed(client, "/export/overview/trend.png")
    first_export = time.perf_counter() - started
    cards = [
        {"view": view.name, "card": panel.name, "format": fmt,
         **median_of(client, f"/export/{view.name}/{panel.name}.{fmt}", runs)}
        for view in VIEWS.values() for panel in view.panels for fmt in FORMATS
    ]
    reports = [
        {"view": view, "format": fmt, "pages": len(VIEWS[view].panels) + 2 if fmt == "pdf" else None,
         **median_of(client, f"/export/{view}.{fmt}", runs)}
        for view in VIEWS for fmt in ("pdf", "xlsx")
    ]
    return {"first_export_s": first_export, "cards": cards, "reports": reports}


def write_results(result: dict, url: str, runs: int, load: float, started: datetime) -> None:
    by_format = {fmt: [c["median_s"] for c in result["cards"] if c["format"] == fmt] for fmt in FORMATS}
    lines = [
        "# OneScreen chart export benchmark results",
        "",
        f"Machine: {machine()}. Run {started.isoformat(timespec='seconds')} with "
        f"`python -m bench.charts --url {url} --runs {runs}`; 1-minute load average at start: {load:.2f}.",
        "",
        "Every request goes through the Flask app (the view's answer, the framing, kaleido drawing in the "
        f"process's one Chromium with {TABS} tabs). The first export of a process starts the browser: "
        f"**{result['first_export_s']:.1f} s**. Every other figure is the median of {runs} requests with the "
        "browser running and the result cache warm (the slowest in brackets).",
        "",
        "## One card",
        "",
        "| format | cards | median of the medians s | slowest card s |",
        "|---|---:|---:|---:|",
        *[f"| {fmt.upper()} | {len(times)} | {statistics.median(times):.2f} | {max(times):.2f} |"
          for fmt, times in by_format.items()],
        "",
        "| view | card | format | seconds | KB |",
        "|---|---|---|---:|---:|",
        *[f"| {c['view']} | {c['card']} | {c['format']} | {c['median_s']:.2f} ({c['max_s']:.2f}) | "
          f"{c['bytes'] / 1024:.0f} |" for c in result["cards"]],
        "",
        "## Whole-view reports",
        "",
        "| view | format | pages | seconds | KB |",
        "|---|---|---:|---:|---:|",
        *[f"| {r['view']} | {r['format']} | {r['pages'] or ''} | {r['median_s']:.2f} ({r['max_s']:.2f}) | "
          f"{r['bytes'] / 1024:.0f} |" for r in result["reports"]],
        "",
    ]
    (HERE / "charts_results.md").write_text("\n".join(lines), encoding="utf-8")
    (HERE / "charts_results.json").write_text(json.dumps(
        {"machine": machine(), "started": started.isoformat(), "url": url, "runs": runs, "load": load, **result},
        indent=2, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"sqlite:///{DEMO_DATABASE}", help="a contract database (the demo city)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started, load = datetime.now(), os.getloadavg()[0]
    result = run(args.url, args.runs)
    write_results(result, args.url, args.runs, load, started)
    print((HERE / "charts_results.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
