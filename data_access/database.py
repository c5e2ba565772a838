"""One connected city database: the read-only engine, the contract as this database has it, the cache.

A real database may lack optional columns, or whole tables (a city with
tickets only). Rather than scatter "if the column exists" through every
query, `Database` looks at the database once and offers each contract table
as a selectable whose missing optional columns read as NULL. Queries are
written once against the full contract and still run on a partial one.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import cast, false, inspect, null, select, type_coerce
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.sql import FromClause

from config import Settings
from data_access import DatabaseError, contract
from data_access.breaker import Breaker, Open
from data_access.cache import ResultCache
from data_access.engine import read_only_engine
from data_access.privileges import WritableRoleError, writable_privileges

log = logging.getLogger(__name__)


class DatabaseUnavailable(OperationalError):
    """The query was not sent: the database is known to be down, or no pooled connection freed up in time."""

    def __init__(self, reason: str):
        super().__init__(None, None, ConnectionError(reason))


class Database:
    """The city database as OneScreen reads it. Holds no user state: only a pool and what the schema looks like."""

    def __init__(self, engine: Engine, cache: ResultCache, settings: Settings):
        self.engine = engine
        self.cache = cache
        self.settings = settings
        # Databases sharing one Redis (two cities, or tests on three dialects)
        # must never read each other's answers.
        url_text = engine.url.render_as_string(hide_password=True)
        self.cache_namespace = hashlib.sha256(url_text.encode()).hexdigest()[:12]
        self._tables: dict[str, FromClause] | None = None
        self._columns: dict[str, set[str]] | None = None
        self._lock = threading.Lock()
        # What the role could write (see check_role); None: not yet known, the database did not answer.
        self.writable_privileges: list[str] | None = None
        self.breaker = Breaker(settings.outage_backoff_s)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        """The database, its role's privileges checked: WritableRoleError if it could write and that is not allowed."""
        engine = read_only_engine(settings.database_url, settings.statement_timeout_s, settings.connect_timeout_s)
        db = cls(engine, ResultCache(settings), settings)
        try:
            db.check_role()
        except DatabaseError as error:
            # Down at start-up is not a reason not to start: the check runs again before the first query.
            log.warning("could not check the database role's privileges yet: %s", error)
        except WritableRoleError:
            # A refused start leaves no connection open on the database it refused.
            engine.dispose()
            raise
        return db

    @contextmanager
    def connect(self, early_probe: bool = False) -> Iterator[Connection]:
        """A connection to read through: the one way in, so the breaker hears of every failure.

        Raises DatabaseUnavailable at once while the database is known to be
        down, and when no pooled connection frees up within the connect
        timeout (a busy pool is not an outage: it does not open the breaker).
        early_probe: while it is down, try it now if no other request is (the health check's probe).
        """
        try:
            probe = self.breaker.admit(early=early_probe)
        except Open as down:
            raise DatabaseUnavailable(f"the database is down: {down}") from None
        try:
            conn = self.engine.connect()
        except PoolTimeout as error:
            if probe:  # every connection is still stuck on the server: it is not back
                self.breaker.failed(probe)
            raise DatabaseUnavailable(f"no database connection free within the connect timeout ({error})") from error
        except DatabaseError:
            self.breaker.failed(probe)
            raise
        lost = False
        try:
            with conn:
                yield conn
        except DatabaseError as error:
            # A refusal or a cancelled statement is an answer; a connection lost or a wait that expired is not.
            lost = error.connection_invalidated
            raise
        finally:
            if lost:
                self.breaker.failed(probe)
            else:
                self.breaker.succeeded()

    def check_role(self) -> None:
        """Ask what the role may do; refuse one that could write unless ONESCREEN_ALLOW_WRITABLE_ROLE=1."""
        if self.dialect == "sqlite":
            found = []  # the file is opened `mode=ro`: SQLite itself refuses every write, whoever asks
        else:
            with self.connect() as conn:
                found = writable_privileges(conn)
        if found and not self.settings.allow_writable_role:
            raise WritableRoleError(
                f"the database role {self.engine.url.username or ''!r} could write ({'; '.join(found)}): "
                "connect as a read-only role (docs/integration.md, section 4), "
                "or set ONESCREEN_ALLOW_WRITABLE_ROLE=1 to start anyway"
            )
        if found:
            log.warning("ONESCREEN_ALLOW_WRITABLE_ROLE=1: the database role could write (%s)", "; ".join(found))
        self.writable_privileges = found

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def contract_table(self, name: str) -> FromClause:
        """The contract table `name` as this database offers it (missing optional columns read as NULL).

        Only `gate` (scoped data and reference tables) and the contract check
        call this; query modules go through `gate`.
        """
        return self._load()[name]

    def present_columns(self) -> dict[str, set[str]]:
        """Which contract columns each table really has (empty set: the table is missing)."""
        self._load()
        return self._columns

    def has_column(self, table: str, column: str) -> bool:
        return column in self.present_columns().get(table, set())

    def _load(self) -> dict[str, FromClause]:
        # Inspected on first use rather than at start-up, so the app comes up
        # (and says the database is down) even when the database is not there yet.
        if self._tables is None:
            with self._lock:
                if self._tables is None:
                    if self.writable_privileges is None:
                        self.check_role()
                    with self.connect() as conn:
                        self._columns, self._tables = _inspect_contract(conn)
        return self._tables

    def forget_schema(self) -> None:
        """Inspect the schema again on next use (after an integrator changed views)."""
        with self._lock:
            self._tables = self._columns = None


def _inspect_contract(conn: Connection) -> tuple[dict[str, set[str]], dict[str, FromClause]]:
    inspector = inspect(conn)
    existing = {name.lower(): name for name in inspector.get_table_names() + inspector.get_view_names()}
    columns: dict[str, set[str]] = {}
    tables: dict[str, FromClause] = {}
    for name, table in contract.metadata.tables.items():
        actual = existing.get(name)
        have = {c["name"].lower() for c in inspector.get_columns(actual)} if actual else set()
        columns[name] = have & set(table.c.keys())
        missing = set(table.c.keys()) - have
        if not missing:
            tables[name] = table
            continue
        if actual:
            log.info("table %s lacks columns %s: they read as NULL", name, sorted(missing))
        tables[name] = _with_nulls(table, missing, bool(actual), conn.dialect.name)
    return columns, tables


def _with_nulls(table, missing: set[str], table_exists: bool, dialect: str) -> FromClause:
    # PostgreSQL types a bare NULL as text, which then cannot be compared with
    # a timestamp: it needs a real CAST. MySQL's CAST knows few target types,
    # and it (like SQLite) compares an untyped NULL with anything.
    typed_null = cast if dialect == "postgresql" else type_coerce
    parts = [
        typed_null(null(), col.type).label(col.name) if col.name in missing else col
        for col in table.c
    ]
    query = select(*parts)
    # A missing table becomes an empty one of the right shape.
    query = query.select_from(table) if table_exists else query.where(false())
    return query.subquery(table.name)
