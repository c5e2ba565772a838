"""Shared helpers: contract databases on SQLite, PostgreSQL and MariaDB.

The PostgreSQL and MariaDB servers are the ones on this machine's loopback
(override with ONESCREEN_TEST_POSTGRES_URL / ONESCREEN_TEST_MARIADB_URL,
admin URLs whose database is only used to create the test databases). A
developer without them gets skips; under CI=true a missing server fails the
run, so CI can never turn green by skipping the dialects it must prove.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import Settings
from data_access import contract
from data_access.database import Database

POSTGRES_ADMIN_URL = os.environ.get(
    "ONESCREEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MARIADB_ADMIN_URL = os.environ.get("ONESCREEN_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql")
REDIS_URL = os.environ.get("ONESCREEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DIALECTS = ("sqlite", "postgresql", "mariadb")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def unavailable(what: str, error: Exception):
    """Skip on a developer's machine; fail in CI, where every server must be there."""
    message = f"{what} is not reachable: {error}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def reachable_redis() -> str:
    """REDIS_URL, once it answers (else `unavailable`)."""
    import redis  # only the tests that need a Redis need the client

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL}", error)
    return REDIS_URL


def free_port() -> int:
    """A loopback port nothing listens on right now, for a server a test starts."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_for(database_url: str, **overrides) -> Settings:
    base = Settings(
        database_url=database_url,
        cache_redis_url=None,
        frozen_now=datetime(2026, 11, 20, 12, 0, 0),
        statement_timeout_s=20,
        live_cache_seconds=15,
        history_cache_seconds=3600,
        # The tests make their databases themselves, as the servers' superusers (postgres, root), and read
        # them as such: a role OneScreen refuses unless allowed. Tests of that refusal turn this off.
        allow_writable_role=True,
        # Each app gets a store of its own in memory: users and sessions of one test never meet another's.
        app_database_url="sqlite://",
        # No background refresher: tests count statements and make many apps; tests/test_refresher.py turns it on.
        refresher=False,
    )
    return replace(base, **overrides)


def fresh_database_url(dialect: str, name: str, tmp_dir: Path) -> str:
    """A writable URL of an empty database called `name` on `dialect` (created anew)."""
    if dialect == "sqlite":
        path = tmp_dir / f"{name}.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin_url = POSTGRES_ADMIN_URL if dialect == "postgresql" else MARIADB_ADMIN_URL
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
    except Exception as error:  # any driver error means: no server to test against
        unavailable(f"{dialect} at {make_url(admin_url).render_as_string(hide_password=True)}", error)
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def create_contract(url: str, *, with_indexes: bool = True) -> None:
    engine = create_engine(url)
    contract.metadata.create_all(engine)
    if with_indexes:
        for index in contract.TICKET_INDEXES:
            index.create(engine, checkfirst=True)
    engine.dispose()


def insert_rows(url: str, rows_by_table: dict[str, list[dict]]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for name, rows in rows_by_table.items():
            if rows:
                conn.execute(contract.metadata.tables[name].insert(), rows)
    engine.dispose()


def read_only_database(url: str, **overrides) -> Database:
    return Database.from_settings(settings_for(url, **overrides))


def tile_texts(tiles) -> dict[str, tuple[str, str]]:
    """{name: (value text, hover text)} of a row of tiles."""
    found = {}
    for tile in tiles[0].children:
        props = tile.to_plotly_json()["props"]
        found[props["data-indicator"]] = (props["children"][1].children, props["title"])
    return found


def access_of(app):
    """The access service (users, devices, sessions, audit) of a Dash app or its Flask server."""
    return getattr(app, "server", app).extensions["onescreen.access"]


def signed_in(app, *, role: str = "admin", areas: tuple[str, ...] = ("*",), personal_data: bool = False,
              username: str | None = None):
    """A test client of `app` logged in as a new user (by default an admin of every area, personal data masked).

    The session is opened in the app's own store, exactly as the login page opens one, and its cookie set on
    the client: the guard treats the client like a browser that logged in.
    """
    from access.guard import SESSION_COOKIE

    access = access_of(app)
    name = username or f"test-{role}-{len(access.store.users()) + 1}"
    user_id = access.store.create_user(name, name, role, areas, personal_data=personal_data)
    session_id, _csrf = access.open_session(user_id)
    client = getattr(app, "server", app).test_client()
    client.set_cookie(SESSION_COOKIE, session_id)
    return client


def api_server(db: Database, renderer=None):
    """A bare Flask server with the API and exports on `db`, behind the same guard as the app's (no Dash)."""
    from flask import Flask

    from access import guard
    from access.service import Access
    from api import register_api

    server = Flask(f"onescreen-api-{db.cache_namespace}")
    access = Access(replace(db.settings, app_database_url="sqlite://"))
    server.extensions["onescreen.access"] = access
    guard.install(server, access, {})
    register_api(server, db, renderer)
    return server


def api_token(app, *, role: str = "analyst", areas: tuple[str, ...] = ("*",)) -> str:
    """An API token of a new user of `app` (a Dash app or a Flask server), as an analyst's script holds one."""
    store = access_of(app).store
    user_id = store.create_user(f"script-{len(store.users()) + 1}", "script", role, areas)
    return store.create_token(user_id, "tests")[1]


def with_bearer(wsgi_app, token: str):
    """`wsgi_app` as a script with `token` reaches it (for tools that call a WSGI app directly, like schemathesis)."""
    def app(environ, start_response):
        return wsgi_app({**environ, "HTTP_AUTHORIZATION": f"Bearer {token}"}, start_response)

    return app


@contextmanager
def acting_as(principal):
    """A request in which `principal` asks, as the guard would have identified it: for calling a view's
    functions (workers_panels, worker_track) directly with a principal's narrowed scope."""
    from flask import Flask, g

    with Flask("onescreen-acting").test_request_context():
        g.principal = principal
        yield principal


def principal_with(*, personal_data: bool, role: str = "admin", areas: tuple[str, ...] = ("*",)):
    """A user principal of every area (by default), with or without the personal-data flag."""
    from access.model import Principal

    return Principal("user", 1, "tester", role, areas, personal_data=personal_data)
