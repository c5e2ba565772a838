"""Benchmark: the server CPU of one wall refresh with its data cached, built anew against served ready-made.

`python -m bench.wall_refresh --url sqlite:////tmp/gusu.sqlite [--runs 30]` writes
bench/wall_refresh_results.md. Every refresh is the real callback, POSTed through
Dash's endpoint as a signed-in wall browser does (guard, Dash serialization and
compression included). "Built anew" is the refresh before ready-made answers:
the data answers are cached, but tiles and figures are built every time.
"Ready-made" is the same refresh served from the ready-made answer. Figures
are CPU seconds of this process (time.process_time), median of `--runs`.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from app import create_app
from bench.charts import machine
from callbacks import wall
from components import ids
from config import load_settings
from tests.support import signed_in
from tests.test_app_shell import call_callback, output_key

HERE = Path(__file__).resolve().parent
WALLS = ("", "?views=overview", "?views=crowd", "?views=tickets,closure")


def cpu_ms(client, app, search: str, runs: int) -> tuple[float, int]:
    spent, size = [], 0
    for _ in range(runs):
        started = time.process_time()
        response = call_callback(client, app, output_key(app, ids.WALL_TITLE),
                                 {(ids.WALL_REFRESH, "n_intervals"): 1, (ids.WALL_VIEWPORT, "data"): {"font_px": 18}},
                                 {(ids.URL, "search"): search})
        spent.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{search}: {response.status_code}")
        size = len(response.data)
    return statistics.median(spent), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    settings = replace(load_settings(), database_url=args.url, cache_redis_url=None, refresher=False,
                       app_database_url="sqlite://", frozen_now=datetime(2026, 11, 22, 9, 30),
                       live_cache_seconds=3600)  # one window for the whole run: only the building differs
    app = create_app(settings)
    client = signed_in(app)
    started, load = datetime.now(), os.getloadavg()
    rows = []
    building = wall.ready_made
    for search in WALLS:
        cpu_ms(client, app, search, 1)  # the data answers cached, and the ready-made one
        wall.ready_made = lambda db, kind, scope, shown_as, build: build()  # as before: built every refresh
        anew, _ = cpu_ms(client, app, search, args.runs)
        wall.ready_made = building
        ready, size = cpu_ms(client, app, search, args.runs)
        rows.append((search or "(every view)", anew, ready, size))
    lines = [
        "# Wall refresh: server CPU per refresh, data cached (`python -m bench.wall_refresh`)",
        "",
        f"Machine: {machine()}. Run {started.isoformat(timespec='seconds')}, load average "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (other sessions share the machine). Database: the gusu "
        f"demo city on SQLite, in-process cache. Median of {args.runs} refreshes through Dash's endpoint, "
        "CPU ms of the serving process.",
        "",
        "| wall (`?views=`) | built anew (ms CPU) | ready-made (ms CPU) | answer (bytes) |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {anew:.1f} | {ready:.1f} | {size} |" for name, anew, ready, size in rows),
        "",
    ]
    (HERE / "wall_refresh_results.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
