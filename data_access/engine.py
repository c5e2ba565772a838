"""Read-only database engines, one recipe per dialect.

OneScreen must not be able to change a city's operational data even if a
query were wrong, so read-only is a property of the connection itself, not a
promise of the code: SQLite opens the file with `mode=ro`, PostgreSQL starts
every transaction read-only, MySQL/MariaDB set the session's transactions
READ ONLY. Every statement is also bounded in time, so one slow query cannot
hold a worker (and a wall) hostage.

A statement timeout is the server's own: a server that is frozen (a lock
storm, a stopped process, a partition whose kernel still acknowledges) never
sends the cancellation, and a worker would wait on its socket for ever. So
every wait on the network is bounded on the client too: connecting, checking
a connection out of the pool, pinging it, and waiting for an answer. A
statement may take its statement timeout and a margin for the server to say
it cancelled; anything else (the pool's ping, the rollback when a connection
goes back) should be instant and gets the connect timeout.
"""
from __future__ import annotations

import logging
import math
import os
import time
import weakref

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL

log = logging.getLogger(__name__)

# How many SQLite virtual-machine steps pass between two looks at the clock:
# small enough to stop within milliseconds of the limit, large enough to cost
# nothing measurable.
_SQLITE_PROGRESS_STEPS = 20_000

# How long past its statement timeout a statement's answer is awaited: the server's own
# cancellation should arrive first, as a clear error, and only a frozen server reaches this.
_ANSWER_MARGIN_S = 2.0


class UnsupportedDatabase(ValueError):
    """The URL names a database OneScreen has no read-only recipe for."""


def fresh_after_fork(engine: Engine) -> Engine:
    """Let a forked child open its own connections, never use its parent's.

    gunicorn loads the app in its master before forking the workers (gunicorn.conf.py `preload_app`): a
    connection the master opened (the start-up checks) would otherwise be shared by every worker, their
    answers interleaved on one socket. SQLAlchemy's way: the child forgets the pool without closing what the
    parent still owns. Held weakly, so engines that tests make and drop are not kept alive.
    """
    held = weakref.ref(engine)

    def forget() -> None:
        alive = held()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=forget)
    return engine


def read_only_engine(url: str | URL, statement_timeout_s: float, connect_timeout_s: float = 3.0) -> Engine:
    """An engine whose connections refuse writes and bound every statement, and every wait, in time."""
    url = make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return fresh_after_fork(_sqlite_engine(url, statement_timeout_s, connect_timeout_s))
    if backend == "postgresql":
        return fresh_after_fork(_postgresql_engine(url, statement_timeout_s, connect_timeout_s))
    if backend in ("mysql", "mariadb"):
        return fresh_after_fork(_mysql_engine(url, statement_timeout_s, connect_timeout_s))
    raise UnsupportedDatabase(
        f"{backend!r} is not supported: use sqlite, postgresql+psycopg or mysql+pymysql URLs"
    )


def _sqlite_engine(url: URL, timeout_s: float, connect_timeout_s: float) -> Engine:
    path = url.database
    if not path or path == ":memory:":
        raise UnsupportedDatabase("an in-memory SQLite database has no data to read")
    # `uri=true` makes sqlite3 honour `mode=ro`: the file is opened read-only
    # by SQLite itself, so no statement can write, whatever it is.
    ro_url = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
    # `timeout` is SQLite's busy timeout: how long a reader waits on a writer's lock before "database is locked".
    engine = create_engine(
        ro_url,
        pool_timeout=connect_timeout_s,
        connect_args={"check_same_thread": False, "timeout": connect_timeout_s},
    )

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


def _postgresql_engine(url: URL, timeout_s: float, connect_timeout_s: float) -> Engine:
    options = (
        "-c default_transaction_read_only=on"
        f" -c statement_timeout={int(timeout_s * 1000)}"
    )
    connect_args = {
        "options": options,
        # Whole seconds, and psycopg (like libpq) waits at least 2.
        "connect_timeout": math.ceil(connect_timeout_s),
        # A peer gone from the network (no kernel left to acknowledge) is noticed by TCP itself:
        # unacknowledged data gives up after the longest wait, an idle pooled connection is probed.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": int((timeout_s + _ANSWER_MARGIN_S) * 1000),
    }
    engine = create_engine(
        url, pool_pre_ping=True, pool_timeout=connect_timeout_s, connect_args=connect_args
    )

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, connection_record, cargs, cparams):
        connection = _AnswerBoundConnection.connect(*cargs, **cparams)
        connection.answer_timeout = connect_timeout_s
        return connection

    _bound_answers(engine, timeout_s, connect_timeout_s, _set_pg_answer_timeout)
    return engine


class _AnswerBoundConnection(psycopg.Connection):
    """A psycopg connection that waits at most `answer_timeout` seconds for each answer of the server.

    psycopg waits on the socket without end unless told otherwise; every wait
    of a statement, a fetch or a ping goes through `wait`, which takes a
    timeout, so here it always gets one. A wait that expires leaves the
    protocol half-way: the connection is closed, and SQLAlchemy sees a
    disconnect and drops it from the pool.
    """

    answer_timeout: float | None = None

    def wait(self, gen, *args, timeout=None, **kwargs):
        bound = timeout if timeout is not None else self.answer_timeout
        try:
            return super().wait(gen, *args, timeout=bound, **kwargs)
        except pg_errors._WaitTimeout:
            self.close()
            raise pg_errors.OperationalError(f"the database server did not answer within {bound:g} s") from None


def _set_pg_answer_timeout(dbapi_connection, seconds: float) -> None:
    dbapi_connection.answer_timeout = seconds


def _set_mysql_answer_timeout(dbapi_connection, seconds: float) -> None:
    # PyMySQL reads these before each socket read and write (there is no public setter).
    dbapi_connection._read_timeout = dbapi_connection._write_timeout = seconds


def _bound_answers(engine: Engine, timeout_s: float, connect_timeout_s: float, set_answer_timeout) -> None:
    """Give a checked-out connection time for statements, and one in the pool (ping, reset) only the connect timeout."""

    @event.listens_for(engine, "checkout")
    def _lend(dbapi_connection, connection_record, connection_proxy):
        set_answer_timeout(dbapi_connection, timeout_s + _ANSWER_MARGIN_S)

    @event.listens_for(engine, "reset")
    def _return(dbapi_connection, connection_record, reset_state):
        set_answer_timeout(dbapi_connection, connect_timeout_s)

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, connection_record):
        if dbapi_connection is not None:
            set_answer_timeout(dbapi_connection, connect_timeout_s)


def _mysql_engine(url: URL, timeout_s: float, connect_timeout_s: float) -> Engine:
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    connect_args = {
        "connect_timeout": connect_timeout_s,
        "read_timeout": connect_timeout_s,
        "write_timeout": connect_timeout_s,
    }
    engine = create_engine(
        url, pool_pre_ping=True, pool_recycle=3600, pool_timeout=connect_timeout_s, connect_args=connect_args
    )

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

    _bound_answers(engine, timeout_s, connect_timeout_s, _set_mysql_answer_timeout)
    return engine
