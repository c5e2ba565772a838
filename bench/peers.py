"""Benchmark: OneScreen beside Superset 6.1, the naive Dash pattern and hand-written SQL, same database, same questions.

`python -m bench.peers [--database i11_bench_chengdu] [--superset-venv /work/superset-venv]
[--superset-home /work/superset-home] [--cold 7] [--warm 20] [--naive 3] [--view 3]`
writes bench/peers.md and a JSON twin (about 10 minutes at chengdu scale on a busy 2-core machine).

Five questions a command centre asks, for the last full calendar month before
the city's newest ticket, at that newest ticket's moment (`as_of`):
city-wide KPIs, closure by district (the city's child areas), the backlog by
age, a street's KPIs and a grid's KPIs (the street, and the area of the
city's finest level, with the median number of tickets that month among
those that have any). Each is answered four ways, in one run, on one database:

- OneScreen: its JSON API (`/api/v1/kpis`, `/api/v1/breakdown?by=area`,
  `/api/v1/backlog?by=age`) through Flask's test client in this process:
  the guard (an analyst's API token checked, an audit record written),
  routing, scope parsing, area lookup, SQL, JSON. Also, for the questions a
  view shows, that view's refresh callback (all its panels), in-process.
- Superset 6.1 from PyPI, served by gunicorn (1 worker, 4 threads) on
  127.0.0.1, a table chart per question made through its REST API, timed as
  POST /api/v1/chart/data with the chart's saved query context, over HTTP.
- The naive Dash pattern: `pandas.read_sql` of the scope's tickets (`SELECT *`
  of the period; for the backlog, of every ticket not closed by as_of), then
  pandas.
- Hand-written SQL, the floor: one statement per question on a psycopg
  connection held open, no ORM, no cache.

Cold: no result cache on either side. OneScreen's result cache is cleared
before each cold request (`db.cache.clear()`: answers, area lookups and
reference tables alike), its connection pool stays open. Superset's chart
data is asked with `force: true`, which skips its data cache
(DATA_CACHE_CONFIG, a FileSystemCache here so that warm has one to hit);
Superset opens a fresh database connection for every query (NullPool, its
default), so that is in its cold and warm times. PostgreSQL's own buffer
cache is warm for everyone: each tool answers each question once before
any timing. Warm: the same request again, answered from OneScreen's result
cache or Superset's data cache (checked: Superset says `is_cached`). The naive
pattern and the SQL have no cache: one figure each.

The repeats of the four tools are interleaved (a round asks each tool in
turn), so a burst of load on this shared machine falls on all of them; the
figures are medians, with the 1-minute load average at each question.

Every tool's answer is checked against the hand-written SQL's: counts equal,
rates and hours within 1e-9 (relative). Differences are listed in the report.

Superset is never a dependency of OneScreen; it lives in a virtual
environment of its own outside the repository. To make it (once; uv is in
OneScreen's .venv):

    python3 -m venv /work/superset-venv
    .venv/bin/uv pip install --python /work/superset-venv/bin/python 'apache-superset==6.1.*' \\
        rich cachetools 'flask-caching==2.3.1' psycopg2-binary gunicorn

(6.1.0 from PyPI does not start without `rich` and `cachetools`, nor with a
newer flask-caching). The script then sets up `--superset-home` itself the
first time (config, SQLite metadata database, `superset db upgrade`, an admin
user, `superset init`), starts Superset on a free port, registers the database,
the dataset and the charts from scratch (dropping those a previous run made)
and stops it when done. The city is read through a read-only role of the
benchmark's own (i12p_reader: pg_read_all_data, default_transaction_read_only),
which it creates if missing; the city database itself is never written.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd
import psycopg
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from access import guard
from access.service import Access
from api import register_api
from callbacks.closure import closure_panels
from callbacks.overview import overview_panels
from bench.run import POSTGRES_ADMIN, machine
from bench.serving import free_port
from deploy.local import end
from config import load_settings
from data_access.database import Database

HERE = Path(__file__).resolve().parent
READER = "i12p_reader"
READER_PASSWORD = "peers-bench-only"
SUPERSET_PREFIX = "onescreen-peers"  # names of what the script registers in Superset, so a rerun can drop them
TOOLS = ("onescreen", "superset", "naive", "sql")
INDICATORS = ("reported", "cancelled", "accepted", "closed", "due", "closure_rate", "on_time_closed",
              "on_time_closure_rate", "rework_rate", "avg_handle_hours", "satisfaction_rate", "backlog", "overdue")
PERIOD_INDICATORS = INDICATORS[:11]
AGE_BUCKETS = (("lt_1d", 0), ("1_3d", 24), ("3_7d", 72), ("7_30d", 168), ("ge_30d", 720))
HTTP_TIMEOUT_S = 120
# The view a person opens for a kind of question, and its refresh callback's body: every panel of the view, so more
# than the question (render() says what more). The backlog by age is on the wall, which bench/walls.py times.
VIEWS = {"kpis": ("/", overview_panels), "by_child": ("/closure", closure_panels)}


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    kind: str  # "kpis", "by_child" or "backlog_age"
    area: str
    child_length: int = 0  # by_child: the length of the child areas' codes


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive
    end: datetime  # exclusive
    as_of: datetime


# --- the questions, as SQL both Superset's metrics and the floor use ---------------------------------------

def _ts(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"


def indicator_sql(as_of: datetime) -> dict[str, str]:
    """Each period indicator of docs/contract.md as one SQL aggregate over the period's tickets.

    Written from the contract, not from OneScreen's code, so that agreeing with OneScreen checks something.
    These are Superset's ad-hoc metrics and the select list of the hand-written floor.
    """
    a = _ts(as_of)
    accepted = "status <> 'cancelled'"
    closed = f"{accepted} AND closed_at <= {a}"
    pending = f"{accepted} AND (closed_at IS NULL OR closed_at > {a}) AND due_at > {a}"

    def count(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    due = f"({count(accepted)} - {count(pending)})"
    due_with_deadline = f"({count(f'{accepted} AND due_at IS NOT NULL')} - {count(pending)})"
    on_time = count(f"{closed} AND closed_at <= due_at")
    return {
        "reported": "COUNT(*)",
        "cancelled": count("status = 'cancelled'"),
        "accepted": count(accepted),
        "closed": count(closed),
        "due": due,
        "closure_rate": f"CAST({count(closed)} AS DOUBLE PRECISION) / NULLIF({due}, 0)",
        "on_time_closed": on_time,
        "on_time_closure_rate": f"CAST({on_time} AS DOUBLE PRECISION) / NULLIF({due_with_deadline}, 0)",
        "rework_rate": f"CASE WHEN COUNT(CASE WHEN {accepted} THEN rework_count END) > 0 THEN "
                       f"CAST({count(f'{accepted} AND rework_count > 0')} AS DOUBLE PRECISION) "
                       f"/ NULLIF({count(accepted)}, 0) END",
        "avg_handle_hours": f"AVG(CASE WHEN {closed} THEN EXTRACT(EPOCH FROM closed_at - reported_at) END) / 3600",
        "satisfaction_rate": f"CAST({count('satisfaction >= 2')} AS DOUBLE PRECISION) / NULLIF(COUNT(satisfaction), 0)",
    }


def backlog_sql(as_of: datetime) -> dict[str, str]:
    return {"backlog": "COUNT(*)", "overdue": f"SUM(CASE WHEN due_at < {_ts(as_of)} THEN 1 ELSE 0 END)"}


def in_backlog_sql(as_of: datetime) -> str:
    a = _ts(as_of)
    return f"reported_at <= {a} AND status <> 'cancelled' AND (closed_at IS NULL OR closed_at > {a})"


def age_bucket_sql(as_of: datetime) -> str:
    whens = " ".join(f"WHEN reported_at <= {_ts(as_of - timedelta(hours=hours))} THEN '{bucket}'"
                     for bucket, hours in reversed(AGE_BUCKETS[1:]))
    return f"CASE {whens} ELSE '{AGE_BUCKETS[0][0]}' END"


def area_like(area: str) -> str:
    if not area.isalnum():
        raise ValueError(f"area code {area!r}: the benchmark's SQL takes plain codes only")
    return f"{area}%"


def floor_statement(question: Question, period: Period) -> str:
    """The hand-written SQL of a question: one statement, the backlog read as never-closed plus closed-later."""
    a, like = period.as_of, area_like(question.area)
    in_period = (f"area_code LIKE '{like}' AND reported_at >= {_ts(period.start)} "
                 f"AND reported_at < {_ts(period.end)} AND reported_at <= {_ts(a)}")
    backlog_rows = (f"SELECT * FROM ticket WHERE closed_at IS NULL AND area_code LIKE '{like}' AND {in_backlog_sql(a)} "
                    f"UNION ALL SELECT * FROM ticket WHERE closed_at > {_ts(a)} AND area_code LIKE '{like}' "
                    f"AND {in_backlog_sql(a)}")
    metrics = ", ".join(f"{sql} AS {name}" for name, sql in indicator_sql(a).items())
    backlogs = ", ".join(f"{sql} AS {name}" for name, sql in backlog_sql(a).items())
    if question.kind == "kpis":
        return (f"SELECT * FROM (SELECT {metrics} FROM ticket WHERE {in_period}) p, "
                f"(SELECT {backlogs} FROM ({backlog_rows}) b) k")
    if question.kind == "by_child":
        key = f"SUBSTRING(area_code, 1, {question.child_length})"
        return (f"SELECT COALESCE(p.key, k.key) AS key, p.*, k.backlog, k.overdue FROM "
                f"(SELECT {key} AS key, {metrics} FROM ticket WHERE {in_period} GROUP BY 1) p FULL JOIN "
                f"(SELECT {key} AS key, {backlogs} FROM ({backlog_rows}) b GROUP BY 1) k ON p.key = k.key")
    return f"SELECT {age_bucket_sql(a)} AS key, {backlogs} FROM ({backlog_rows}) b GROUP BY 1"


# --- answers, normalised to {key: {indicator: value}} --------------------------------------------------------

def _number(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return float(value) if not isinstance(value, int) else value


def normalise(rows: list[dict], key: str | None) -> dict:
    answer = {}
    for row in rows:
        k = "all" if key is None else str(row[key])
        answer[k] = {name: _number(row[name]) for name in INDICATORS if name in row}
    return answer


def differences(reference: dict, other: dict) -> list[str]:
    """What `other` says differently from `reference`; a missing value counts as 0 for counts, n/a for rates."""
    found = []
    for key in sorted(set(reference) | set(other)):
        a, b = reference.get(key, {}), other.get(key, {})
        for name in INDICATORS:
            if name not in a and name not in b:
                continue
            x, y = a.get(name), b.get(name)
            if name in ("backlog", "overdue", "reported", "cancelled", "accepted", "closed", "due", "on_time_closed"):
                x, y = x or 0, y or 0
            if x is None or y is None:
                same = x is None and y is None
            else:
                same = math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
            if not same:
                found.append(f"{key}.{name}: {x} vs {y}")
    return found


# --- OneScreen ------------------------------------------------------------------------------------------------

class OneScreen:
    """OneScreen's API through the Flask test client, behind its guard, as an analyst's script with a token asks."""

    def __init__(self, url: str, store_dir: Path, **settings_overrides):
        store = f"sqlite:///{store_dir / 'onescreen-store.sqlite'}"
        settings = replace(load_settings(), database_url=url, cache_redis_url=None, app_database_url=store,
                           **settings_overrides)
        self.db = Database.from_settings(settings)
        server = Flask("onescreen-peers")
        access = Access(settings)
        server.extensions["onescreen.access"] = access
        guard.install(server, access, {})
        register_api(server, self.db)
        user_id = access.store.create_user("peers-bench", "Peers benchmark", "analyst", ["*"])
        self.headers = {"Authorization": f"Bearer {access.store.create_token(user_id, 'bench')[1]}"}
        self.client = server.test_client()
        self.client.get("/health")

    @staticmethod
    def search(question: Question, period: Period) -> str:
        return (f"area={question.area}&from={period.start.date()}&to={(period.end - timedelta(days=1)).date()}"
                f"&as_of={period.as_of.isoformat()}")

    def path(self, question: Question, period: Period) -> str:
        route = {"kpis": "/api/v1/kpis?", "by_child": "/api/v1/breakdown?by=area&",
                 "backlog_age": "/api/v1/backlog?by=age&"}[question.kind]
        return route + self.search(question, period)

    def view_ms(self, question: Question, period: Period, cold: bool) -> float:
        """The refresh callback of the view that shows the question, all its panels (VIEWS), called in-process."""
        _, panels = VIEWS[question.kind]
        if cold:
            self.db.cache.clear()
        started = time.perf_counter()
        panels(self.db, "?" + self.search(question, period))
        return (time.perf_counter() - started) * 1000

    def ask(self, question: Question, period: Period, cold: bool) -> tuple[float, dict]:
        if cold:
            self.db.cache.clear()
        path = self.path(question, period)
        started = time.perf_counter()
        response = self.client.get(path, headers=self.headers)
        body = response.get_json()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"OneScreen {path}: {response.status_code} {body}")
        return elapsed, normalise([body] if question.kind == "kpis" else body["rows"],
                                  None if question.kind == "kpis" else "key")

    def overhead_ms(self) -> float:
        """An API request that reaches no data (a JSON 404 under /api/): the guard, token check and audit alone."""
        started = time.perf_counter()
        response = self.client.get("/api/v1/no-such-route", headers=self.headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 404:
            raise RuntimeError(f"OneScreen /api/v1/no-such-route: {response.status_code}")
        return elapsed

    def close(self) -> None:
        self.db.engine.dispose()


# --- the naive Dash pattern -----------------------------------------------------------------------------------

class Naive:
    """What a Dash tutorial does: read the scope's ticket rows into pandas, count there."""

    def __init__(self, url: str):
        self.engine = create_engine(url)

    def ask(self, question: Question, period: Period, cold: bool) -> tuple[float, dict]:
        a, like = period.as_of, area_like(question.area)
        started = time.perf_counter()
        with self.engine.connect() as conn:
            backlog = pd.read_sql(text("SELECT * FROM ticket WHERE area_code LIKE :like AND reported_at <= :a "
                                       "AND (closed_at IS NULL OR closed_at > :a)"), conn,
                                  params={"like": like, "a": a})
            period_rows = None
            if question.kind != "backlog_age":
                period_rows = pd.read_sql(text("SELECT * FROM ticket WHERE area_code LIKE :like "
                                               "AND reported_at >= :start AND reported_at < :end"), conn,
                                          params={"like": like, "start": period.start, "end": period.end})
        backlog = backlog[backlog["status"] != "cancelled"]
        if question.kind == "kpis":
            rows = [{**naive_indicators(period_rows, a), **naive_backlog(backlog, a)}]
            key = None
        elif question.kind == "by_child":
            period_groups = dict(tuple(period_rows.groupby(period_rows["area_code"].str[:question.child_length])))
            backlog_groups = dict(tuple(backlog.groupby(backlog["area_code"].str[:question.child_length])))
            rows = []
            for k in sorted(set(period_groups) | set(backlog_groups)):
                row = {"key": k, **naive_backlog(backlog_groups.get(k, backlog.iloc[0:0]), a)}
                if k in period_groups:
                    row.update(naive_indicators(period_groups[k], a))
                rows.append(row)
            key = "key"
        else:
            hours = (a - backlog["reported_at"]).dt.total_seconds() / 3600
            bucket = pd.Series(AGE_BUCKETS[0][0], index=backlog.index)
            for name, lower in AGE_BUCKETS[1:]:
                bucket[hours >= lower] = name
            rows = [{"key": k, **naive_backlog(group, a)} for k, group in backlog.groupby(bucket)]
            key = "key"
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, normalise(rows, key)

    def close(self) -> None:
        self.engine.dispose()


