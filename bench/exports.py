"""Benchmark: exporting a city's 200,000-ticket backlog as CSV and XLSX: time, and the server's peak memory.

`python -m bench.exports [--reuse] [--runs 3]` writes bench/exports_results.md
(and a JSON twin) describing the machine it ran on.

The city is the chengdu preset (data/bench/chengdu.sqlite, the file
bench/run.py generates; generated here if missing). The demo closes nearly
every ticket, so its backlog is about 5,000; the benchmark works on a copy,
data/bench/chengdu-backlog.sqlite, in which the oldest closed tickets are
reopened until the city-wide backlog is BACKLOG_ROWS. The original is only
read. `--reuse` keeps a copy made by an earlier run.

Every export is measured on the server as deployed: gunicorn, one worker,
two threads, started afresh for each measurement so that the worker's peak
resident set (VmHWM in /proc/<pid>/status, kept by the kernel) belongs to
that one export. Before the export the worker answers /health, /api/v1/kpis
and a small export of the same format, so the baseline already holds what
any first export loads once (modules, the connection, the catalogue); the
export is then read by a streaming HTTP client that counts the bytes and
throws them away. A thread also samples the worker's VmRSS every 20 ms: the
kernel updates VmHWM lazily, so the peak is the larger of the two.

To see whether memory grows with the rows, smaller exports of the same
database are measured too. An area takes one code and no district comes near
100,000 tickets, so the smaller row counts come from `source=`, which takes
a list: the subset of sources whose backlog adds up closest to each of
SMALLER_ROWS.

The servers run with ONESCREEN_STATEMENT_TIMEOUT raised to gunicorn's
request timeout, so that the figures are the export's own, whatever bounds a
statement. The benchmark ends by trying the city-wide exports at the deployed
default, the CSV also over a slow link, and reports what came back: a bound
that covered reading the rows while the file is written would cut a long
export, or a slow client's.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from typing import Iterator, NamedTuple
from unittest.mock import patch

from bench.run import machine
from bench.serving import gunicorn
from config import load_settings
from deploy.local import web_environment

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT / "data" / "bench"
CHENGDU = DATA / "chengdu.sqlite"
BACKLOG_COPY = DATA / "chengdu-backlog.sqlite"
# What was done to the copy, so that a run with --reuse can still say it.
BACKLOG_NOTE = BACKLOG_COPY.with_suffix(".json")
SERVER_LOG = DATA / "exports-server.log"
GENERATE_COMMAND = f"python -m demo.generate --preset chengdu --seed 42 --url sqlite:///{CHENGDU.relative_to(ROOT)}"

BACKLOG_ROWS = 200_000
SMALLER_ROWS = (25_000, 50_000, 100_000)
FORMATS = ("csv", "xlsx")
RUNS = 3
SAMPLE_SECONDS = 0.02
# As long as gunicorn lets a request run (--timeout 600); the deployed default is tried by check_deployed_timeout.
MEASURED_STATEMENT_TIMEOUT_S = 600
READ_BYTES = 64 * 1024
SLOW_LINK_BYTES_PER_SECOND = 1_000_000  # 8 Mbit/s
MIB = 1024 * 1024

# SCHEMA.md's backlog (data_access.indicators.in_backlog) in SQLite's own terms.
BACKLOG_SQL = """
    SELECT count(*) FROM ticket
    WHERE reported_at <= :as_of AND status != 'cancelled' AND (closed_at IS NULL OR closed_at > :as_of)
"""
# The oldest tickets closed by as_of: reopening one adds exactly one ticket to the backlog at as_of.
TO_REOPEN_SQL = """
    SELECT ticket_id FROM ticket
    WHERE closed_at IS NOT NULL AND closed_at <= :as_of AND status != 'cancelled'
    ORDER BY ticket_id LIMIT :n
