"""Ten times the data: chengdu10 (ten years of Chengdu, 21.6 M tickets) on PostgreSQL, and what the next ten needs.

`python -m bench.scale10 --url URL [--baseline URL] [--parts generation,sizes,api,browser,designs,partitions,baseline]
[--generation-summary FILE --generation-log FILE --load-log FILE] [--results FILE] [--merge FILE ...]
[--conclusions FILE]`
measures the parts asked for, merges them into bench/scale10_results.json and
writes bench/scale10.md from everything measured so far, so parts can run at
different times (each says when it ran and the load average then). Parts run
side by side keep their own --results file and are merged (--merge) after;
`baseline` always keeps bench/scale10_baseline_results.json.

- generation: read from the generator's own output (`python -m demo.generate
  --preset chengdu10`, run beforehand under `/usr/bin/time -v nice -n 10`):
  its summary (rows, seconds per phase), its log (chunk progress, peak memory)
  and a load-average log sampled every 20 s meanwhile.
- sizes: the database, the ticket table and each of its indexes on disk.
- api: bench.run.time_requests (the Flask API in process behind the guard,
  cold = result cache cleared, median of 5; warm = from the cache, median of
  20), then the city-wide KPIs over 30 days, a year and the whole ten years,
  cold, to see whether cost follows the period.
- browser: a headless Chromium visit per view (bench.browser.load_view)
  against the real app served in process, first visit on a fresh server,
  then a second visitor.
- baseline: api's requests and browser's visits on chengdu (2.16 M), read only.
- designs: the statements OneScreen runs for a cold city-wide `/api/v1/kpis`
  (captured from its engine), replayed on the same rows indexed differently:
  the contract's btree indexes; a BRIN index on reported_at in their place;
  no reported_at index at all (index drops inside a transaction rolled back
  after). Then a hand-written KPI query on the raw table against the same
  numbers from a daily summary table per street, over a month, a year and
  ten years.
- partitions: the captured statements on a copy partitioned by month.
  Copies live in the benchmark's own database (schema `scale10`).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from bench.run import api_client, machine, time_requests, timed_get
from data_access.contract import TICKET_INDEXES

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "scale10_results.json"
# The baseline (chengdu) runs on its own, possibly beside the chengdu10 parts: a file of its own.
BASELINE_RESULTS = HERE / "scale10_baseline_results.json"
REPORT = HERE / "scale10.md"
PARTS = ("generation", "sizes", "api", "browser", "designs", "partitions", "baseline")
DESIGN_RUNS = 5
PERIOD_RUNS = 3
SEQ_SCAN_RUNS = 1


def _now() -> dict:
    return {"at": datetime.now().isoformat(timespec="seconds"), "load_average": [round(x, 2) for x in os.getloadavg()]}


# --- generation and sizes ------------------------------------------------------------------------------------


def generation(summary_file: Path, log_file: Path, load_file: Path | None) -> dict:
    """The generator's figures; while it still runs, its progress so far (rows built, rows/s)."""
    log = log_file.read_text()
    text_summary = summary_file.read_text() if summary_file.exists() else ""
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", log)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", log)
    progress = re.findall(r"^(\S+ \S+),\d+ tickets: (\d+) built", log, re.MULTILINE)
    loads = []
    if load_file and progress:
        first, last = progress[0][0][11:19], progress[-1][0][11:19]
        for line in load_file.read_text().splitlines():
            clock, one, *_ = line.split()
            if first <= clock <= last:
                loads.append(float(one))
    out = {"summary": json.loads(text_summary) if text_summary.strip() else None,
           "max_rss_mib": round(int(rss.group(1)) / 1024) if rss else None, "wall": wall.group(1) if wall else None,
           "chunks": len(progress), "load_during_tickets":
               {"min": min(loads), "median": statistics.median(loads), "max": max(loads)} if loads else None, **_now()}
    if len(progress) > 1:
        (start, first_rows), (end, last_rows) = progress[0], progress[-1]
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
        # Between the first and the last chunk built: each chunk's build and the previous one's COPY.
        out["progress"] = {"rows": int(last_rows), "from": start, "to": end,
                           "rows_per_s": (int(last_rows) - int(first_rows)) / seconds}
    return out


