"""Shared helpers: contract databases on SQLite, PostgreSQL and MariaDB.

The PostgreSQL and MariaDB servers are the ones on this machine's loopback
(override with ONESCREEN_TEST_POSTGRES_URL / ONESCREEN_TEST_MARIADB_URL,
admin URLs whose database is only used to create the test databases). A
developer without them gets skips; under CI=true a missing server fails the
run, so CI can never turn green by skipping the dialects it must prove.
"""
from __future__ import annotations

import os
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