"""
REOPEN_SQL = f"UPDATE ticket SET closed_at = NULL, status = 'dispatched' WHERE ticket_id IN ({TO_REOPEN_SQL})"


# The database


def ensure_chengdu() -> dict | None:
    """Generate the chengdu city if it is missing (as bench/run.py would); the generation summary, or None."""
    if CHENGDU.exists():
        return None
    from demo.generate import generate

    print(f"{CHENGDU} is missing; generating it ({GENERATE_COMMAND})…", flush=True)
    DATA.mkdir(parents=True, exist_ok=True)
    return generate(f"sqlite:///{CHENGDU}", preset="chengdu", seed=42)


def prepare_backlog_copy(reuse: bool) -> dict:
    """The copy with a BACKLOG_ROWS backlog (made, or reused), and what was done to it."""
    if reuse and BACKLOG_COPY.exists() and BACKLOG_NOTE.exists():
        return {**json.loads(BACKLOG_NOTE.read_text()), "reused": True}
    generation = ensure_chengdu()
    # The note goes first and comes back last, so a copy left half made is never reused.
    for stale in (BACKLOG_NOTE, BACKLOG_COPY, Path(f"{BACKLOG_COPY}-wal"), Path(f"{BACKLOG_COPY}-shm")):
        stale.unlink(missing_ok=True)
    _check_disk_space()
    started = time.perf_counter()
    # The backup API reads a consistent snapshot, WAL included, through a read-only connection.
    with closing(sqlite3.connect(f"file:{CHENGDU}?mode=ro", uri=True)) as source, \
            closing(sqlite3.connect(BACKLOG_COPY)) as copy:
        source.backup(copy)
    copy_seconds = time.perf_counter() - started
    with closing(sqlite3.connect(BACKLOG_COPY)) as copy:
        # The newest ticket is the moment the city was generated: the clock every measurement uses.
        as_of = copy.execute("SELECT max(reported_at) FROM ticket").fetchone()[0]
        tickets = copy.execute("SELECT count(*) FROM ticket").fetchone()[0]
        before = copy.execute(BACKLOG_SQL, {"as_of": as_of}).fetchone()[0]
        chosen = {"as_of": as_of, "n": max(0, BACKLOG_ROWS - before)}
        reopened_span = copy.execute(
            f"SELECT min(reported_at), max(reported_at) FROM ticket WHERE ticket_id IN ({TO_REOPEN_SQL})", chosen
        ).fetchone()
        reopened = copy.execute(REOPEN_SQL, chosen).rowcount
        copy.commit()
        # Statistics that describe the copy as it now is, as a real database's would.
        copy.execute("ANALYZE")
        copy.commit()
        after = copy.execute(BACKLOG_SQL, {"as_of": as_of}).fetchone()[0]
        copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    note = {
        "source": str(CHENGDU.relative_to(ROOT)), "copy": str(BACKLOG_COPY.relative_to(ROOT)),
        "generated": generation is not None, "generate_command": GENERATE_COMMAND,
        "generation_seconds": generation and generation["total_seconds"],
        "tickets": tickets, "as_of": as_of.replace(" ", "T"), "backlog_before": before,
        "reopened": reopened, "reopened_reported_between": list(reopened_span), "backlog_after": after,
        "copy_seconds": round(copy_seconds, 1), "reopen_sql": " ".join(REOPEN_SQL.split()),
    }
    BACKLOG_NOTE.write_text(json.dumps(note, indent=2))
    return {**note, "reused": False}


def _check_disk_space() -> None:
    needed = CHENGDU.stat().st_size * 1.5  # the copy, and the WAL of the update
    free = shutil.disk_usage(DATA).free
    if free < needed:
        sys.exit(f"{DATA} has {free / 2**30:.1f} GiB free; the copy of {CHENGDU.name} needs {needed / 2**30:.1f}")


# The server


class Server(NamedTuple):
    port: int
    worker_pid: int


@contextmanager
def serving(database: Path, as_of: str, statement_timeout_s: float | None = MEASURED_STATEMENT_TIMEOUT_S
            ) -> Iterator[Server]:
    """A gunicorn as deployed (one worker, two threads) over `database` with its clock at `as_of`; stopped after.

    `statement_timeout_s` None leaves ONESCREEN_STATEMENT_TIMEOUT at its default.
    """
    timeout = {} if statement_timeout_s is None else {"ONESCREEN_STATEMENT_TIMEOUT": str(statement_timeout_s)}
    env = web_environment(f"sqlite:///{database}", None, ONESCREEN_NOW=as_of, **timeout)
    # gunicorn's own --timeout as long as a measured export may take.
    with gunicorn(env, SERVER_LOG, workers=1, threads=2, timeout_s=600) as served:
        workers = served.workers()
        if len(workers) != 1:
            raise RuntimeError(f"gunicorn {served.master.pid} has {len(workers)} workers, expected 1")
        yield Server(served.port, workers[0])


def get_json(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=600) as response:
        return json.load(response)


# Memory


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (resident now), VmHWM (the peak resident so far) and RssAnon of `pid`, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


class RssSampler:
    """The largest VmRSS of `pid` seen while the `with` block runs, read every SAMPLE_SECONDS."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, memory_mib(self.pid)["VmRSS"])
            self._stop.wait(SAMPLE_SECONDS)


