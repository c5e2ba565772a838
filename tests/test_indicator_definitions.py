"""SCHEMA.md's indicator definitions, pinned by a hand-built city with hand-computed answers.

Each ticket below exists to exercise one clause of a definition; the
expected numbers were worked out by hand from the table in the comments, not
by running the code. The same suite runs on SQLite, PostgreSQL and MariaDB.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from data_access import indicators
from data_access.scope import Scope
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database

AS_OF = datetime(2026, 11, 20, 12, 0)
D = datetime  # keeps the ticket table below readable

AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "district", "name": "甲区"},
    {"area_code": "R02", "parent_code": "R", "level": "district", "name": "乙区"},
    {"area_code": "R03", "parent_code": "R", "level": "district", "name": "丙区"},
    {"area_code": "R01001", "parent_code": "R01", "level": "street", "name": "甲一街道"},
]


def _ticket(ticket_id, area, status, reported, *, closed=None, due=None, rework=None, satisfaction=None,
            source="hotline_12345", category="01"):
    return {
        "ticket_id": ticket_id, "source": source, "category_code": category, "area_code": area,
        "status": status, "reported_at": reported, "closed_at": closed, "due_at": due,
        "rework_count": rework, "satisfaction": satisfaction, "reporter_phone": "13800000000",
    }


# Period 2026-11-01..2026-11-20, as_of 2026-11-20 12:00.
TICKETS = [
    # closed in 2 h, before its deadline: closed, on time, satisfied
    _ticket("T1", "R01001", "closed", D(2026, 11, 2, 8), closed=D(2026, 11, 2, 10), due=D(2026, 11, 3, 8),
            rework=0, satisfaction=3),
    # closed in 48 h, a day late, reworked once, unsatisfied
    _ticket("T2", "R01001", "closed", D(2026, 11, 3, 8), closed=D(2026, 11, 5, 8), due=D(2026, 11, 4, 8),
            rework=1, satisfaction=1, source="city_mgmt"),
    # open, deadline after as_of: pending in time
    _ticket("T3", "R01", "dispatched", D(2026, 11, 10, 9), due=D(2026, 11, 25), rework=0),
    # open, deadline passed: due, overdue
    _ticket("T4", "R01", "accepted", D(2026, 11, 5), due=D(2026, 11, 8), category="02"),
    # cancelled: reported, not accepted, never in the backlog
    _ticket("T5", "R02", "cancelled", D(2026, 11, 6)),
    # closed in 6 h with no deadline: closed and due, outside on-time; reworked twice; basically satisfied
    _ticket("T6", "R02", "closed", D(2026, 11, 7), closed=D(2026, 11, 7, 6), rework=2, satisfaction=2),
    # closed only after as_of, deadline after as_of: at as_of it is pending in time and in the backlog
    _ticket("T7", "R02", "closed", D(2026, 11, 15, 10), closed=D(2026, 11, 21, 10), due=D(2026, 11, 30)),
    # reported before the period, still open and overdue: backlog only
    _ticket("T8", "R02", "accepted", D(2026, 10, 20), due=D(2026, 10, 25)),
    # open with no deadline: due (a ticket with no due_at counts as due), backlog, not overdue
    _ticket("T10", "R01", "handled", D(2026, 11, 12)),
    # closed before the period: nowhere
    _ticket("T11", "R02", "closed", D(2026, 10, 1), closed=D(2026, 10, 2)),
    # sent back for rework, open past its deadline
    _ticket("T12", "R01001", "returned", D(2026, 11, 18, 8), due=D(2026, 11, 19, 8), rework=1),
]

EXPECTED = {
    "R": {
        "reported": 9, "cancelled": 1, "accepted": 8, "closed": 3, "due": 6, "closure_rate": 3 / 6,
        "on_time_closed": 1, "on_time_closure_rate": 1 / 4, "rework_rate": 3 / 8,
        "avg_handle_hours": (2 + 48 + 6) / 3, "satisfaction_rate": 2 / 3, "backlog": 6, "overdue": 3,
    },
    "R01": {
        "reported": 6, "cancelled": 0, "accepted": 6, "closed": 2, "due": 5, "closure_rate": 2 / 5,
        "on_time_closed": 1, "on_time_closure_rate": 1 / 4, "rework_rate": 2 / 6,
        "avg_handle_hours": (2 + 48) / 2, "satisfaction_rate": 1 / 2, "backlog": 4, "overdue": 2,
    },
    "R02": {
        # T7 is the only ticket with a deadline and it is pending: on-time closure is n/a
        "reported": 3, "cancelled": 1, "accepted": 2, "closed": 1, "due": 1, "closure_rate": 1.0,
        "on_time_closed": 0, "on_time_closure_rate": None, "rework_rate": 1 / 2,
        "avg_handle_hours": 6.0, "satisfaction_rate": 1.0, "backlog": 2, "overdue": 1,
    },
    "R03": {
        "reported": 0, "cancelled": 0, "accepted": 0, "closed": 0, "due": 0, "closure_rate": None,
        "on_time_closed": 0, "on_time_closure_rate": None, "rework_rate": None,
        "avg_handle_hours": None, "satisfaction_rate": None, "backlog": 0, "overdue": 0,
    },
}


def scope(area: str, **filters) -> Scope:
    return Scope(area_code=area, period_from=date(2026, 11, 1), period_to=date(2026, 11, 20), as_of=AS_OF,
                 **filters)


@pytest.fixture
def hand_built(dialect, tmp_path):
    url = fresh_database_url(dialect, "onescreen_definitions", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    db = read_only_database(url)
    yield db
    db.engine.dispose()


def assert_indicators(actual: dict, expected: dict):
    for name, value in expected.items():
        if value is None:  # n/a: None in a dict, NaN in a frame
            assert actual[name] is None or pd.isna(actual[name]), f"{name} should be n/a"
        else:
            assert actual[name] == pytest.approx(value), name


@pytest.mark.parametrize("area", sorted(EXPECTED))
def test_every_indicator_matches_its_hand_computed_value(hand_built, area):
    assert_indicators(indicators.kpis(hand_built, scope(area)), EXPECTED[area])


def test_child_area_breakdown_equals_each_child_scope(hand_built):
    frame = indicators.kpis_by(hand_built, scope("R"), "area").set_index("key")
    assert list(frame.index) == ["R01", "R02"]  # R03 has no tickets at all
    assert frame.loc["R01", "name"] == "甲区"
    for child in ("R01", "R02"):
        assert_indicators(frame.loc[child].to_dict(), EXPECTED[child])


def test_backlog_by_age_buckets_open_tickets_by_time_since_reported(hand_built):
    frame = indicators.backlog_by(hand_built, scope("R"), "age").set_index("key")
    # T12 1.2 days, T3 10 days, T10 8 days, T7 5 days, T4 15 days, T8 31 days
    assert frame["backlog"].to_dict() == {"1_3d": 1, "3_7d": 1, "7_30d": 3, "ge_30d": 1}
    assert frame["backlog"].sum() == EXPECTED["R"]["backlog"]


def test_source_filter_narrows_every_indicator(hand_built):
    result = indicators.kpis(hand_built, scope("R", sources=("city_mgmt",)))
    assert (result["reported"], result["closed"], result["backlog"]) == (1, 1, 0)
    assert result["on_time_closure_rate"] == 0.0


def test_category_filter_includes_subclasses_by_code_prefix(hand_built):
    assert indicators.kpis(hand_built, scope("R", category_code="02"))["reported"] == 1
    assert indicators.kpis(hand_built, scope("R", category_code="0"))["reported"] == 9


def test_area_codes_with_like_wildcards_match_literally(hand_built):
    assert indicators.kpis(hand_built, scope("R_"))["reported"] == 0
    assert indicators.kpis(hand_built, scope("R%"))["reported"] == 0


def test_database_without_optional_columns_reports_na_not_errors(dialect, tmp_path):
    """A city whose ticket table has only the required columns."""
    url = fresh_database_url(dialect, "onescreen_minimal", tmp_path)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE area (area_code VARCHAR(32) PRIMARY KEY, parent_code VARCHAR(32),"
                          " level VARCHAR(16), name VARCHAR(128))"))
        conn.execute(text("CREATE TABLE ticket (ticket_id VARCHAR(40) PRIMARY KEY, source VARCHAR(32),"
                          " area_code VARCHAR(32), status VARCHAR(16), reported_at TIMESTAMP NULL)"))
        conn.execute(text("INSERT INTO area VALUES ('R', NULL, 'city', '测试市')"))
        conn.execute(text("INSERT INTO ticket VALUES ('A', 'hotline_12345', 'R', 'accepted', '2026-11-02 08:00:00'),"
                          " ('B', 'hotline_12345', 'R', 'cancelled', '2026-11-03 08:00:00')"))
    engine.dispose()
    db = read_only_database(url)
    result = indicators.kpis(db, scope("R"))
    assert (result["reported"], result["accepted"], result["closed"], result["due"]) == (2, 1, 0, 1)
    assert result["closure_rate"] == 0.0
    assert result["on_time_closure_rate"] is None
    assert result["satisfaction_rate"] is None
    assert result["rework_rate"] is None
    assert result["avg_handle_hours"] is None
    assert (result["backlog"], result["overdue"]) == (1, 0)
    db.engine.dispose()
