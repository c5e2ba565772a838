"""The data layer's connection itself refuses writes, and bounds every statement in time, on every dialect."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database

WRITES = {
    "insert": "INSERT INTO area (area_code, parent_code, level, name) VALUES ('X', NULL, 'city', 'x')",
    "update": "UPDATE area SET name = 'changed'",
    "delete": "DELETE FROM area",
    "create table": "CREATE TABLE intruder (id INTEGER)",
    "drop table": "DROP TABLE area",
    "alter table": "ALTER TABLE area ADD COLUMN intruder INTEGER",
}
SLOW_QUERY = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(5)",
    "mariadb": "SELECT SLEEP(5)",
}


@pytest.fixture
def city(dialect, tmp_path):
    url = fresh_database_url(dialect, "onescreen_readonly", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": [{"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"}]})
    return url


@pytest.mark.parametrize("write", sorted(WRITES))
def test_database_refuses_writes_through_the_data_layer(city, write):
    db = read_only_database(city)
    with pytest.raises(DBAPIError):
        with db.engine.begin() as conn:
            conn.execute(text(WRITES[write]))
    db.engine.dispose()

    writer = create_engine(city)
    with writer.connect() as conn:
        assert conn.execute(text("SELECT name FROM area")).scalars().all() == ["测试市"]
    writer.dispose()


def test_sqlite_in_wal_mode_is_read_while_a_writer_holds_it(tmp_path):
    url = fresh_database_url("sqlite", "onescreen_wal", tmp_path)
    create_contract(url)
    writer = create_engine(url)
    with writer.begin() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
        conn.execute(text("INSERT INTO area (area_code, level, name) VALUES ('R', 'city', '测试市')"))
    db = read_only_database(url)
    with writer.connect() as busy:  # an open write transaction, as the live feed holds
        busy.execute(text("BEGIN IMMEDIATE"))
        busy.execute(text("INSERT INTO area (area_code, level, name) VALUES ('S', 'city', '未提交')"))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM area")).scalar() == 1
        busy.execute(text("ROLLBACK"))
    db.engine.dispose()
    writer.dispose()


def test_a_runaway_statement_is_stopped_at_the_time_limit(city, dialect):
    db = read_only_database(city, statement_timeout_s=1)
    started = time.monotonic()
    with pytest.raises(DBAPIError):
        with db.engine.connect() as conn:
            conn.execute(text(SLOW_QUERY[dialect])).all()
    assert time.monotonic() - started < 4
    db.engine.dispose()