# One export


class Fetched(NamedTuple):
    bytes: int
    newlines: int
    seconds: float
    first_byte_seconds: float


class ExportRefused(RuntimeError):
    """The server answered an export with an error status instead of the file."""

    def __init__(self, path: str, status: int, body: str):
        super().__init__(f"{path}: {status} {body}")
        self.status, self.body = status, body


class ExportCut(RuntimeError):
    """The file began (status 200), then the connection broke before its end."""

    def __init__(self, path: str, received: int, error: Exception):
        super().__init__(f"{path}: cut after {received:,} bytes: {type(error).__name__}")
        self.received, self.error = received, error


def fetch(port: int, path: str, sink=None, bytes_per_second: float | None = None) -> Fetched:
    """GET `path` reading READ_BYTES at a time: bytes counted (newlines too), written to `sink` or dropped.

    `bytes_per_second` reads no faster than that, as over a slow link.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    started = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200:
            raise ExportRefused(path, response.status, response.read(300).decode("utf-8", "replace").strip())
        size = newlines = 0
        first_byte = None
        try:
            while chunk := response.read(READ_BYTES):
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                size += len(chunk)
                newlines += chunk.count(b"\n")
                if sink is not None:
                    sink.write(chunk)
                if bytes_per_second:
                    time.sleep(max(0.0, size / bytes_per_second - (time.perf_counter() - started)))
        except (http.client.HTTPException, OSError) as error:
            raise ExportCut(path, size, error) from error
        return Fetched(size, newlines, time.perf_counter() - started, first_byte or 0.0)
    finally:
        connection.close()


def xlsx_data_rows(path: Path) -> int:
    """Rows of the workbook's first sheet below its header, counted in the XML as it unzips."""
    marker, carry, rows = b"<row ", b"", 0
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(MIB):
            # A marker cut by the chunk boundary is found in carry + chunk; one wholly in carry cannot be.
            rows += (carry + chunk).count(marker)
            carry = chunk[-(len(marker) - 1):]
    return rows - 1


class ExportScope(NamedTuple):
    label: str
    query: str  # the URL's scope parameters, as_of included
    rows: int  # the backlog /api/v1/kpis counts for it: what the file must hold


def measure(database: Path, as_of: str, fmt: str, scope: ExportScope, warm_up: str) -> dict:
    """One export of the backlog list in `fmt` for `scope`, on a fresh server: time, size, rows, memory."""
    path = f"/export/backlog.{fmt}?{scope.query}"
    with serving(database, as_of) as server, tempfile.TemporaryDirectory() as tmp:
        get_json(server.port, "/health")
        kpis = get_json(server.port, f"/api/v1/kpis?{scope.query}")
        fetch(server.port, f"/export/backlog.{fmt}?{warm_up}")
        before = memory_mib(server.worker_pid)
        # The workbook is kept to count its rows; the CSV's rows are its newlines, counted as they pass.
        saved = Path(tmp) / f"backlog.{fmt}"
        with (saved.open("wb") if fmt == "xlsx" else nullcontext()) as sink, RssSampler(server.worker_pid) as sampler:
            fetched = fetch(server.port, path, sink)
        after = memory_mib(server.worker_pid)
        rows = fetched.newlines - 1 if fmt == "csv" else xlsx_data_rows(saved)
    if rows != kpis["backlog"]:
        raise RuntimeError(f"{path}: {rows} rows, but /api/v1/kpis counts a backlog of {kpis['backlog']}")
    # The kernel updates VmHWM lazily, so a sample can catch a little more: the peak is the larger.
    peak = max(after["VmHWM"], sampler.peak_mib)
    return {
        "format": fmt, "scope": scope.label, "path": path, "rows": rows, "bytes": fetched.bytes,
        "seconds": fetched.seconds, "first_byte_seconds": fetched.first_byte_seconds,
        "baseline_rss_mib": before["VmRSS"], "baseline_hwm_mib": before["VmHWM"],
        "hwm_after_mib": after["VmHWM"], "sampled_peak_rss_mib": sampler.peak_mib, "peak_rss_mib": peak,
        "growth_mib": peak - before["VmRSS"], "rss_after_mib": after["VmRSS"], "rss_anon_after_mib": after["RssAnon"],
    }


