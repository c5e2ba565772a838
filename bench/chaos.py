"""Benchmark: a wall through six faults of the cluster, second by second (tests/chaos.py's scenario).

    python -m bench.chaos [--fault-s 60] [--only replica_frozen,host_killed] [--preset tiny]

Starts the cluster of tests/cluster.py (own PostgreSQL primary and replica,
own Redis, two gunicorn hosts reading the replica, nginx), opens the wall in
Debian's Chromium as a paired wall device, runs every fault in turn and
writes bench/chaos_results.md and .json: per fault what the wall showed, the
HTTP codes of /health and of the wall's refreshes, and how long after the
fault ended the wall was live again. tests/chaos_suite.py runs the same
scenario and asserts on it.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.harness import launch_chromium
from tests.chaos import FAULT_S, FAULTS, ONE_REFRESH_S, RECOVERY_LIMIT_S, REFRESH_S, WALL_PATH, Timeline, \
    run_all, write_json
from tests.cluster import HOST_SETTINGS, Cluster

RESULTS = Path(__file__).with_name("chaos_results.md")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{code} x{n}" for code, n in sorted(counts.items())) or "none"


def _range(values: list[int | None]) -> str:
    shown = [v for v in values if v is not None]
    if not shown:
        return "none"
    return f"{min(shown)}" if min(shown) == max(shown) else f"{min(shown)}-{max(shown)}"


def summary_row(timeline: Timeline) -> str:
    during = timeline.during()
    blank = sum(1 for s in timeline.samples if s.phase != "before" and (s.reported is None or not s.tiles))
    banner = sum(1 for s in during if s.notices)
    health = timeline.health_codes(0, timeline.fault_s)
    slowest = max((took for t, _, took in timeline.health if t >= 0), default=0.0)
    recovery = "not within %.0f s" % RECOVERY_LIMIT_S if timeline.recovery_s is None else f"{timeline.recovery_s} s"
    return (f"| {timeline.fault} | {'no' if timeline.data_unreachable else 'yes'} | {_range([s.reported for s in during])}"
            f" | {blank} | {banner} of {len(during)} | {_counts(health)} | {slowest:.2f} s | "
            f"{_counts(timeline.refresh_codes('fault'))} | {timeline.end_took_s} s | {recovery} |")


def timeline_rows(timeline: Timeline) -> list[str]:
    """Runs of samples in the same state (phase, notice or not, badge, /health code), one row each."""
    rows, run = [], []

    def state(sample):
        return sample.phase, bool(sample.notices), sample.badge, sample.health

    def flush():
        if not run:
            return
        first, last = run[0], run[-1]
        codes: dict[str, int] = {}
        for sample in run:
            for code in sample.refreshes:
                codes[code] = codes.get(code, 0) + 1
        notice = (first.notices[0][:60] + "...") if first.notices else ""
        slowest = max((s.health_s or 0.0) for s in run)
        rows.append(f"| {first.t:+.0f} to {last.t:+.0f} s | {first.phase} | {_range([s.reported for s in run])} | "
                    f"{notice} | {first.badge} | {first.health} (slowest {slowest:.2f} s) | {_counts(codes)} |")

    for sample in timeline.samples:
        if run and state(sample) != state(run[-1]):
            flush()
            run = []
        run.append(sample)
    flush()
    return rows


def write_markdown(timelines: list[Timeline], path: Path, about: dict) -> None:
    lines = [
        "# Chaos: a wall through six faults of the cluster (bench/chaos.py)",
        "",
        f"Machine: {about['machine']}; load average {about['load_start']} at the start, {about['load_end']} at the "
        "end (other sessions' work was running). Command: `python -m bench.chaos"
        f"{'' if about['fault_s'] == FAULT_S else ' --fault-s %g' % about['fault_s']}`.",
        "",
        f"Cluster (tests/cluster.py): PostgreSQL 15 primary + streaming replica (tests/pg_standby), the {about['preset']} "
        "demo city, the hosts reading the replica as docs/integration.md's read-only role; one Redis; two gunicorn "
        "hosts (2 workers x 4 threads) behind nginx (deploy/render.py). Host settings: defaults plus "
        f"{', '.join(f'{k}={v}' for k, v in HOST_SETTINGS.items())}. A ticket a second is written into the primary. "
        f"Start-up took {about['start_s']:.0f} s ({about['timings']}).",
        "",
        f"The wall: Chromium on `{WALL_PATH}` as a paired wall device, opened once; each fault lasts "
        f"{about['fault_s']:g} s. Sampled every ~1 s: its overview tiles (the count of tickets reported), its notices "
        "(the outage banner or the last-good-answer notice), the freshness badge, /health through nginx (code and "
        "seconds), and the HTTP codes of its callback responses. *Live again*: no notice, and a count larger than any "
        f"shown until the fault ended. One refresh plus connect timeout plus live window is {ONE_REFRESH_S:.0f} s "
        f"(refresh {REFRESH_S} s); the limit watched is {RECOVERY_LIMIT_S:.0f} s (that plus one breaker "
        "back-off and 15 s).",
        "",
        "| fault | data reachable | tickets shown during | blank samples | notice shown | /health during | "
        "slowest /health | refresh codes during | ending it took | live again after |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *[summary_row(t) for t in timelines],
        "",
    ]
    for timeline in timelines:
        lines += [
            f"## {timeline.fault}: {timeline.what}",
            "",
            f"Tickets written into the primary during the fault: {timeline.written_during} "
            f"({timeline.write_failures} writes failed). Time 0 is the fault's start; it ends at {timeline.fault_s:g} s.",
            "",
            "| time | phase | tickets shown | notice | badge | /health | refresh codes |",
            "|---|---|---|---|---|---|---|",
            *timeline_rows(timeline),
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--fault-s", type=float, default=FAULT_S)
    parser.add_argument("--only", help="comma-separated fault names: " + ", ".join(f.name for f in FAULTS))
    parser.add_argument("--preset", default="tiny", choices=("tiny", "gusu"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--logs", type=Path, help="copy the hosts', nginx's and Redis's logs into this folder")
    args = parser.parse_args(argv)
    faults = [f for f in FAULTS if not args.only or f.name in args.only.split(",")]
    about = {"machine": f"{platform.node()}, {os.cpu_count()} cores, {platform.platform()}", "load_start": _load(),
             "fault_s": args.fault_s, "preset": args.preset}
    started = time.monotonic()
    cluster = Cluster(preset=args.preset)
    try:
        cluster.start()
        about.update(start_s=time.monotonic() - started, timings=cluster.timings)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            timelines = run_all(cluster, browser, faults, args.fault_s, log=lambda line: print(line, flush=True))
            browser.close()
    finally:
        cluster.stop(keep_logs=args.logs)
    about["load_end"] = _load()
    write_json(timelines, args.out.with_suffix(".json"), **about)
    write_markdown(timelines, args.out, about)
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
