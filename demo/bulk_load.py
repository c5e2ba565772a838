"""Writing the contract tables fast: bare tables, bulk rows, then indexes and statistics.

The tables and indexes are the contract's own (data_access.contract), never
redefined here. Indexes are built after the rows are in, because one sort
per index is much faster than maintaining it row by row, and statistics are
gathered last so the planners pick the covering indexes (PostgreSQL also
needs VACUUM for its visibility map, or index-only scans visit the heap).
Rows travel the fastest way each driver offers: executemany in one
transaction for SQLite, COPY for PostgreSQL, multi-row INSERTs for MySQL.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import reduce
from time import perf_counter

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType
from sqlalchemy import Boolean, Column, DateTime, Float, Integer, Numeric, Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable

from data_access.contract import OPTIONAL_TABLES, metadata

CHUNK_ROWS = 100_000
# SQLite sorts index keys in its page cache: 256 MB keeps a 2 M-row index build in memory.
SQLITE_CACHE_KIB = 256 * 1024


def load_tables(engine: Engine, frames: Mapping[str, pd.DataFrame | Iterable[pd.DataFrame]]) -> dict[str, float]:
    """Replace the contract tables with `frames` (one per table, columns in contract order).

    A table's rows are a DataFrame or an iterable of DataFrames (chunks, for
    tables too large to hold in memory). Tables given whole are loaded first,
    then the chunked ones in `frames`' order, so a lazy iterable may use what
    an earlier one produced. Returns seconds per phase: `load_<table>`,
    `indexes`, `analyze`.
    """
    tables = metadata.sorted_tables
    # v1.1's optional tables not given are created empty, as a city without them would have them.
    frames = {**{name: pd.DataFrame(columns=list(metadata.tables[name].columns.keys())) for name in OPTIONAL_TABLES},
              **frames}
    # Checked before anything is dropped; chunks are checked as they come.
    for table in tables:
        if isinstance(frames[table.name], pd.DataFrame):
            _check_columns(table, frames[table.name])
    whole = [table for table in tables if isinstance(frames[table.name], pd.DataFrame)]
    chunked = [metadata.tables[name] for name in frames if not isinstance(frames[name], pd.DataFrame)]

    timings: dict[str, float] = {}
    metadata.drop_all(engine)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # A demo database can be rebuilt, so the load need not survive a power cut.
            driver = connection.connection.dbapi_connection
            driver.execute("PRAGMA synchronous = OFF")
            driver.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        with connection.begin():
            for table in tables:
                connection.execute(CreateTable(table))
        for table in whole + chunked:
            started = perf_counter()
            with connection.begin():
                rows = frames[table.name]
                for frame in [rows] if isinstance(rows, pd.DataFrame) else rows:
                    _check_columns(table, frame)
                    write_rows(connection, table, frame)
            timings[f"load_{table.name}"] = perf_counter() - started

        started = perf_counter()
        with connection.begin():
            # Every contract index, TICKET_INDEXES included (they are bound to ticket's columns).
            for table in tables:
                for index in sorted(table.indexes, key=lambda index: index.name):
                    index.create(connection)
        timings["indexes"] = perf_counter() - started

    started = perf_counter()
    gather_statistics(engine, tables)
    timings["analyze"] = perf_counter() - started
    return timings


def write_rows(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Append `frame` (columns in contract order) to `table`, inside the connection's transaction.

    Goes through the driver, not SQLAlchemy's per-row binding: COPY on
    PostgreSQL, executemany elsewhere (pymysql makes multi-row INSERTs of it).
    """
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(column.name) for column in table.columns)
    driver = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
            for chunk in _chunks(frame):
                fields = [_copy_texts(chunk[column.name].to_numpy(), column) for column in table.columns]
                lines = reduce(lambda line, field: np.strings.add(np.strings.add(line, "\t"), field), fields)
                copy.write(("\n".join(lines.tolist()) + "\n").encode())
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join([marker] * len(table.columns))})"
    cursor = driver.cursor()
    for chunk in _chunks(frame):
        values = [_python_values(chunk[column.name].to_numpy(), column) for column in table.columns]
        cursor.executemany(statement, list(zip(*values)))
    cursor.close()


def gather_statistics(engine: Engine, tables: list[Table]) -> None:
    """Planner statistics after a bulk load (planners pick the covering ticket indexes only when they
    know the tables' sizes); on SQLite also WAL, so readers never wait for a writer."""
    names = ", ".join(engine.dialect.identifier_preparer.quote(table.name) for table in tables)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        backend = engine.dialect.name
        if backend == "sqlite":
            connection.exec_driver_sql("ANALYZE")
            # Readers (the dashboard) never wait for the live feed's writes, and vice versa.
            connection.exec_driver_sql("PRAGMA journal_mode = WAL")
        elif backend == "postgresql":
            connection.exec_driver_sql(f"VACUUM ANALYZE {names}")
        else:
            connection.exec_driver_sql(f"ANALYZE TABLE {names}")


def _check_columns(table: Table, frame: pd.DataFrame) -> None:
    columns = list(frame.columns)
    if columns != [column.name for column in table.columns]:
        raise ValueError(f"{table.name}: columns {columns} are not the contract's")


def _chunks(frame: pd.DataFrame):
    for start in range(0, len(frame), CHUNK_ROWS):
        yield frame.iloc[start : start + CHUNK_ROWS]


def _python_values(values: np.ndarray, column: Column) -> np.ndarray:
    """A column as Python objects the drivers accept, None for NULL.

    Timestamps become the text SQLite stores (contract.Timestamp's format),
    which PostgreSQL and MySQL parse as well; numbers lose their numpy types.
    """
    kind = column.type
    if isinstance(kind, DateTime):
        text = np.strings.replace(np.datetime_as_string(values.astype("datetime64[s]"), unit="s"), "T", " ")
        return np.where(np.isnat(values), None, text.astype(object))
    if isinstance(kind, Boolean):
        # NULL stays unknown: an import may not know whether a ticket was urgent.
        return np.where(pd.isna(values), None, values.astype(object))
    if isinstance(kind, Integer):
        numbers = values.astype(float)
        return np.where(np.isnan(numbers), None, np.nan_to_num(numbers).astype(np.int64).astype(object))
    if isinstance(kind, (Float, Numeric)):
        numbers = values.astype(float)
        return np.where(np.isnan(numbers), None, numbers.astype(object))
    # pandas keeps missing text as NaN, the drivers want None.
    return np.where(pd.isna(values), None, values.astype(object))


_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _copy_texts(values: np.ndarray, column: Column) -> np.ndarray:
    """A column as COPY text fields: \\N for NULL, backslash escapes in strings.

    Variable-width strings (StringDType): a fixed-width array would pad every
    field to the longest one, and one city outline is megabytes long.
    """
    objects = _python_values(values, column)
    missing = pd.isna(objects)
    texts = np.where(missing, "", objects).astype(StringDType())
    if not isinstance(column.type, (DateTime, Boolean, Integer, Float, Numeric)):
        texts = reduce(lambda text, escape: np.strings.replace(text, *escape), _COPY_ESCAPES, texts)
    texts[missing] = "\\N"
    return texts