def check_deployed_timeout(database: Path, as_of: str, scope: ExportScope) -> list[dict]:
    """The `scope` export with ONESCREEN_STATEMENT_TIMEOUT at its default: the file, or what came instead.

    Each format read as fast as the client can, and the CSV once more over a slow link, as an
    analyst away from the data centre would download it.
    """
    outcomes = []
    for fmt, rate in [*((fmt, None) for fmt in FORMATS), ("csv", SLOW_LINK_BYTES_PER_SECOND)]:
        path = f"/export/backlog.{fmt}?{scope.query}"
        log_from = SERVER_LOG.stat().st_size if SERVER_LOG.exists() else 0
        with serving(database, as_of, statement_timeout_s=None) as server:
            started = time.perf_counter()
            try:
                fetched = fetch(server.port, path, bytes_per_second=rate)
                outcome = {"status": 200, "complete": True, "bytes": fetched.bytes}
                if fmt == "csv":
                    outcome["rows"] = fetched.newlines - 1
            except ExportRefused as refused:
                outcome = {"status": refused.status, "complete": False, "answer": refused.body}
            except ExportCut as cut:
                outcome = {"status": 200, "complete": False, "received": cut.received,
                           "answer": f"{type(cut.error).__name__}"}
            seconds = time.perf_counter() - started
        outcomes.append({"format": fmt, "path": path, "client_bytes_per_second": rate, "seconds": seconds, **outcome,
                         "server_log": _logged_errors(SERVER_LOG.read_bytes()[log_from:].decode("utf-8", "replace"))})
    return outcomes


def _logged_errors(log: str) -> list[str]:
    """The exceptions a server logged, once each: traceback ends and OneScreen's own error lines."""
    lines = [line.strip() for line in log.splitlines()]
    # gunicorn's own "[...] [ERROR] Error handling request" and SQLAlchemy's link say nothing of the cause.
    errors = [line for line in lines if "Error" in line and not line.startswith(("[", "(Background", "File "))]
    return list(dict.fromkeys(errors))


# What to export


class Plan(NamedTuple):
    scopes: list[ExportScope]  # smaller subsets of sources, then the whole city
    warm_up: str  # the scope of the small export every worker makes first
    city_backlog: int
    largest_district: dict  # why areas cannot give the smaller row counts


def plan_scopes(database: Path, as_of: str) -> Plan:
    """What to export, asked of the server itself (/api/v1/kpis and /api/v1/backlog).

    as_of is in every query: without it a frozen clock is still rounded to the
    live cache's granularity (15 s), which moves a few tickets in or out.
    """
    when = f"as_of={as_of}"
    with serving(database, as_of) as server:
        city = get_json(server.port, f"/api/v1/kpis?{when}")
        by_source = {row["key"]: row["backlog"]
                     for row in get_json(server.port, f"/api/v1/backlog?by=source&{when}")["rows"]}
        districts = get_json(server.port, f"/api/v1/backlog?by=area&area={city['area']}&{when}")["rows"]
        warm_up = _smallest_street(server.port, city["area"], when)
    scopes = [_closest_sources(by_source, target, when) for target in SMALLER_ROWS]
    scopes.append(ExportScope(f"area={city['area']} (whole city)", f"area={city['area']}&{when}", city["backlog"]))
    largest = max(districts, key=lambda r: r["backlog"])
    return Plan(scopes, f"area={warm_up}&{when}", city["backlog"],
                {"key": largest["key"], "name": largest["name"], "backlog": largest["backlog"]})