def naive_indicators(t: pd.DataFrame, a: datetime) -> dict:
    accepted = t["status"] != "cancelled"
    closed = accepted & (t["closed_at"] <= a)
    pending = accepted & ~(t["closed_at"] <= a) & (t["due_at"] > a)
    due = int(accepted.sum() - pending.sum())
    due_with_deadline = int((accepted & t["due_at"].notna()).sum() - pending.sum())
    on_time = closed & (t["closed_at"] <= t["due_at"])
    rated = t["satisfaction"].notna()
    hours = (t.loc[closed, "closed_at"] - t.loc[closed, "reported_at"]).dt.total_seconds() / 3600

    def ratio(n, d):
        return n / d if d else None

    return {
        "reported": len(t), "cancelled": int((~accepted).sum()), "accepted": int(accepted.sum()),
        "closed": int(closed.sum()), "due": due, "closure_rate": ratio(int(closed.sum()), due),
        "on_time_closed": int(on_time.sum()), "on_time_closure_rate": ratio(int(on_time.sum()), due_with_deadline),
        "rework_rate": (ratio(int((accepted & (t["rework_count"] > 0)).sum()), int(accepted.sum()))
                        if t.loc[accepted, "rework_count"].notna().any() else None),
        "avg_handle_hours": float(hours.mean()) if len(hours) else None,
        "satisfaction_rate": ratio(int((t["satisfaction"] >= 2).sum()), int(rated.sum())),
    }


