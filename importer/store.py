"""Writing an import into a contract database, with the importer's own writable engine.

OneScreen's `data_access` never writes; the importer is a separate tool
that an integrator runs once (or on a schedule) to make a contract database
out of an export. It creates every contract table, so the views of data the
export lacks (workers, crowd, fund) find empty tables and say "no data",
loads the rows, then builds the indexes the dashboard's queries need
(contract.TICKET_INDEXES among them) and gathers planner statistics.

It refuses to touch a database that already holds contract tables unless
told to replace them: pointed by mistake at a live operational database,
it must not drop anything.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import column, create_engine, inspect, table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateTable

from data_access import contract
from demo.bulk_load import gather_statistics, write_rows
from importer.errors import ImporterError


class TargetNotEmpty(ImporterError, RuntimeError):
    """The target database already has contract tables, and replacing them was not asked for."""


class DatabaseRefused(ImporterError, RuntimeError):
    """The target database refused the tables or the rows (a value too long for a column, a permission)."""


def store(url: str, frames: dict[str, pd.DataFrame], *, replace: bool) -> None:
    """Create the contract tables at `url` and write `frames` (contract columns; absent columns stay NULL)."""
    _make_sqlite_directory(url)
    engine = create_engine(url)
    try:
        present = sorted(set(inspect(engine).get_table_names()) & set(contract.metadata.tables))
        if present and not replace:
            raise TargetNotEmpty(f"the database already has contract tables ({', '.join(present)}); "
                                 "pass --replace to drop and rebuild them")
        _create_and_load(engine, frames)
    # The rows go through the driver itself (demo.bulk_load), so its own errors arrive unwrapped.
    except (DBAPIError, engine.dialect.loaded_dbapi.Error) as error:
        raise DatabaseRefused(str(getattr(error, "orig", error))) from error
    finally:
        engine.dispose()


def _create_and_load(engine: Engine, frames: dict[str, pd.DataFrame]) -> None:
    tables = contract.metadata.sorted_tables
    with engine.connect() as connection:
        # One transaction: where DDL is transactional (PostgreSQL), a refused
        # load leaves the tables it was to replace as they were.
        with connection.begin():
            contract.metadata.drop_all(connection)
            for contract_table in tables:
                connection.execute(CreateTable(contract_table))
            for name, frame in frames.items():
                write_rows(connection, _columns_written(name, frame), frame)
        # Indexes after the rows: one sort per index instead of upkeep row by row.
        with connection.begin():
            for contract_table in tables:
                for index in sorted(contract_table.indexes, key=lambda index: index.name):
                    index.create(connection)
    gather_statistics(engine, tables)


def _columns_written(name: str, frame: pd.DataFrame):
    """The contract table `name` narrowed to the columns the import has; the others stay NULL."""
    return table(
        name,
        *(
            column(c.name, c.type)
            for c in contract.metadata.tables[name].columns
            if c.name in frame.columns
        ),
    )


def _make_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