def _closest_sources(by_source: dict[str, int], target: int, when: str) -> ExportScope:
    """The proper subset of sources whose backlogs add up closest to `target`."""
    names = sorted(by_source)
    subsets = [c for k in range(1, len(names)) for c in itertools.combinations(names, k)]
    best = min(subsets, key=lambda c: (abs(sum(by_source[s] for s in c) - target), c))
    return ExportScope(f"source={','.join(best)}", f"source={','.join(best)}&{when}", sum(by_source[s] for s in best))


def _smallest_street(port: int, root: str, when: str) -> str:
    """A street with a backlog, the smallest: its export warms a worker up without costing much."""
    area = root
    for _ in range(2):  # city → district → street
        rows = get_json(port, f"/api/v1/backlog?by=area&area={area}&{when}")["rows"]
        area = min((r for r in rows if r["backlog"] > 0), key=lambda r: (r["backlog"], r["key"]))["key"]
    return area


# Results


def summarise(measurements: list[dict]) -> list[dict]:
    """One row per (format, scope), in the order first measured: time the median of the runs, memory the largest."""
    by_export: dict[tuple[str, str], list[dict]] = {}
    for m in measurements:
        by_export.setdefault((m["format"], m["scope"]), []).append(m)
    rows = []
    for (fmt, scope), runs in by_export.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        rows.append({
            "format": fmt, "scope": scope, "path": runs[0]["path"], "runs": len(runs),
            "rows": runs[0]["rows"], "bytes": runs[0]["bytes"], "seconds": seconds,
            "first_byte_seconds": statistics.median(r["first_byte_seconds"] for r in runs),
            "rows_per_second": runs[0]["rows"] / seconds,
            "baseline_rss_mib": max(r["baseline_rss_mib"] for r in runs),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "slowest_seconds": max(r["seconds"] for r in runs),
            "hwm_sample_gap_mib": max(abs(r["hwm_after_mib"] - r["sampled_peak_rss_mib"]) for r in runs),
            "growth_mib": max(r["growth_mib"] for r in runs),
        })
    return rows


def memory_trend(summary: list[dict], fmt: str) -> dict:
    """How the peak's growth over the baseline moves with the rows: its range, and a least-squares slope."""
    rows = [r for r in summary if r["format"] == fmt]
    slope, _ = statistics.linear_regression([r["rows"] for r in rows], [r["growth_mib"] for r in rows])
    return {"format": fmt, "exports": len(rows),
            "fewest_rows": min(r["rows"] for r in rows), "most_rows": max(r["rows"] for r in rows),
            "peak_min_mib": min(r["peak_rss_mib"] for r in rows), "peak_max_mib": max(r["peak_rss_mib"] for r in rows),
            "growth_min_mib": min(r["growth_mib"] for r in rows), "growth_max_mib": max(r["growth_mib"] for r in rows),
            "mib_per_100k_rows": slope * 100_000}