def sizes(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as conn:
        database = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        heap = conn.execute(text("SELECT pg_table_size('ticket')")).scalar()
        indexes = conn.execute(text(
            "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
            "WHERE indrelid = 'public.ticket'::regclass ORDER BY 1")).all()
        tickets = conn.execute(text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'public.ticket'::regclass")).scalar()
    engine.dispose()
    return {"database_bytes": database, "ticket_heap_bytes": heap, "ticket_rows_estimate": tickets,
            "ticket_indexes": {name: size for name, size in indexes}, **_now()}


# --- API: the usual requests, then the KPI over longer periods -----------------------------------------------


def api(url: str) -> dict:
    out = {"chengdu10": {"requests": time_requests(url), **_now()}}
    db, client = api_client(url)
    as_of = datetime.fromisoformat(client.get("/api/v1/kpis").get_json()["as_of"])
    periods = []
    for days in (30, 365, 3650):
        start = (as_of - timedelta(days=days - 1)).date()
        path = f"/api/v1/kpis?as_of={as_of.isoformat()}&from={start}&to={as_of.date()}"
        cold = []
        for _ in range(PERIOD_RUNS):
            db.cache.clear()
            cold.append(timed_get(client, path))
        periods.append({"days": days, "cold_ms": statistics.median(cold), "cold_max_ms": max(cold)})
    db.engine.dispose()
    out["periods"] = {"rows": periods, **_now()}
    return out


# --- browser -----------------------------------------------------------------------------------------------------


def baseline(url: str) -> dict:
    """The same API requests and view visits on chengdu (2.16 M), to set chengdu10's beside."""
    return {"requests": time_requests(url), **_now(), "browser": browser(url, "chengdu")}


def browser(url: str, preset: str = "chengdu10") -> dict:
    from importlib.metadata import version as package_version

    from playwright.sync_api import sync_playwright

    from bench.browser import load_view
    from config import load_settings
    from tests.browser.harness import VIEW_PATHS, data_now, launch_chromium, serve

    cities = []
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        version = f"Chromium {chromium.version}, Playwright {package_version('playwright')}"
        for city_url in (url,):
            # Read as the superuser that made the city, as bench.run does: allowed here, refused in production.
            settings = replace(load_settings(), database_url=city_url, cache_redis_url=None, allow_writable_role=True)
            settings = replace(settings, frozen_now=data_now(settings))
            started = _now()
            # A fresh server per city, so the first visit of each view finds an empty result cache.
            with serve(settings) as served:
                first, repeat = {}, {}
                for view in VIEW_PATHS:
                    first[view] = load_view(chromium, served, view)
                    repeat[view] = load_view(chromium, served, view)
            cities.append({"preset": preset, "first": first, "repeat": repeat, "started": started, "ended": _now()})
        chromium.close()
    return {"chromium": version, "cities": cities}


# --- designs -----------------------------------------------------------------------------------------------------


def captured_kpi_statements(url: str) -> tuple[str, list[tuple[str, dict]]]:
    """The SQL (with parameters) a cold city-wide /api/v1/kpis runs, and the as_of it used."""
    db, client = api_client(url)
    as_of = client.get("/api/v1/kpis").get_json()["as_of"]
    statements: list[tuple[str, dict]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, dict(parameters or {})))

    db.cache.clear()
    event.listen(db.engine, "before_cursor_execute", capture)
    timed_get(client, f"/api/v1/kpis?as_of={as_of}")
    event.remove(db.engine, "before_cursor_execute", capture)
    db.engine.dispose()
    # Only what reads tickets: area lookups and freshness are the same whatever stores the tickets.
    return as_of, [(sql, params) for sql, params in statements if re.search(r"\bticket\b", sql)]


def _run_all(cursor, statements) -> float:
    started = time.perf_counter()
    for sql, params in statements:
        cursor.execute(sql, params)
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def _plan_nodes(cursor, statements) -> list[str]:
    """Scan nodes of each statement's plan: which index (or none) the planner used."""
    nodes: dict[str, int] = {}
    for sql, params in statements:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        stack = [cursor.fetchone()[0][0]["Plan"]]
        while stack:
            node = stack.pop()
            stack.extend(node.get("Plans", []))
            if "Scan" in node["Node Type"] and node.get("Relation Name", "").startswith("ticket"):
                # One line per kind of scan, partitions counted: "Index Scan ticket_YYYYMM_closed_at_idx x13".
                name = re.sub(r"_\d{6}", "_YYYYMM", f"{node['Node Type']} {node.get('Index Name', '')}".strip())
                if node.get("Relation Name", "").startswith("ticket_"):
                    name += " (partition)"
                nodes[name] = nodes.get(name, 0) + 1
    return [f"{name} x{count}" if count > 1 else name for name, count in sorted(nodes.items())]


def _timed_variant(driver, statements, runs: int, setup: list[str] = ()) -> dict:
    """Median of `runs` executions of all `statements` after `setup`, in one transaction rolled back after.

    A single run (the whole-table scan, minutes at 21.6 M) is not warmed up first: its figure includes reading.
    """
    with driver.cursor() as cursor:
        for sql in setup:
            cursor.execute(sql)
        if runs > 1:
            _run_all(cursor, statements)  # once to bring the pages the variant reads into the buffer cache
        times = [_run_all(cursor, statements) for _ in range(runs)]
        plan = _plan_nodes(cursor, statements)
    driver.rollback()
    return {"ms": statistics.median(times), "max_ms": max(times), "runs": runs, "plan": plan, **_now()}


HAND_KPI = """
SELECT count(*) AS reported,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE status = 'closed' AND closed_at <= due_at) AS closed_on_time,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       count(satisfaction) AS rated, sum(satisfaction) AS satisfaction_sum
FROM {table} WHERE reported_at >= %(start)s AND reported_at < %(end)s
"""
SUMMARY_KPI = """
SELECT sum(reported), sum(closed), sum(closed_on_time), sum(cancelled), sum(rated), sum(satisfaction_sum)
FROM scale10.ticket_daily WHERE day >= %(start)s AND day < %(end)s
"""


def designs(url: str) -> dict:
    as_of, statements = captured_kpi_statements(url)
    engine = create_engine(url)
    out: dict = {"as_of": as_of, "statements": [sql for sql, _ in statements]}
    with engine.connect() as conn:
        driver = conn.connection.dbapi_connection
        driver.autocommit = True
        with driver.cursor() as cursor:
            cursor.execute("CREATE SCHEMA IF NOT EXISTS scale10")
            cursor.execute("DROP INDEX IF EXISTS i12s_ticket_reported_brin")  # rebuilt, so its build time is measured
            started = time.perf_counter()
            cursor.execute("CREATE INDEX i12s_ticket_reported_brin ON ticket USING brin (reported_at)")
            out["brin_build_s"] = time.perf_counter() - started
            cursor.execute("SELECT pg_relation_size('i12s_ticket_reported_brin')")
            out["brin_bytes"] = cursor.fetchone()[0]
        driver.autocommit = False
        reported_indexes = ["ix_ticket_reported_cover", "ix_ticket_area_reported"]
        drop = [f"DROP INDEX {name}" for name in reported_indexes]
        variants = {
            "btree (contract)": _timed_variant(driver, statements, DESIGN_RUNS, ["DROP INDEX i12s_ticket_reported_brin"]),
            "brin on reported_at": _timed_variant(driver, statements, DESIGN_RUNS, drop),
            "no reported_at index": _timed_variant(
                driver, statements, SEQ_SCAN_RUNS, [*drop, "DROP INDEX i12s_ticket_reported_brin"]),
        }
        out["variants"] = variants
        out["summary_build"] = _build_summary(driver)
        out["periods"] = _summary_against_raw(driver, datetime.fromisoformat(as_of))
    engine.dispose()
    return out


def partitions(url: str) -> dict:
    """The same captured statements on a month-partitioned copy (built unless there already)."""
    _, statements = captured_kpi_statements(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        driver = conn.connection.dbapi_connection
        build = _build_partitions(driver)
        timed = _timed_variant(driver, statements, DESIGN_RUNS, ["SET LOCAL search_path = scale10, public"])
    engine.dispose()
    return {"build": build, "variant": timed}


def _build_partitions(driver) -> dict:
    """scale10.ticket: the same rows, one partition per month, the contract's ticket indexes on each."""
    driver.autocommit = True
    with driver.cursor() as cursor:
        cursor.execute("CREATE SCHEMA IF NOT EXISTS scale10")
        cursor.execute("SELECT to_regclass('scale10.ticket') IS NOT NULL")
        if not cursor.fetchone()[0]:
            started = time.perf_counter()
            cursor.execute("SELECT date_trunc('month', min(reported_at)), max(reported_at) FROM public.ticket")
            first, last = cursor.fetchone()
            cursor.execute("CREATE TABLE scale10.ticket (LIKE public.ticket INCLUDING DEFAULTS) PARTITION BY RANGE (reported_at)")
            month = first
            while month <= last:
                following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
                cursor.execute(f"CREATE TABLE scale10.ticket_{month:%Y%m} PARTITION OF scale10.ticket "
                               f"FOR VALUES FROM ('{month:%Y-%m-%d}') TO ('{following:%Y-%m-%d}')")
                month = following
            cursor.execute("INSERT INTO scale10.ticket SELECT * FROM public.ticket")
            copied = time.perf_counter() - started
            for index in TICKET_INDEXES:
                columns = ", ".join(column.name for column in index.columns)
                cursor.execute(f"CREATE INDEX {index.name}_m ON scale10.ticket ({columns})")
            indexed = time.perf_counter() - started - copied
            cursor.execute("VACUUM ANALYZE scale10.ticket")
            built = {"copy_s": copied, "index_s": indexed, "total_s": time.perf_counter() - started}
        else:
            built = {"reused": True}
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'scale10.ticket'::regclass")
        built["partitions"] = cursor.fetchone()[0]
        cursor.execute("SELECT sum(pg_table_size(inhrelid)), sum(pg_indexes_size(inhrelid)) FROM pg_inherits "
                       "WHERE inhparent = 'scale10.ticket'::regclass")
        built["heap_bytes"], built["index_bytes"] = (int(x) for x in cursor.fetchone())
    driver.autocommit = False
    return {**built, **_now()}


def _build_summary(driver) -> dict:
    """scale10.ticket_daily: per report day and street, the counts the city-wide KPIs add up.

    What a centre's own ETL would maintain (re-aggregating the days whose tickets changed);
    OneScreen would read it through the contract as one more table.
    """
    driver.autocommit = True
    with driver.cursor() as cursor:
        cursor.execute("SELECT length(area_code) FROM area WHERE level = 'street' LIMIT 1")
        street_digits = cursor.fetchone()[0]
        started = time.perf_counter()
        cursor.execute("DROP TABLE IF EXISTS scale10.ticket_daily")
        cursor.execute(f"""
            CREATE TABLE scale10.ticket_daily AS
            SELECT reported_at::date AS day, left(area_code, {street_digits}) AS street_code,
                   count(*) AS reported,
                   count(*) FILTER (WHERE status = 'closed') AS closed,
                   count(*) FILTER (WHERE status = 'closed' AND closed_at <= due_at) AS closed_on_time,
                   count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
                   count(satisfaction) AS rated, sum(satisfaction) AS satisfaction_sum
            FROM public.ticket GROUP BY 1, 2""")
        cursor.execute("CREATE INDEX ON scale10.ticket_daily (day, street_code)")
        cursor.execute("VACUUM ANALYZE scale10.ticket_daily")
        built = {"build_s": time.perf_counter() - started}
        cursor.execute("SELECT count(*), pg_total_relation_size('scale10.ticket_daily') FROM scale10.ticket_daily")
        built["rows"], built["bytes"] = cursor.fetchone()
    driver.autocommit = False
    return {**built, **_now()}


def _summary_against_raw(driver, as_of: datetime) -> list[dict]:
    """The hand-written city KPI over 30 days, a year and ten years: raw ticket (covering index) vs the summary."""
    end = as_of.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    rows = []
    with driver.cursor() as cursor:
        for days in (30, 365, 3650):
            params = {"start": end - timedelta(days=days), "end": end}
            raw = [(HAND_KPI.format(table="public.ticket"), params)]
            summary = [(SUMMARY_KPI, {"start": params["start"].date(), "end": end.date()})]
            cursor.execute(raw[0][0], params)
            raw_answer = cursor.fetchone()
            cursor.execute(*summary[0])
            summary_answer = cursor.fetchone()  # both answers also bring their pages into the buffer cache
            raw_ms = statistics.median(_run_all(cursor, raw) for _ in range(PERIOD_RUNS))
            summary_ms = statistics.median(_run_all(cursor, summary) for _ in range(DESIGN_RUNS))
            rows.append({"days": days, "raw_ms": raw_ms, "summary_ms": summary_ms,
                         "same_numbers": [int(x or 0) for x in raw_answer] == [int(x or 0) for x in summary_answer],
                         "reported": int(raw_answer[0]), "raw_plan": _plan_nodes(cursor, raw), **_now()})
    driver.rollback()
    return rows


# --- report ------------------------------------------------------------------------------------------------------


def _gib(size: float) -> str:
    return f"{size / 1024**3:,.2f} GiB"


def _mib(size: float) -> str:
    return f"{size / 1024**2:,.1f} MiB" if size >= 1024**2 else f"{size / 1024:,.0f} KiB"


def _load(part: dict) -> str:
    return f"{part['at']}, load {' / '.join(str(x) for x in part['load_average'])}"


def render(results: dict) -> str:
    if BASELINE_RESULTS.exists():
        results = {**results, "baseline": json.loads(BASELINE_RESULTS.read_text())}
    m = results["machine"]
    lines = [
        "# Ten times the data: chengdu10 on PostgreSQL",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, shared with other sessions' work "
        f"(load averages are given with each part); {m['postgresql']}. Produced by `python -m bench.scale10 "
        f"{results.get('arguments', '')}` (see its docstring for how each figure is taken).",
        "",
        "The city: the `chengdu10` preset, the same Chengdu as `chengdu` (20 districts, 260 streets, 3,000",
        "communities, 126,000 micro-grids, 160,000 workers) after ten years of keeping every ticket: 5,918 a day,",
        "~21.6 M in all. Chosen over a year and a half of Suzhou's 12345 at 40 k a day because it keeps one",
        "coherent city whose tree, workforce and crowds are already modelled (a Suzhou-wide preset would need a",
        "new area tree), and because it is what a centre meets in practice: the table grows by years, each",
        "month stays the size of a month. A query whose cost follows its period should not notice; one whose",
        "cost follows the table will.",
        "",
    ]
    g = results.get("generation")
    if g and not g["summary"]:
        pr = g.get("progress")
        load = g["load_during_tickets"]
        lines += ["## Generation (still running when this was written)", "",
                  f"`nice -n 10 python -m demo.generate --preset chengdu10` had built "
                  + (f"{pr['rows']:,} tickets by {pr['to']} (all but the last chunk COPY-loaded), **{pr['rows_per_s']:,.0f} rows/s** built and loaded "
                     f"between {pr['from']} and {pr['to']}" if pr else "no chunk yet")
                  + (f", 1-min load average {load['min']}–{load['max']} (median {load['median']}) meanwhile" if load else "")
                  + f" ({_load(g)}).", ""]
    elif g:
        s = g["summary"]
        tickets = s["rows"]["ticket"]
        ticket_s = s["seconds"]["build_ticket"] + s["seconds"]["load_ticket"]
        load = g["load_during_tickets"]
        lines += [
            "## Generation", "",
            f"`nice -n 10 python -m demo.generate --preset chengdu10 --url postgresql+psycopg://…/i12s_chengdu10`, "
            f"now = {s['now']}: **{s['total_seconds'] / 60:,.1f} min** wall in all ({g['wall']} by /usr/bin/time), "
            f"peak memory **{g['max_rss_mib']:,} MiB** (tickets built and COPY-streamed {g['chunks']} chunks of 73 "
            "days, never the whole history in memory).",
            "",
            f"- tickets: {tickets:,} rows in {ticket_s:,.0f} s, **{tickets / ticket_s:,.0f} rows/s** built and "
            f"loaded (building {s['seconds']['build_ticket']:,.0f} s, COPY {s['seconds']['load_ticket']:,.0f} s)"
            + (f"; 1-min load average during it {load['min']}–{load['max']} (median {load['median']})" if load else ""),
            f"- indexes after the load: {s['seconds']['indexes']:,.0f} s; VACUUM ANALYZE: {s['seconds']['analyze']:,.0f} s",
            "- other tables: " + ", ".join(f"{name} {count:,}" for name, count in s["rows"].items() if name != "ticket"),
            "",
            "| phase | seconds |", "|---|---:|",
            *[f"| {phase} | {value:,.1f} |" for phase, value in s["seconds"].items()],
            "",
        ]
    z = results.get("sizes")
    if z:
        lines += [
            "## On disk", "",
            f"Database {_gib(z['database_bytes'])}; ticket heap {_gib(z['ticket_heap_bytes'])} "
            f"({z['ticket_heap_bytes'] / max(z['ticket_rows_estimate'], 1):,.0f} bytes a row); indexes: "
            + ", ".join(f"`{name}` {_gib(size)}" for name, size in z["ticket_indexes"].items()) + f". ({_load(z)})",
            "",
        ]
    a = results.get("api") or {}
    if a or "baseline" in results:
        lines += ["## API (Flask, in process), city-wide, last 30 days", "",
                  "Cold: OneScreen's result cache cleared, PostgreSQL's buffer cache as the previous run left it; "
                  "median of 5 (max). Warm: from the result cache, median of 20.", "",
                  "| request | chengdu10 cold ms | chengdu10 warm ms | chengdu (2.16 M) cold ms | chengdu warm ms |",
                  "|---|---:|---:|---:|---:|"]
        base = {q["request"]: q for q in results.get("baseline", {}).get("requests", [])}
        mine = {q["request"]: q for q in a.get("chengdu10", {}).get("requests", [])}
        for request in mine or base:
            q, b = mine.get(request), base.get(request)
            lines.append(f"| `{request}` | "
                         + (f"{q['cold_ms']:,.1f} ({q['cold_max_ms']:,.1f}) | {q['warm_ms']:.2f} | " if q else "n/a | n/a | ")
                         + (f"{b['cold_ms']:,.1f} ({b['cold_max_ms']:,.1f}) | {b['warm_ms']:.2f} |" if b else "n/a | n/a |"))
        lines += ["", "; ".join(([f"chengdu10: {_load(a['chengdu10'])}"] if a else [])
                                + ([f"chengdu: {_load(results['baseline'])}"] if "baseline" in results else [])), ""]
        if a:
            lines += ["City-wide `/api/v1/kpis` over longer periods on chengdu10 (cold, median of "
                      f"{PERIOD_RUNS}):", "", "| period | cold ms (max) |", "|---|---:|"]
            lines += [f"| {p['days']:,} days | {p['cold_ms']:,.0f} ({p['cold_max_ms']:,.0f}) |" for p in a["periods"]["rows"]]
            lines += ["", f"({_load(a['periods'])})", ""]
    b = results.get("browser") or results.get("baseline", {}).get("browser")
    if b:
        from bench.browser import _bytes, _ms
        from tests.browser.harness import VIEW_PATHS

        lines += ["## Every view's first visit (headless Chromium)", "",
                  f"bench.browser's visit per view (`load_view`, {b['chromium']}), time from navigation start until "
                  "no callback is waiting or running and the view's content is drawn; first visit after the server "
                  "started, then a second visitor. The app is served in process by tests/browser/harness.serve "
                  "(the real app, threaded werkzeug), not gunicorn: bench/browser.py's gunicorn path no longer "
                  "starts on main (its ServedApp needs the access store, which a gunicorn process cannot share), "
                  "and bench/views.py (branch i12-views) was not merged when this ran. Clock frozen at the data's "
                  "newest record.", ""]
        for city in [*results.get("browser", {}).get("cities", []), *results.get("baseline", {}).get("browser", {}).get("cities", [])]:
            lines += [f"### {city['preset']}", "",
                      f"From {_load(city['started'])} to {_load(city['ended'])}.", "",
                      "| view | shown, first visit | shown, second visitor | slowest callback (first) | callback bytes (first) |",
                      "|---|---:|---:|---:|---:|"]
            for view in VIEW_PATHS:
                first, repeat = city["first"][view], city["repeat"][view]
                errors = " (console errors!)" if first["errors"] or repeat["errors"] else ""
                lines.append(f"| {view}{errors} | {_ms(first)} | {_ms(repeat)} | "
                             f"{first['slowest_callback_ms']:,.0f} ms | {_bytes(first)} |")
            lines.append("")
    d = results.get("designs")
    if d:
        lines += [f"## What the next order of magnitude needs: measured on chengdu10's {_tickets(results)} tickets", "",
                  f"The {len(d['statements'])} ticket statements of a cold city-wide `/api/v1/kpis` (as_of {d['as_of']}, "
                  "last 30 days), captured from OneScreen's engine and replayed through the driver on the same rows, "
                  "stored and indexed differently (median ms of all statements together after one warm-up run, except "
                  "the single unwarmed run without a reported_at index; index drops inside a rolled-back "
                  "transaction):", "",
                  "| storage / index | ms (max) | runs | scans the planner chose | when, load |", "|---|---:|---:|---|---|"]
        for name, v in d["variants"].items():
            lines.append(f"| {name} | {v['ms']:,.1f} ({v['max_ms']:,.1f}) | {v['runs']} | "
                         f"{'; '.join(v['plan'])} | {_load(v)} |")
        partitioned = results.get("partitions")
        if partitioned:
            v = partitioned["variant"]
            lines.append(f"| partitioned by month, the contract's indexes on each | {v['ms']:,.1f} ({v['max_ms']:,.1f}) | "
                         f"{v['runs']} | {'; '.join(v['plan'])} | {_load(v)} |")
        p = partitioned and partitioned["build"]
        lines += ["", f"BRIN index on reported_at: {_mib(d['brin_bytes'])}, built in {d['brin_build_s']:,.1f} s."]
        if p and not p.get("reused"):
            lines.append(f"Month-partitioned copy: {p['partitions']} partitions, heap {_gib(p['heap_bytes'])}, "
                         f"indexes {_gib(p['index_bytes'])}; copied in {p['copy_s']:,.0f} s, indexed in "
                         f"{p['index_s']:,.0f} s ({_load(p)}).")
        sb = d["summary_build"]
        lines += [f"Daily summary per street: {sb['rows']:,} rows, {_mib(sb['bytes'])}, built from every "
                  f"ticket in {sb['build_s']:,.0f} s ({_load(sb)}).", "",
                  "The city KPI numbers (reported, closed, closed on time, cancelled, rated, satisfaction) by "
                  "hand-written SQL, raw table (covering index) against the summary:", "",
                  "| period | tickets | raw ms | summary ms | raw / summary | same numbers | raw plan |",
                  "|---|---:|---:|---:|---:|---|---|"]
        for r in d["periods"]:
            lines.append(f"| {r['days']:,} days | {r['reported']:,} | {r['raw_ms']:,.1f} | {r['summary_ms']:,.2f} | "
                         f"{r['raw_ms'] / r['summary_ms']:,.0f}x | {'yes' if r['same_numbers'] else '**no**'} | "
                         f"{'; '.join(r['raw_plan'])} |")
        lines.append("")
    lines += _reading(results)
    if results.get("conclusions"):
        lines += ["## Reading the figures", "", results["conclusions"], ""]
    return "\n".join(lines)


def _tickets(results: dict) -> str:
    g = results.get("generation") or {}
    return f"{g['summary']['rows']['ticket'] / 1e6:,.1f} M" if g.get("summary") else "~21.6 M"


def _faster(a: float, b: float) -> str:
    """'3.1x slower' or '2.0x faster': a against b."""
    return f"{a / b:,.1f}x slower" if a >= b else f"{b / a:,.1f}x faster"


def _reading(results: dict) -> list[str]:
    """What the figures above say, each sentence computed from them (nothing here is typed in by hand)."""
    said = []
    g, a, d, z = results.get("generation"), results.get("api"), results.get("designs"), results.get("sizes")
    base = {q["request"]: q for q in results.get("baseline", {}).get("requests", [])}
    if g and g["summary"]:
        s = g["summary"]
        said.append(f"- **Generation**: {s['rows']['ticket']:,} tickets and the rest of the city in "
                    f"{s['total_seconds'] / 60:,.0f} min on a machine at load ~{g['load_during_tickets']['median']:.0f} "
                    f"(2 cores), peak memory {g['max_rss_mib']:,} MiB: streaming in chunks keeps memory flat whatever the "
                    "history's length; the time is COPY and index builds, both proportional to the rows.")
    if a and base.get("/api/v1/kpis"):
        mine = {q["request"]: q for q in a["chengdu10"]["requests"]}
        k10, k1 = mine["/api/v1/kpis"], base["/api/v1/kpis"]
        said.append(f"- **City-wide KPIs, last 30 days**: {k10['cold_ms']:,.0f} ms cold at ten times the tickets against "
                    f"{k1['cold_ms']:,.0f} ms at 2.16 M ({_faster(k10['cold_ms'], k1['cold_ms'])}; the loads are given above), warm {k10['warm_ms']:.1f} ms against {k1['warm_ms']:.1f} ms. "
                    + ("Ten times the table, the same month, within 2x of the time (the machine's load differed "
                       "between the two runs, see above): the cost follows the period, as the covering index led by reported_at "
                       "reads only the month."
                       if k10["cold_ms"] < 2 * k1["cold_ms"] else
                       "Ten times the table made the same month's question slower: some of its cost follows the table."))
    if a:
        periods = {p["days"]: p["cold_ms"] for p in a["periods"]["rows"]}
        said.append(f"- **Longer periods** through the API: a year costs {periods[365] / periods[30]:,.1f}x a month, "
                    f"ten years {periods[3650] / periods[30]:,.1f}x ({periods[3650] / 1000:,.1f} s cold): what grows "
                    "with the data is the period a question spans, not the table.")
    base_visits = {city["preset"]: city for city in results.get("baseline", {}).get("browser", {}).get("cities", [])}
    for city in results.get("browser", {}).get("cities", []):
        shown = {view: load["shown_ms"] for view, load in city["first"].items()}
        slowest = max(shown, key=lambda view: shown[view] if shown[view] is not None else float("inf"))
        within = [view for view, ms in shown.items() if ms is not None and ms <= 1000]
        line = (f"- **Views, first visit, {city['preset']}**: {len(within)} of {len(shown)} within 1 s; the slowest "
                f"is {slowest} ({'not shown' if shown[slowest] is None else f'{shown[slowest] / 1000:,.1f} s'}, its "
                f"slowest callback {city['first'][slowest]['slowest_callback_ms'] / 1000:,.1f} s).")
        if "chengdu" in base_visits:
            before = {view: load["shown_ms"] for view, load in base_visits["chengdu"]["first"].items()}
            slower = [view for view in shown if None not in (shown[view], before.get(view)) and shown[view] > before[view]]
            line += (f" Against chengdu's first visits (2.16 M, taken at another load, see above) "
                     + (f"{len(slower)} view(s) got slower: {', '.join(slower)}." if slower else
                        "no view got slower with ten times the tickets: what keeps the views from a second is "
                        "their own work (issue 12's first items), not the table's size."))
        said.append(line)
    if d:
        v = d["variants"]
        btree, brin, none = v["btree (contract)"], v["brin on reported_at"], v["no reported_at index"]
        cover = (z or {}).get("ticket_indexes", {}).get("ix_ticket_reported_cover")
        said.append(f"- **BRIN instead of the btrees**: {brin['ms']:,.0f} ms against {btree['ms']:,.0f} ms "
                    f"({_faster(brin['ms'], btree['ms'])}) for OneScreen's KPI statements; the BRIN index is "
                    f"{_mib(d['brin_bytes'])}" + (f" against {_gib(cover)} for the covering btree" if cover else "")
                    + (". A BRIN index finds the month's pages but every row is then read from the heap; the covering "
                       "btree answers from the index alone." if brin["ms"] > btree["ms"] else
                       ": smaller and no slower here.") + " Without any reported_at index: "
                    f"{none['ms']:,.0f} ms ({_faster(none['ms'], btree['ms'])}).")
        if "partitions" in results:
            part = results["partitions"]["variant"]
            said.append(f"- **Partitioned by month**: {part['ms']:,.0f} ms against {btree['ms']:,.0f} ms "
                        f"({_faster(part['ms'], btree['ms'])}). "
                        + ("The planner prunes to the month's partitions, but the btree already confined the read to "
                           "the month, so query time barely changes; what partitions buy is operational (detach or "
                           "archive a month, vacuum and re-index a month at a time)."
                           if 0.75 < part["ms"] / btree["ms"] < 1.33 else
                           "Slower: the backlog statement has no reported_at bound, so it visits every partition's "
                           "closed_at index (see the plan), while the period statement prunes to the month's."
                           if part["ms"] > btree["ms"] else
                           "Pruning to the month's partitions makes the month's question that much faster."))
        rows = {r["days"]: r for r in d["periods"]}
        said.append(f"- **Daily summary per street** ({d['summary_build']['rows']:,} rows, "
                    f"{_mib(d['summary_build']['bytes'])}, built in {d['summary_build']['build_s']:,.0f} s): the "
                    f"same numbers {rows[30]['raw_ms'] / rows[30]['summary_ms']:,.0f}x faster for a month, "
                    f"{rows[365]['raw_ms'] / rows[365]['summary_ms']:,.0f}x for a year, "
                    f"{rows[3650]['raw_ms'] / rows[3650]['summary_ms']:,.0f}x for ten years "
                    f"({rows[3650]['raw_ms']:,.0f} ms raw against {rows[3650]['summary_ms']:,.1f} ms). "
                    "It only serves questions at street level or above whose numbers are sums by report day; "
                    "backlog as of a moment, grid-level questions and the lists still need the ticket table.")
    if not said:
        return []
    path = []
    if d:
        rows = {r["days"]: r for r in d["periods"]}
        btree = d["variants"]["btree (contract)"]["ms"]
        brin = d["variants"]["brin on reported_at"]["ms"]
        path.append("1. Keep the contract's covering btree led by reported_at" +
                    (f" (BRIN in its place measured {brin / btree:,.1f}x slower)" if brin > btree else "") +
                    ": it confines a month's question to the month's index entries.")
        path.append(f"2. For periods longer than a month (the year's league tables, ten-year trends), a daily "
                    f"summary per street maintained by the centre's own ETL and read through the contract: measured "
                    f"{rows[365]['raw_ms'] / rows[365]['summary_ms']:,.0f}x (a year) and "
                    f"{rows[3650]['raw_ms'] / rows[3650]['summary_ms']:,.0f}x (ten years) faster than the raw table, "
                    "same numbers. It needs a contract table (and a freshness rule: the ETL re-aggregates the days "
                    "whose tickets changed) and OneScreen reading it for street-level-and-above period sums.")
        if "partitions" in results:
            part = results["partitions"]["variant"]["ms"]
            path.append(f"3. Partition ticket by month when the table outgrows maintenance windows (vacuum, index "
                        f"builds, archiving), not for query speed (measured {_faster(part, btree)} than the btree "
                        "table for the month's KPIs).")
    return ["## Reading the figures", "", *said, "", *(["What the next order of magnitude needs, from these figures:", "", *path, ""] if path else []),
            "An OLAP engine speaking the MySQL protocol (StarRocks, Doris) was not measured: none is installable "
            "on this offline machine, so no figure is given for it.", ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale10", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the chengdu10 PostgreSQL database")
    parser.add_argument("--baseline", help="the chengdu (2.16 M) database, read only, for comparison")
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--generation-summary", type=Path)
    parser.add_argument("--generation-log", type=Path)
    parser.add_argument("--load-log", type=Path)
    parser.add_argument("--conclusions", type=Path, help="a Markdown file appended as 'Reading the figures'")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="where this run keeps its parts (parts run side by side each need their own)")
    parser.add_argument("--merge", type=Path, action="append", default=[],
                        help="take the parts of another run's results file into --results")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    for other in args.merge:
        results.update({k: v for k, v in json.loads(other.read_text()).items() if k not in ("machine", "arguments")})
    results["machine"] = machine()
    shown = make_url(args.url).set(password=None).render_as_string()
    results["arguments"] = f"--url {shown} --baseline {args.baseline or ''}"
    for part in filter(None, args.parts.split(",")):
        print(f"{part}…", flush=True)
        if part == "baseline":
            BASELINE_RESULTS.write_text(json.dumps({"machine": machine(), **baseline(args.baseline)},
                                                   indent=2, default=str, ensure_ascii=False))
            continue
        if part == "generation":
            results[part] = generation(args.generation_summary, args.generation_log, args.load_log)
        elif part == "sizes":
            results[part] = sizes(args.url)
        elif part == "api":
            results[part] = api(args.url)
        elif part == "browser":
            results[part] = browser(args.url)
        elif part == "designs":
            results[part] = designs(args.url)
        elif part == "partitions":
            results[part] = partitions(args.url)
        else:
            raise SystemExit(f"unknown part {part!r}: choose from {', '.join(PARTS)}")
        args.results.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False))
        if args.results.resolve() == RESULTS:
            REPORT.write_text(render(results))
    if args.conclusions:
        results["conclusions"] = args.conclusions.read_text()
    args.results.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False))
    if args.results.resolve() == RESULTS:
        REPORT.write_text(render(results))
        print(REPORT.read_text())


if __name__ == "__main__":
    main()
