"""Benchmark: does a KPI request cost what its area holds? City, district, street, workstation, grid, cold and warm.

`python -m bench.api_scaling --database gusu/sqlite=sqlite:///data/gusu.sqlite --database ...`
writes bench/api_scaling.md (and a JSON twin): for each database, one area of
each level on one path down the tree (at each level the child with the most
tickets in the period, so no level is an empty corner), the area's tickets
beside it, and `/api/v1/kpis` for it through the Flask API behind the app's
guard, with an API token, as bench/outages.py asks it: cold (OneScreen's
result cache emptied before each request, so the area lookups, the planner
hints and both statements are paid every time) and warm (served from the
cache). A drill-down should get faster answers: the cold
time should fall with the area's tickets, not stay at the city's.

Every request asks for the same fixed as_of (`--as-of`, the demo's "now"), so
the runs are comparable and the database's own buffer cache is whatever the
previous request left: it measures the query, not the disk.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.run import api_client, machine, timed_get
from data_access import gate
from data_access.areas import child_areas, find_area, root_area_code
from data_access.database import Database
from data_access.scope import Scope

HERE = Path(__file__).resolve().parent
COLD_RUNS = 7
WARM_RUNS = 20
PERIOD_DAYS = 30


def area_path(db: Database, scope: Scope) -> list[dict]:
    """The root and, level by level, its child with the most tickets in the period, with their ticket counts."""
    path = [find_area(db, root_area_code(db))]
    while True:
        children = child_areas(db, path[-1].code)
        if not children:
            break
        counts = {child.code: _tickets(db, scope.with_area(child.code), in_period=True) for child in children}
        path.append(max(children, key=lambda child: (counts[child.code], child.code)))
    return [{"code": area.code, "level": area.level, "name": area.name,
             "tickets_in_period": _tickets(db, scope.with_area(area.code), in_period=True),
             "tickets_ever": _tickets(db, scope.with_area(area.code), in_period=False)} for area in path]


def _tickets(db: Database, scope: Scope, in_period: bool) -> int:
    t = gate.tickets(db, scope, in_period=in_period)
    with db.connect() as conn:
        return conn.execute(select(func.count()).select_from(t)).scalar()


def time_database(url: str, as_of: datetime) -> dict:
    db, client = api_client(url)  # behind the app's own guard, as an analyst's script with an API token asks
    period_from = (as_of - timedelta(days=PERIOD_DAYS - 1)).date()
    scope = Scope(area_code="", period_from=period_from, period_to=as_of.date(), as_of=as_of)
    load_before = os.getloadavg()[0]
    areas = area_path(db, scope)
    for area in areas:
        path = f"/api/v1/kpis?area={area['code']}&from={period_from}&to={as_of.date()}&as_of={as_of.isoformat()}"
        cold = []
        for _ in range(COLD_RUNS):
            db.cache.clear()
            cold.append(timed_get(client, path))
        warm = [timed_get(client, path) for _ in range(WARM_RUNS)]
        reported = client.get(path).get_json()["reported"]
        if reported != area["tickets_in_period"]:
            raise RuntimeError(f"{area['code']}: the API counts {reported} tickets, the bench "
                               f"{area['tickets_in_period']}")
        area.update(cold_ms=statistics.median(cold), cold_min_ms=min(cold), cold_max_ms=max(cold),
                    warm_ms=statistics.median(warm))
    db.engine.dispose()
    return {"areas": areas, "load_average_before": round(load_before, 2),
            "load_average_after": round(os.getloadavg()[0], 2)}


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# KPI cost by area: city to grid",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, SQLite {m['sqlite']}, "
        f"{m['postgresql']}. Run {m['date']} with `python -m bench.api_scaling {results['arguments']}`; "
        f"1-minute load average at start: {m['load_average_1min']} (other work shares the machine: each "
        "database's load before and after is beside it).",
        "",
        f"`GET /api/v1/kpis?area=…` for the last {PERIOD_DAYS} days as of {results['as_of']}, through the Flask API "
        "in process, behind the app's guard, with an analyst's API token (so warm is mostly the guard's own work). "
        f"Cold: the result cache emptied before each request, median of {COLD_RUNS} (min–max in brackets); "
        f"warm: from the result cache, median of {WARM_RUNS}. At each level the child with the most "
        "tickets in the period; tickets: in the period / ever reported in the area. The API's `reported` was "
        "checked against the area's count for every row.",
        "",
    ]
    for name, run in results["runs"].items():
        lines += [f"## {name}", "", f"`{run['url']}`, run {run['date']}; load average "
                  f"{run['load_average_before']} before, {run['load_average_after']} after.", "",
                  "| level | area | tickets (period / ever) | cold ms | warm ms |", "|---|---|---:|---:|---:|"]
        for a in run["areas"]:
            lines.append(f"| {a['level']} | {a['code']} {a['name']} | {a['tickets_in_period']:,} / "
                         f"{a['tickets_ever']:,} | {a['cold_ms']:.1f} ({a['cold_min_ms']:.1f}–{a['cold_max_ms']:.1f}) "
                         f"| {a['warm_ms']:.2f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", required=True, metavar="NAME=URL",
                        help="a database to time, e.g. chengdu/sqlite=sqlite:///data/chengdu.sqlite (repeatable)")
    parser.add_argument("--as-of", default="2026-12-02T04:35:00", help="the moment asked about (the demo's now)")
    parser.add_argument("--out", default=str(HERE / "api_scaling.md"))
    parser.add_argument("--add", action="store_true",
                        help="keep the runs already in the JSON twin of --out (a database re-indexed in between)")
    args = parser.parse_args()
    as_of = datetime.fromisoformat(args.as_of)
    arguments = " ".join(f"--database {d.split('=', 1)[0]}=…" for d in args.database)
    out = Path(args.out)
    results = {"machine": machine(), "as_of": as_of.isoformat(sep=" "), "runs": {}, "arguments": arguments}
    if args.add and out.with_suffix(".json").exists():
        results = json.loads(out.with_suffix(".json").read_text())
        results["arguments"] += f"`, then `python -m bench.api_scaling --add {arguments}"
    for spec in args.database:
        name, url = spec.split("=", 1)
        print(f"{name}: timing…", flush=True)
        results["runs"][name] = {"url": url, "date": datetime.now().isoformat(timespec="seconds"),
                                 **time_database(url, as_of)}
        out.write_text(render(results))
        out.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    print(out.read_text())


if __name__ == "__main__":
    main()