def render(results: dict, json_name: str) -> str:
    m, db, big = results["machine"], results["database"], results["largest_district"]
    lines = [
        "# OneScreen export benchmark results",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, "
        f"SQLite {m['sqlite']}. Run {m['date']} with `python -m bench.exports {results['arguments']}`"
        f"; 1-minute load average at start: {m['load_average_1min']}.",
        "",
        "## The database",
        "",
        f"`{db['copy']}`, a copy of `{db['source']}` (the chengdu preset, {db['tickets']:,} tickets, "
        + (f"generated by this benchmark in {db['generation_seconds']:.0f} s with " if db["generated"]
           else "generated earlier with ")
        + f"`{db['generate_command']}`; "
        + ("the copy was reused from an earlier run" if db["reused"] else f"copied in {db['copy_seconds']} s")
        + ").",
        "",
        f"The demo closes nearly every ticket: at as_of {db['as_of']} (the newest ticket, and the servers' "
        f"`ONESCREEN_NOW`) the city-wide backlog was {db['backlog_before']:,}. An export benchmark needs a big "
        f"backlog, so in the copy only, the {db['reopened']:,} oldest closed, not cancelled tickets "
        f"(reported {db['reopened_reported_between'][0]} to {db['reopened_reported_between'][1]}) were "
        "reopened: `closed_at` set to NULL and `status` to `dispatched`; every other column is as generated. "
        f"Then `ANALYZE` refreshed the copy's statistics. The statement:",
        "",
        f"```sql\n{db['reopen_sql']}\n```",
        "",
        f"The backlog is now {db['backlog_after']:,}; the server's `/api/v1/kpis` counts "
        f"{results['city_backlog']:,}, and the city-wide export below holds exactly that many rows. "
        "The original file is only read.",
        "",
        "## Exports of the backlog list (`/export/backlog.csv`, `/export/backlog.xlsx`)",
        "",
        "Each measurement is a fresh gunicorn (`--workers 1 --threads 2`, the worker's memory from "
        "`/proc/<pid>/status`), warmed up with `/health`, `/api/v1/kpis` and the export of one small street "
        f"(`{results['warm_up']}`) in the same format. Baseline: the worker's VmRSS after the warm-up. Peak: "
        "its VmHWM (the kernel's high-water mark of the resident set) after the export, or the highest VmRSS "
        f"sampled every {SAMPLE_SECONDS * 1000:.0f} ms during it if that is higher (the two differed by at most "
        f"{max(r['hwm_sample_gap_mib'] for r in results['summary']):.1f} MiB). Growth: peak minus "
        "baseline. Seconds: wall time from the request to the last byte, read by a streaming client "
        f"({READ_BYTES // 1024} KiB reads) on the same machine; first byte: to the first byte (the XLSX is "
        "written whole to a temporary file before it). Time is the median "
        f"of {results['runs']} runs (the slowest in brackets), memory the largest of them. Every file's rows "
        "were counted (CSV: its lines; "
        "XLSX: the `<row>` elements of `xl/worksheets/sheet1.xml`) and equal the backlog `/api/v1/kpis` gives "
        "for the same scope. The smaller exports take the subset of sources (`source=` takes a list) whose "
        "backlog adds up closest to " + ", ".join(f"{n:,}" for n in SMALLER_ROWS) + " rows; an area takes one "
        f"code, and the largest district, {big['name']} ({big['key']}), has a backlog of {big['backlog']:,}. "
        f"The servers ran with `ONESCREEN_STATEMENT_TIMEOUT={MEASURED_STATEMENT_TIMEOUT_S}` (see the last section).",
        "",
        "| format | scope | rows | MB | seconds | first byte s | rows/s | baseline MiB | peak MiB | growth MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["summary"]:
        lines.append(
            f"| {r['format'].upper()} | `{r['scope']}` | {r['rows']:,} | {r['bytes'] / 1e6:.1f} "
            f"| {r['seconds']:.1f} ({r['slowest_seconds']:.1f}) "
            f"| {r['first_byte_seconds']:.2f} | {r['rows_per_second']:,.0f} | {r['baseline_rss_mib']:.0f} "
            f"| {r['peak_rss_mib']:.0f} | {r['growth_mib']:.1f} |")
    lines += ["", "## Does memory grow with the rows?", ""]
    for t in results["trend"]:
        lines.append(
            f"- {t['format'].upper()}: from {t['fewest_rows']:,} to {t['most_rows']:,} rows "
            f"({t['most_rows'] / t['fewest_rows']:.1f} times as many) the peak stays between "
            f"{t['peak_min_mib']:.0f} and {t['peak_max_mib']:.0f} MiB, its growth over the baseline between "
            f"{t['growth_min_mib']:.1f} and {t['growth_max_mib']:.1f} MiB; a least-squares line through the "
            f"{t['exports']} row counts rises {t['mib_per_100k_rows']:+.1f} MiB per 100,000 rows.")
    lines += ["", f"Every run's figures are in `{json_name}`."]
    lines += render_deployed_timeout(results)
    return "\n".join(lines) + "\n"


def render_deployed_timeout(results: dict) -> list[str]:
    outcomes = results["deployed_timeout"]
    lines = [
        "", "## With the deployed statement timeout", "",
        f"The measurements above ran with `ONESCREEN_STATEMENT_TIMEOUT={MEASURED_STATEMENT_TIMEOUT_S}`, so that no "
        "bound on a statement could cut them. Here the city-wide exports run once more, each on a fresh server "
        f"with the variable unset (its default, {results['default_statement_timeout_s']:g} s), read at full speed "
        f"and, for the CSV, also at {SLOW_LINK_BYTES_PER_SECOND / 1e6:g} MB/s (a slow link: the server writes no "
        "faster than the client reads).",
        "",
        "| format | client | seconds | outcome | server log |",
        "|---|---|---:|---|---|",
    ]
    for o in outcomes:
        if o["complete"]:
            rows = f", {o['rows']:,} rows" if "rows" in o else ""
            outcome = f"complete: {o['bytes'] / 1e6:.1f} MB{rows}"
        elif o["status"] != 200:
            outcome = f"HTTP {o['status']}: `{o['answer']}`"
        else:
            outcome = f"HTTP 200, then cut after {o['received'] / 1e6:.1f} MB (client: `{o['answer']}`)"
        logged = "; ".join(f"`{line[:120]}`" for line in o["server_log"][:2]) or "–"
        rate = o["client_bytes_per_second"]
        client = f"{rate / 1e6:g} MB/s" if rate else "full speed"
        lines.append(f"| {o['format'].upper()} | {client} | {o['seconds']:.1f} | {outcome} | {logged} |")
    cut = [o for o in outcomes if not o["complete"]]
    lines.append("")
    if cut:
        lines.append(f"{len(cut)} of the {len(outcomes)} did not arrive whole at the default bound; the server log "
                     "says what stopped them.")
    else:
        slowest = max(o["seconds"] for o in outcomes)
        lines.append(f"All {len(outcomes)} arrived whole at the default bound, the slowest after {slowest:.0f} s.")
    return lines


def default_statement_timeout() -> float:
    """ONESCREEN_STATEMENT_TIMEOUT's default, as config.py has it."""
    unset = {k: v for k, v in os.environ.items() if k != "ONESCREEN_STATEMENT_TIMEOUT"}
    with patch.dict(os.environ, unset, clear=True):
        return load_settings().statement_timeout_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="reuse the backlog copy an earlier run made")
    parser.add_argument("--runs", type=int, default=RUNS, help="runs of every export (time: their median)")
    parser.add_argument("--out", default=str(HERE / "exports_results.md"), help="the results file (and its .json)")
    args = parser.parse_args()
    arguments = " ".join([f"--runs {args.runs}", *(["--reuse"] if args.reuse else [])])
    results = {"machine": machine(), "arguments": arguments, "runs": args.runs}
    results["machine"].pop("postgresql", None)  # only SQLite is measured here
    print("preparing the backlog copy…", flush=True)
    results["database"] = prepare_backlog_copy(args.reuse)
    as_of = results["database"]["as_of"]
    plan = plan_scopes(BACKLOG_COPY, as_of)
    if plan.city_backlog < BACKLOG_ROWS:
        sys.exit(f"{BACKLOG_COPY} has a backlog of {plan.city_backlog:,}, below {BACKLOG_ROWS:,}; "
                 "run without --reuse to make the copy again")
    results.update(warm_up=plan.warm_up, city_backlog=plan.city_backlog, largest_district=plan.largest_district)
    measurements = []
    # Runs go round every export in turn, so a slow spell on the machine does not fall on one export's runs.
    for run in range(args.runs):
        for fmt, scope in itertools.product(FORMATS, plan.scopes):
            print(f"run {run + 1}: {fmt} {scope.label} ({scope.rows:,} rows)…", flush=True)
            measurements.append(measure(BACKLOG_COPY, as_of, fmt, scope, plan.warm_up))
            print("  {seconds:.1f} s, {bytes:,} bytes, peak {peak_rss_mib:.0f} MiB "
                  "(+{growth_mib:.1f})".format(**measurements[-1]), flush=True)
    print("the city-wide exports with the deployed statement timeout…", flush=True)
    results["default_statement_timeout_s"] = default_statement_timeout()
    results["deployed_timeout"] = check_deployed_timeout(BACKLOG_COPY, as_of, plan.scopes[-1])
    results["measurements"] = measurements
    results["summary"] = summarise(measurements)
    results["trend"] = [memory_trend(results["summary"], fmt) for fmt in FORMATS]
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    out.write_text(render(results, out.with_suffix(".json").name))
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
