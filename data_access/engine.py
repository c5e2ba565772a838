"""Read-only database engines, one recipe per dialect.

OneScreen must not be able to change a city's operational data even if a
query were wrong, so read-only is a property of the connection itself, not a
promise of the code: SQLite opens the file with `mode=ro`, PostgreSQL starts
every transaction read-only, MySQL/MariaDB set the session's transactions
READ ONLY. Every statement is also bounded in time, so one slow query cannot
hold a worker (and a wall) hostage.
"""
from __future__ import annotations

import logging
import time

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL

log = logging.getLogger(__name__)

# How many SQLite virtual-machine steps pass between two looks at the clock:
# small enough to stop within milliseconds of the limit, large enough to cost
# nothing measurable.
_SQLITE_PROGRESS_STEPS = 20_000


class UnsupportedDatabase(ValueError):
    """The URL names a database OneScreen has no read-only recipe for."""


def read_only_engine(url: str | URL, statement_timeout_s: float) -> Engine:
    """An engine whose connections refuse writes and bound every statement in time."""
    url = make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, statement_timeout_s)
    if backend == "postgresql":
        return _postgresql_engine(url, statement_timeout_s)
    if backend in ("mysql", "mariadb"):
        return _mysql_engine(url, statement_timeout_s)
    raise UnsupportedDatabase(
        f"{backend!r} is not supported: use sqlite, postgresql+psycopg or mysql+pymysql URLs"
    )


def _sqlite_engine(url: URL, timeout_s: float) -> Engine:
    path = url.database
    if not path or path == ":memory:":
        raise UnsupportedDatabase("an in-memory SQLite database has no data to read")
    # `uri=true` makes sqlite3 honour `mode=ro`: the file is opened read-only
    # by SQLite itself, so no statement can write, whatever it is.
    ro_url = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
    engine = create_engine(ro_url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        deadline = connection_record.info.setdefault("deadline", [float("inf")])
        # A non-zero return from the progress handler interrupts the statement.
        dbapi_connection.set_progress_handler(
            lambda: time.monotonic() > deadline[0], _SQLITE_PROGRESS_STEPS
        )
        dbapi_connection.execute("PRAGMA query_only = ON")

    @event.listens_for(engine, "before_cursor_execute")
    def _arm_deadline(conn, cursor, statement, parameters, context, executemany):
        conn.connection.info["deadline"][0] = time.monotonic() + timeout_s

    return engine


def _postgresql_engine(url: URL, timeout_s: float) -> Engine:
    options = (
        "-c default_transaction_read_only=on"
        f" -c statement_timeout={int(timeout_s * 1000)}"
    )
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options})


def _mysql_engine(url: URL, timeout_s: float) -> Engine:
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    engine = create_engine(url, pool_pre_ping=True, pool_recycle=3600)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT VERSION()")
        is_mariadb = "mariadb" in cursor.fetchone()[0].lower()
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        # The two forks bound statements with different variables and units.
        if is_mariadb:
            cursor.execute(f"SET SESSION max_statement_time = {float(timeout_s)}")
        else:
            cursor.execute(f"SET SESSION max_execution_time = {int(timeout_s * 1000)}")
        cursor.close()

    return engine