def naive_backlog(b: pd.DataFrame, a: datetime) -> dict:
    return {"backlog": len(b), "overdue": int((b["due_at"] < a).sum())}


# --- the floor ---------------------------------------------------------------------------------------------------

class Floor:
    """The hand-written statement on a connection held open: what the database alone needs."""

    def __init__(self, url: str):
        u = make_url(url)
        self.conn = psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                                    dbname=u.database, autocommit=True)

    def ask(self, question: Question, period: Period, cold: bool) -> tuple[float, dict]:
        statement = floor_statement(question, period)
        started = time.perf_counter()
        with self.conn.cursor() as cur:
            cur.execute(statement)
            names = [c.name for c in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, normalise(rows, None if question.kind == "kpis" else "key")

    def close(self) -> None:
        self.conn.close()


# --- Superset ----------------------------------------------------------------------------------------------------

def superset_env(venv: Path, home: Path) -> dict:
    return {**os.environ, "SUPERSET_HOME": str(home), "SUPERSET_CONFIG_PATH": str(home / "superset_config.py"),
            "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}"}


def setup_superset(venv: Path, home: Path) -> dict:
    """The first time: a config, the SQLite metadata database, an admin, `superset init`. Returns the admin login."""
    home.mkdir(parents=True, exist_ok=True)
    login_file = home / "bench_admin.json"
    config = home / "superset_config.py"
    if not config.exists() or not login_file.exists():
        config.write_text(
            "# Written by OneScreen's bench/peers.py: a local benchmark instance on 127.0.0.1 only.\n"
            f"SECRET_KEY = {secrets.token_urlsafe(32)!r}\n"
            f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{home / 'superset.db'}'\n"
            "# The benchmark's script calls the REST API with a bearer token; no browser forms to protect.\n"
            "WTF_CSRF_ENABLED = False\n"
            "TALISMAN_ENABLED = False\n"
            "# A real data cache, so that warm has one to hit; cold asks with force=true, which skips it.\n"
            f"DATA_CACHE_CONFIG = {{'CACHE_TYPE': 'FileSystemCache', 'CACHE_DIR': '{home / 'data-cache'}', "
            "'CACHE_DEFAULT_TIMEOUT': 86400}\n"
        )
        env = superset_env(venv, home)
        password = secrets.token_urlsafe(16)
        superset = str(venv / "bin" / "superset")
        subprocess.run([superset, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([superset, "fab", "create-admin", "--username", "bench", "--firstname", "Bench",
                        "--lastname", "Peers", "--email", "bench@localhost", "--password", password],
                       env=env, check=True, capture_output=True)
        subprocess.run([superset, "init"], env=env, check=True, capture_output=True)
        login_file.write_text(json.dumps({"username": "bench", "password": password}))
        login_file.chmod(0o600)
    return json.loads(login_file.read_text())


@contextmanager
def superset_server(venv: Path, home: Path, log: Path) -> Iterator[int]:
    """Superset under gunicorn (1 worker, 4 threads) on a free port of 127.0.0.1; stopped after."""
    port = free_port()
    command = [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--threads", "4", "--worker-class", "gthread", "--timeout", "120",
               # No control socket: its default path is one per user, shared with every other gunicorn here.
               "--no-control-socket", "superset.app:create_app()"]
    with log.open("ab") as out:
        master = subprocess.Popen(command, env=superset_env(venv, home), cwd=home, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 300
        while True:
            if master.poll() is not None:
                raise RuntimeError(f"Superset's gunicorn exited with {master.returncode}; see {log}")
            try:
                if _http(port, "GET", "/health", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Superset did not answer /health in 300 s; see {log}")
            time.sleep(1)
        yield port
    finally:
        end([master])


def _http(port: int, method: str, path: str, body=None, token: str | None = None,
          timeout: float = HTTP_TIMEOUT_S) -> tuple[int, dict | str]:
    headers = {"Accept": "application/json"}
    raw = None
    if body is not None:
        raw = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=raw, headers=headers)
        response = connection.getresponse()
        data = response.read().decode()
    finally:
        connection.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, data


class Superset:
    """A running Superset with the city registered and a table chart per question."""

    def __init__(self, port: int, login: dict, city_url: str):
        self.port = port
        status, body = _http(port, "POST", "/api/v1/security/login",
                             {**login, "provider": "db", "refresh": False})
        if status != 200:
            raise RuntimeError(f"Superset login: {status} {body}")
        self.token = body["access_token"]
        self._drop_previous()
        u = make_url(city_url)
        uri = (f"postgresql+psycopg2://{u.username}:{u.password}@{u.host}:{u.port or 5432}/{u.database}")
        self.database_id = self._create("/api/v1/database/", {"database_name": f"{SUPERSET_PREFIX} {u.database}",
                                                               "sqlalchemy_uri": uri, "expose_in_sqllab": False})
        self.dataset_id = self._create("/api/v1/dataset/", {"database": self.database_id, "schema": "public",
                                                             "table_name": "ticket"})
        self.charts: dict[str, dict] = {}

    def _api(self, method: str, path: str, body=None):
        return _http(self.port, method, path, body, self.token)

    def _create(self, path: str, body: dict) -> int:
        status, answer = self._api("POST", path, body)
        if status not in (200, 201):
            raise RuntimeError(f"Superset POST {path}: {status} {answer}")
        return answer["id"]

    def _drop_previous(self) -> None:
        """Charts, datasets and databases a previous run registered, so each run starts from scratch."""
        query = "q=" + json.dumps({"page_size": 100}).replace(" ", "")
        for kind, name_field in (("chart", "slice_name"), ("dataset", "table_name"), ("database", "database_name")):
            status, listing = self._api("GET", f"/api/v1/{kind}/?{query}")
            if status != 200:
                raise RuntimeError(f"Superset GET /api/v1/{kind}/: {status} {listing}")
            for item in listing["result"]:
                name = item.get("database", {}).get("database_name", "") if kind == "dataset" else item[name_field]
                if str(name).startswith(SUPERSET_PREFIX):
                    self._api("DELETE", f"/api/v1/{kind}/{item['id']}")

    def add_chart(self, question: Question, period: Period) -> None:
        queries = superset_queries(question, period)
        datasource = {"id": self.dataset_id, "type": "table"}
        form_data = {"datasource": f"{self.dataset_id}__table", "viz_type": "table", "query_mode": "aggregate"}
        context = {"datasource": datasource, "queries": queries, "form_data": form_data,
                   "result_format": "json", "result_type": "full"}
        chart_id = self._create("/api/v1/chart/", {
            "slice_name": f"{SUPERSET_PREFIX} {question.name}", "viz_type": "table",
            "datasource_id": self.dataset_id, "datasource_type": "table",
            "params": json.dumps(form_data), "query_context": json.dumps(context)})
        context["form_data"] = {**form_data, "slice_id": chart_id}
        self.charts[question.name] = context

    def ask(self, question: Question, period: Period, cold: bool) -> tuple[float, dict]:
        body = {**self.charts[question.name], "force": cold}
        started = time.perf_counter()
        status, answer = self._api("POST", "/api/v1/chart/data", body)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"Superset chart data for {question.name}: {status} {str(answer)[:500]}")
        results = answer["result"]
        cached = [bool(r.get("is_cached")) for r in results]
        if cold and any(cached) or not cold and not all(cached):
            raise RuntimeError(f"Superset {question.name}: is_cached {cached} on a {'cold' if cold else 'warm'} ask")
        rows: dict[str, dict] = {}
        for result in results:
            for row in result["data"]:
                key = "all" if question.kind == "kpis" else str(row["key"])
                rows.setdefault(key, {"key": key}).update(row)
        return elapsed, normalise(list(rows.values()), None if question.kind == "kpis" else "key")

    def statements(self, question: Question) -> list[str]:
        """The SQL Superset sends for a question's chart (result_type "query": nothing is run)."""
        status, answer = self._api("POST", "/api/v1/chart/data", {**self.charts[question.name], "result_type": "query"})
        if status != 200:
            raise RuntimeError(f"Superset query of {question.name}: {status} {str(answer)[:500]}")
        return [r["query"] for r in answer["result"]]

    def overhead_ms(self) -> float:
        """An authenticated API request that reaches no data (GET /api/v1/me/): HTTP, token check, user lookup."""
        started = time.perf_counter()
        status, answer = self._api("GET", "/api/v1/me/")
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"Superset /api/v1/me/: {status} {str(answer)[:200]}")
        return elapsed


def superset_queries(question: Question, period: Period) -> list[dict]:
    """The chart's queries as a Superset user builds them: the ticket table, ad-hoc SQL metrics and filters."""
    a, like = period.as_of, area_like(question.area)

    def metrics(sql: dict[str, str]) -> list[dict]:
        return [{"expressionType": "SQL", "sqlExpression": s, "label": name} for name, s in sql.items()]

    area_filter = {"col": "area_code", "op": "LIKE", "val": like}
    time_range = f"{period.start.isoformat()} : {period.end.isoformat()}"
    period_filter = [area_filter, {"col": "reported_at", "op": "TEMPORAL_RANGE", "val": time_range}]
    backlog_where = {"where": in_backlog_sql(a)}
    if question.kind == "backlog_age":
        key = [{"expressionType": "SQL", "sqlExpression": age_bucket_sql(a), "label": "key"}]
    elif question.kind == "by_child":
        key = [{"expressionType": "SQL", "sqlExpression": f"SUBSTRING(area_code, 1, {question.child_length})",
                "label": "key"}]
    else:
        key = []
    backlog_query = {"columns": key, "metrics": metrics(backlog_sql(a)), "filters": [area_filter],
                     "extras": backlog_where, "row_limit": 10000, "orderby": []}
    if question.kind == "backlog_age":
        return [backlog_query]
    period_query = {"columns": key, "metrics": metrics(indicator_sql(a)), "filters": period_filter,
                    "extras": {}, "row_limit": 10000, "orderby": []}
    return [period_query, backlog_query]


# --- the run -------------------------------------------------------------------------------------------------------

def ensure_reader(database: str) -> str:
    """A read-only login for reading the city: the benchmark's own role, nothing granted inside the city database."""
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": READER}).first()
        create = [] if exists else [f"CREATE ROLE {READER} LOGIN PASSWORD '{READER_PASSWORD}' CONNECTION LIMIT 20"]
        for statement in (*create, f"ALTER ROLE {READER} SET default_transaction_read_only = on",
                          f"GRANT pg_read_all_data TO {READER}"):
            conn.execute(text(statement))
    admin.dispose()
    url = make_url(POSTGRES_ADMIN).set(database=database, username=READER, password=READER_PASSWORD)
    return url.render_as_string(hide_password=False)


def choose(url: str) -> tuple[Period, list[Question], dict]:
    """The month, the areas and their ticket counts, from the city itself."""
    engine = create_engine(url)
    with engine.connect() as conn:
        as_of = conn.execute(text("SELECT max(reported_at) FROM ticket")).scalar_one()
        end = datetime.combine(as_of.date().replace(day=1), datetime.min.time())
        start = datetime.combine((end - timedelta(days=1)).replace(day=1), datetime.min.time())
        root = conn.execute(text("SELECT area_code, name FROM area WHERE parent_code IS NULL "
                                 "ORDER BY area_code LIMIT 1")).one()
        children = conn.execute(text("SELECT DISTINCT length(area_code) FROM area WHERE parent_code = :r"),
                                {"r": root.area_code}).scalars().all()
        if len(children) != 1:
            raise RuntimeError("the benchmark groups by a prefix: the root's children need codes of one length")
        # The grid is an area of the finest level the city has (micro_grid in chengdu, grid in gusu).
        finest = conn.execute(text("SELECT level FROM area GROUP BY level ORDER BY max(length(area_code)) DESC "
                                   "LIMIT 1")).scalar_one()
        picked = {}
        for level in ("street", finest):
            length = conn.execute(text("SELECT max(length(area_code)) FROM area WHERE level = :l"),
                                  {"l": level}).scalar_one()
            counts = conn.execute(text(
                "SELECT substr(t.area_code, 1, :n) AS code, count(*) AS n FROM ticket t "
                "WHERE reported_at >= :s AND reported_at < :e GROUP BY 1 ORDER BY 2, 1"),
                {"n": length, "s": start, "e": end}).all()
            levels = dict(conn.execute(text("SELECT area_code, level FROM area WHERE area_code = ANY(:codes)"),
                                       {"codes": [c.code for c in counts]}).all())
            counts = [c for c in counts if levels.get(c.code) == level]
            median = counts[len(counts) // 2]
            name = conn.execute(text("SELECT name FROM area WHERE area_code = :c"), {"c": median.code}).scalar_one()
            picked["street" if level == "street" else "grid"] = (median.code, name, median.n, len(counts), level)
        month_tickets = conn.execute(text("SELECT count(*) FROM ticket WHERE reported_at >= :s AND reported_at < :e"),
                                     {"s": start, "e": end}).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM ticket")).scalar_one()
    engine.dispose()
    period = Period(start, end, as_of)
    questions = [
        Question("city_kpis", f"city-wide month KPIs ({root.name})", "kpis", root.area_code),
        Question("closure_by_district", "closure by district (the city's child areas)", "by_child",
                 root.area_code, children[0]),
        Question("backlog_by_age", "city-wide backlog by age", "backlog_age", root.area_code),
        Question("street_kpis", f"a street's month KPIs ({picked['street'][1]})", "kpis", picked["street"][0]),
        Question("grid_kpis", f"a grid's month KPIs ({picked['grid'][1]})", "kpis", picked["grid"][0]),
    ]
    facts = {"tickets": total, "month_tickets": month_tickets, "root": root.area_code,
             "street": picked["street"], "grid": picked["grid"]}
    return period, questions, facts


def timed(ask: Callable, question: Question, period: Period, cold: bool, runs: int) -> tuple[list[float], dict]:
    times, answer = [], None
    for _ in range(runs):
        elapsed, answer = ask(question, period, cold)
        times.append(elapsed)
    return times, answer


def run(args) -> dict:
    reader_url = ensure_reader(args.database)
    period, questions, facts = choose(reader_url)
    print(f"month {period.start:%Y-%m}, as_of {period.as_of}; street {facts['street']}, grid {facts['grid']}",
          flush=True)
    venv, home = Path(args.superset_venv), Path(args.superset_home)
    login = setup_superset(venv, home)
    results = {"machine": machine(), "arguments": vars(args), "period": {
        "from": period.start.date().isoformat(), "to": (period.end - timedelta(days=1)).date().isoformat(),
        "as_of": period.as_of.isoformat()}, "facts": facts, "questions": []}
    results["superset_version"] = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('apache-superset'))"],
        capture_output=True, text=True).stdout.strip()
    with superset_server(venv, home, home / "gunicorn.log") as port, tempfile.TemporaryDirectory() as store_dir:
        superset = Superset(port, login, reader_url)
        tools = {"onescreen": OneScreen(reader_url, Path(store_dir)), "superset": superset, "naive": Naive(reader_url),
                 "sql": Floor(reader_url)}
        results["overhead_ms"] = {name: statistics.median(tools[name].overhead_ms() for _ in range(20))
                                  for name in ("onescreen", "superset")}
        try:
            for question in questions:
                superset.add_chart(question, period)
                results["questions"].append(measure(question, period, tools, args))
                print(json.dumps(results["questions"][-1]["median_ms"]), flush=True)
        finally:
            for name in ("onescreen", "naive", "sql"):
                tools[name].close()
    results["machine"]["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    return results


def measure(question: Question, period: Period, tools: dict, args) -> dict:
    load = round(os.getloadavg()[0], 2)
    answers = {}
    for name, tool in tools.items():  # each tool once: PostgreSQL's buffers warm for all, answers kept to compare
        _, answers[name] = tool.ask(question, period, True)
    cold = {name: [] for name in tools}
    warm = {"onescreen": [], "superset": []}
    for round_ in range(args.cold):
        for name, tool in tools.items():
            if name == "naive" and round_ >= args.naive:
                continue
            cold[name] += timed(tool.ask, question, period, True, 1)[0]
    for name in warm:
        tools[name].ask(question, period, False)  # fills the cache the warm asks hit
    for _ in range(args.warm):
        for name in warm:
            warm[name] += timed(tools[name].ask, question, period, False, 1)[0]
    views = {}
    if question.kind in VIEWS:
        onescreen = tools["onescreen"]
        views = {"cold": [onescreen.view_ms(question, period, True) for _ in range(args.view)],
                 "warm": [onescreen.view_ms(question, period, False) for _ in range(args.view)]}
    median = {f"{name}_cold": statistics.median(times) for name, times in cold.items()}
    median |= {f"{name}_warm": statistics.median(times) for name, times in warm.items()}
    median |= {f"view_{kind}": statistics.median(times) for kind, times in views.items()}
    checks = {name: differences(answers["sql"], answers[name]) for name in tools if name != "sql"}
    return {"name": question.name, "label": question.label, "area": question.area, "load_average_1min": load,
            "view": VIEWS[question.kind][0] if question.kind in VIEWS else None,
            "cold_ms": cold, "warm_ms": warm, "view_ms": views, "median_ms": median,
            "max_ms": {f"{name}_cold": max(times) for name, times in cold.items()},
            "differences": checks, "answer": answers["sql"], "sql": floor_statement(question, period),
            "superset_sql": tools["superset"].statements(question)}


# --- the report ------------------------------------------------------------------------------------------------------

def render(results: dict) -> str:
    m, p, f = results["machine"], results["period"], results["facts"]
    args = results["arguments"]
    lines = [
        "# OneScreen beside Superset, the naive Dash pattern and hand-written SQL",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, shared with other work; "
        f"Python {m['python']}, {m['postgresql']}; Superset {results['superset_version']}. Run {m['date']} with "
        f"`.venv/bin/python -m bench.peers --database {args['database']} --superset-venv {args['superset_venv']} "
        f"--superset-home {args['superset_home']}`; 1-minute load average {m['load_average_1min']} at the start, "
        f"{m['load_average_1min_end']} at the end (and per question below).",
        "",
        f"Database: PostgreSQL `{args['database']}`, {f['tickets']:,} tickets, read through a read-only role. "
        f"Period {p['from']} to {p['to']} ({f['month_tickets']:,} tickets), as_of {p['as_of']} (the newest ticket). "
        f"Street: {f['street'][1]} `{f['street'][0]}` ({f['street'][2]:,} tickets that month, the median of "
        f"{f['street'][3]} streets); grid: {f['grid'][1]} `{f['grid'][0]}` ({f['grid'][2]:,} tickets, the median "
        f"of the {f['grid'][3]:,} areas of level `{f['grid'][4]}` that had any).",
        "",
        "How each is timed (the script's docstring says more):",
        "- **OneScreen**: its JSON API through Flask's test client in the benchmark's process (no HTTP). Cold: "
        "the result cache cleared before each request (`db.cache.clear()`), connection pool open. Warm: the "
        "same request from the result cache. Every request carries an analyst's API token and passes the guard, "
        "which checks it and writes an audit record (the store a SQLite file in a temporary directory), as in "
        "production; a request that reaches no data (a JSON 404 under /api/) costs "
        f"{results['overhead_ms']['onescreen']:.1f} ms (median of 20).",
        "- **Superset**: POST /api/v1/chart/data with each table chart's saved query context, over HTTP to gunicorn "
        "(1 worker, 4 threads, 127.0.0.1), bearer token. Cold: `force: true` (its data cache skipped; it also "
        "opens a fresh PostgreSQL connection per query, its default NullPool). Warm: `force: false`, answered "
        f"from its data cache (FileSystemCache; every warm answer said `is_cached`). A request that reaches no "
        "data (GET /api/v1/me/: HTTP, token, user lookup): "
        f"{results['overhead_ms']['superset']:.1f} ms (median of 20).",
        "- **naive**: `pandas.read_sql` of `SELECT *` of the scope's period tickets and of its tickets not closed "
        "by as_of, then pandas (pooled SQLAlchemy connection). No cache: one figure.",
        "- **SQL**: one hand-written statement per question on an open psycopg connection (the floor). No cache.",
        "",
        "PostgreSQL's buffer cache is warm for all: each tool answers each question once before timing. "
        f"Cold figures are medians of {args['cold']} interleaved rounds ({args['naive']} for naive), warm of "
        f"{args['warm']}. The indicators of each question are the same 13 on every side (docs/contract.md); "
        "Superset computes them with ad-hoc SQL metrics over the ticket table, in two queries of one request "
        "where the question has a period part and a backlog part, as OneScreen does in two statements.",
        "",
        "## Cold (ms, median; max in brackets)",
        "",
        "Superset / SQL: the ratio a tool that added nothing to the hand-written statement would reach.",
        "",
        "| question | load | OneScreen | Superset | naive | SQL | Superset / OneScreen | Superset / SQL "
        "| OneScreen - SQL | Superset - SQL |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for q in results["questions"]:
        md, mx = q["median_ms"], q["max_ms"]

        def cell(name):
            return f"{md[name + '_cold']:.0f} ({mx[name + '_cold']:.0f})"
        lines.append(
            f"| {q['label']} | {q['load_average_1min']} | {cell('onescreen')} | {cell('superset')} | {cell('naive')} "
            f"| {cell('sql')} | **{md['superset_cold'] / md['onescreen_cold']:.2f}** "
            f"| {md['superset_cold'] / md['sql_cold']:.2f} "
            f"| {md['onescreen_cold'] - md['sql_cold']:+.0f} | {md['superset_cold'] - md['sql_cold']:+.0f} |")
    lines += ["", "## Warm (ms, median)", "", "| question | OneScreen | Superset | Superset / OneScreen |",
              "|---|---:|---:|---:|"]
    for q in results["questions"]:
        md = q["median_ms"]
        lines.append(f"| {q['label']} | {md['onescreen_warm']:.2f} | {md['superset_warm']:.1f} "
                     f"| **{md['superset_warm'] / md['onescreen_warm']:.1f}** |")
    lines += ["", "## OneScreen's view for the same question (ms, median)", "",
              f"The refresh callback of the view that shows the question, called in-process ({args['view']} cold, "
              f"{args['view']} warm, after the API rounds): every panel of the view, so more than the question "
              "(the overview also draws the daily trend, the weakest areas and the backlog by source; the closure "
              "view ranks the child areas against the previous period and breaks down by department and category). "
              "The backlog by age is drawn by the wall, whose refresh bench/walls.py times.", "",
              "| question | view | cold | warm | API cold | Superset cold |", "|---|---|---:|---:|---:|---:|"]
    for q in results["questions"]:
        md = q["median_ms"]
        if "view_cold" in md:
            lines.append(f"| {q['label']} | `{q['view']}` | {md['view_cold']:.0f} | {md['view_warm']:.0f} "
                         f"| {md['onescreen_cold']:.0f} | {md['superset_cold']:.0f} |")
    ratios = {q["label"]: q["median_ms"]["superset_cold"] / q["median_ms"]["onescreen_cold"]
              for q in results["questions"]}
    short = [f"{label} ({ratio:.2f}x)" for label, ratio in ratios.items() if ratio < 3]
    lines += ["", "## The goal (issue 12): OneScreen at least 3x faster than Superset cold on every question", ""]
    lines.append("Not reached on: " + ", ".join(short) + "." if short else "Reached on every question.")
    lines += ["", "## Same numbers?", "",
              "Each tool's answer against the hand-written SQL's (counts equal, rates and hours within 1e-9):", ""]
    for q in results["questions"]:
        verdicts = []
        for name, found in q["differences"].items():
            verdicts.append(f"{name} equal" if not found else f"{name} differs in {len(found)}: {'; '.join(found[:5])}")
        lines.append(f"- {q['label']}: {', '.join(verdicts)}.")
    first = results["questions"][0]["answer"]["all"]
    lines += ["", "The city-wide answer all four gave: " + ", ".join(
        f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v:,}" for k, v in first.items() if v is not None) + "."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="i11_bench_chengdu", help="the city's PostgreSQL database (read only)")
    parser.add_argument("--superset-venv", default="/work/superset-venv")
    parser.add_argument("--superset-home", default="/work/superset-home")
    parser.add_argument("--cold", type=int, default=7, help="cold rounds")
    parser.add_argument("--warm", type=int, default=20, help="warm rounds")
    parser.add_argument("--naive", type=int, default=3, help="cold rounds of the naive pattern (slow)")
    parser.add_argument("--view", type=int, default=3, help="cold and warm rounds of OneScreen's view callback")
    parser.add_argument("--out", default=str(HERE / "peers.md"))
    args = parser.parse_args()
    # Stopped with SIGTERM, the script still stops the Superset it started (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = run(args)
    Path(args.out).write_text(render(results))
    Path(args.out).with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
