"""A replica that is behind says so: on the views' header, the wall's badge and /health/details; caught up, nothing.

Read on a real streaming standby (tests/pg_standby.py: an own primary and
standby, never the shared server): its replay is paused and the primary
written to, which is exactly a replica falling behind; resumed, it catches up.
"""
from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import event

from callbacks.closure import closure_panels
from callbacks.wall import wall_refresh
from components.freshness_badge import REPLICA_SHOWN_AFTER_S
from data_access.freshness import replica_lag_s, shown_replica_lag_s
from data_access.scope import Scope
from tests.pg_standby import pg_standby
from tests.support import (
    api_server, create_contract, fresh_database_url, insert_rows, read_only_database, signed_in,
)
from tests.test_app_shell import AREAS, as_json

NOW = datetime(2026, 11, 20, 12, 0)  # settings_for freezes the clock here


def _ticket(ticket_id: str) -> dict:
    return {"ticket_id": ticket_id, "source": "hotline_12345", "area_code": "R01", "status": "accepted",
            "reported_at": datetime(2026, 11, 20, 11, 59), "rework_count": 0}


@pytest.fixture(scope="module")
def pair():
    with pg_standby("i11_replica") as started:
        create_contract(started.primary.url)
        insert_rows(started.primary.url, {"area": AREAS, "ticket": [_ticket("T0")]})
        started.wait_caught_up()
        yield started


@pytest.fixture
def standby_db(pair):
    db = read_only_database(pair.standby.url)
    yield db
    db.engine.dispose()


@pytest.fixture
def behind(pair):
    """The standby with replay paused, WAL received that it has not replayed, its last replayed change older
    than REPLICA_SHOWN_AFTER_S; resumed and caught up afterwards."""
    pair.standby.pause_replay()
    try:
        paused_at = time.monotonic()
        insert_rows(pair.primary.url, {"ticket": [_ticket(f"T{time.time_ns()}")]})
        deadline = time.monotonic() + 30
        while not pair.standby.execute("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"):
            assert time.monotonic() < deadline, "the standby did not receive the primary's write"
            time.sleep(0.1)
        # The last change replayed is at the latest from before the pause.
        time.sleep(max(0.0, REPLICA_SHOWN_AFTER_S + 0.5 - (time.monotonic() - paused_at)))
        yield pair
    finally:
        pair.standby.resume_replay()
        pair.wait_caught_up()


def live_scope() -> Scope:
    return Scope(area_code="R", period_from=NOW.date(), period_to=NOW.date(), as_of=NOW, live=True)


def replica_fact(panels):
    """The header's replica span, or None."""
    return next((span for span in panels.header[2].children if "scope__replica" in (span.className or "")), None)


def count_lag_statements(db) -> list[str]:
    seen = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement) if "pg_is_in_recovery" in statement
                 else None)
    return seen


def test_a_caught_up_standby_shows_no_lag(pair, standby_db):
    pair.wait_caught_up()
    assert replica_lag_s(standby_db) == 0.0
    panels = closure_panels(standby_db, "")
    assert replica_fact(panels) is None
    assert "副本" not in as_json(panels.header)
    assert "副本" not in wall_refresh(standby_db, "", 16.0).common[2]["text"]


def test_the_primary_is_no_replica(pair):
    db = read_only_database(pair.primary.url)
    try:
        assert replica_lag_s(db) is None
        assert replica_fact(closure_panels(db, "")) is None
    finally:
        db.engine.dispose()


def test_a_standby_behind_shows_its_lag_in_both_languages(behind, standby_db):
    lag = replica_lag_s(standby_db)
    assert lag >= REPLICA_SHOWN_AFTER_S

    zh = replica_fact(closure_panels(standby_db, ""))
    assert zh is not None and zh.children.startswith("副本滞后：最后同步于 ") and zh.children.endswith("前")
    assert "副本" in zh.title
    en = replica_fact(closure_panels(standby_db, "?lang=en"))
    assert en.children.startswith("Replica behind: last change applied ") and en.children.endswith("ago")

    badge = wall_refresh(standby_db, "", 16.0).common[2]["text"]
    assert "副本滞后：最后同步于" in badge
    assert "Replica behind" in wall_refresh(standby_db, "?lang=en", 16.0).common[2]["text"]

    client = signed_in(api_server(standby_db))
    details = client.get("/health/details").get_json()
    assert details["status"] == "ok"
    assert details["replica_lag_seconds"] >= REPLICA_SHOWN_AFTER_S


def test_the_lag_is_one_statement_per_cache_window_whatever_the_walls(behind, standby_db):
    statements = count_lag_statements(standby_db)
    for _ in range(5):
        wall_refresh(standby_db, "", 16.0)
        closure_panels(standby_db, "")
    assert len(statements) == 1, statements
    assert shown_replica_lag_s(standby_db, live_scope()) >= REPLICA_SHOWN_AFTER_S
    assert len(statements) == 1
    # A new window (the frozen clock stands still here) asks again: here, after the cache is emptied.
    standby_db.cache.clear()
    shown_replica_lag_s(standby_db, live_scope())
    assert len(statements) == 2


def test_caught_up_again_the_lag_goes_away(pair, standby_db):
    pair.wait_caught_up()
    standby_db.cache.clear()
    assert shown_replica_lag_s(standby_db, live_scope()) == 0.0
    assert replica_fact(closure_panels(standby_db, "")) is None
    assert signed_in(api_server(standby_db)).get("/health/details").get_json()["replica_lag_seconds"] == 0.0


def test_a_past_moment_and_sqlite_ask_nothing(standby_db, tmp_path):
    statements = count_lag_statements(standby_db)
    past = Scope(area_code="R", period_from=NOW.date(), period_to=NOW.date(), as_of=NOW, live=False)
    assert shown_replica_lag_s(standby_db, past) is None
    assert statements == []

    url = fresh_database_url("sqlite", "i11_replica_sqlite", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": [_ticket("T0")]})
    db = read_only_database(url)
    try:
        assert replica_lag_s(db) is None
        assert shown_replica_lag_s(db, live_scope()) is None
        assert replica_fact(closure_panels(db, "")) is None
        assert signed_in(api_server(db)).get("/health/details").get_json()["replica_lag_seconds"] is None
    finally:
        db.engine.dispose()
