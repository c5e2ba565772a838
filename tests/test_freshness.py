"""Two labels, one meaning each, on every view: 数据截至 is the moment a view answers for, 最新记录 the newest data.

A stalled feed looks exactly like a quiet city, so every view says how old
its newest record is, warns as the wall does when it stops moving, and an
old database (an imported archive) says how old rather than "n/a".
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from callbacks.closure import closure_panels
from callbacks.wall import wall_refresh
from components.freshness_badge import AMBER_AFTER_S, RED_AFTER_S, freshness_data
from data_access.freshness import newest_data_at
from data_access.scope import Scope
from i18n import format_age
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database
from tests.test_app_shell import AREAS, as_json

NOW = datetime(2026, 11, 20, 12, 0)  # settings_for freezes the clock here


def _ticket(ticket_id, area, reported):
    return {"ticket_id": ticket_id, "source": "hotline_12345", "area_code": area, "status": "accepted",
            "reported_at": reported, "rework_count": 0}


@pytest.fixture
def database_with(tmp_path):
    """A database holding tickets reported at the given moments (all in 甲区, R01, unless given as (moment, area))."""
    opened = []

    def make(*reports):
        url = fresh_database_url("sqlite", f"freshness_{len(opened)}", tmp_path)
        create_contract(url)
        placed = [r if isinstance(r, tuple) else (r, "R01") for r in reports]
        insert_rows(url, {"area": AREAS, "ticket": [_ticket(f"T{i}", area, moment)
                                                    for i, (moment, area) in enumerate(placed)]})
        opened.append(read_only_database(url))
        return opened[-1]

    yield make
    for db in opened:
        db.engine.dispose()


def whole(as_of=NOW, area="R") -> Scope:
    return Scope(area_code=area, period_from=as_of.date(), period_to=as_of.date(), as_of=as_of)


def newest_fact(panels) -> dict:
    """The header's "最新记录" span: its text, class and hover."""
    facts = panels.header[2].children
    span = next(s for s in facts if "scope__newest" in s.className)
    return {"text": span.children, "class": span.className, "title": span.title}


def test_an_old_database_says_its_newest_record_and_how_old_it_is(database_with):
    db = database_with(datetime(2026, 8, 14, 9, 30))
    assert newest_data_at(db, whole()) == datetime(2026, 8, 14, 9, 30)
    shown = newest_fact(closure_panels(db, ""))
    assert shown["text"] == "最新记录 2026-08-14 09:30:00（3 个月前）"
    assert "scope__newest--red" in shown["class"]
    english = newest_fact(closure_panels(db, "?lang=en"))
    assert english["text"] == "Newest record 2026-08-14 09:30:00 (3 months ago)"


def test_a_scope_quiet_for_a_week_shows_the_database_s_newest_record(database_with):
    db = database_with((NOW - timedelta(days=40), "R02"), (NOW - timedelta(minutes=1), "R01"))
    assert newest_data_at(db, whole(area="R02")) == NOW - timedelta(minutes=1)
    assert newest_data_at(db, whole(area="R02", as_of=NOW - timedelta(days=10))) == NOW - timedelta(days=40)


def test_an_empty_database_has_no_newest_record(database_with):
    db = database_with()
    assert newest_data_at(db, whole()) is None
    assert newest_fact(closure_panels(db, ""))["text"] == "最新记录 无数据"


def test_finding_the_newest_record_walks_an_index_and_never_scans_a_data_table(database_with):
    db = database_with(NOW - timedelta(days=100))
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        newest_data_at(db, whole(area="R01"))
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert statements
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            for step in plan:
                if any(f" {table} " in f"{step} " for table in ("ticket", "worker_position", "crowd_reading")):
                    assert "INDEX" in step, (statement, plan)


@pytest.mark.parametrize("age, state", [(timedelta(seconds=30), "fresh"),
                                        (timedelta(seconds=AMBER_AFTER_S + 1), "amber"),
                                        (timedelta(seconds=RED_AFTER_S + 1), "red")])
def test_the_desk_badge_warns_as_the_wall_does_when_data_stops_moving(database_with, age, state):
    shown = newest_fact(closure_panels(database_with(NOW - age), ""))
    assert shown["class"] == f"scope__newest scope__newest--{state}"
    assert "分钟" in shown["title"] and str(AMBER_AFTER_S // 60) in shown["title"]


def test_the_desk_badge_of_a_past_moment_is_measured_against_that_moment(database_with):
    db = database_with(datetime(2026, 11, 1, 9, 0))
    shown = newest_fact(closure_panels(db, "?as_of=2026-11-01T09:01:00"))
    assert shown["class"] == "scope__newest scope__newest--fresh"
    assert "数据截至 2026-11-01 09:01:00" in as_json(closure_panels(db, "?as_of=2026-11-01T09:01:00").header)


def test_the_wall_badge_is_the_newest_record_and_its_title_the_as_of_moment(database_with):
    db = database_with(NOW - timedelta(minutes=1))
    refresh = wall_refresh(db, "", 16.0)
    title, freshness = as_json(refresh.common[0]), refresh.common[2]
    assert freshness["text"] == "最新记录 11:59:00"
    assert "数据截至 12:00:00" in title


def test_the_wall_badge_says_how_old_an_old_record_is():
    months = freshness_data(datetime(2026, 8, 14, 9, 30), NOW, True, "zh")
    assert months["text"] == "最新记录 2026-08-14 09:30:00" and months["old_text"] == "最新记录为 3 个月前"
    assert freshness_data(NOW - timedelta(minutes=5), NOW, True, "en")["old_text"] == "newest record 5 minutes ago"


@pytest.mark.parametrize("seconds, zh, en", [
    (40, "40 秒前", "40 seconds ago"), (60, "1 分钟前", "1 minute ago"), (3 * 3600, "3 小时前", "3 hours ago"),
    (86_400, "1 天前", "1 day ago"), (98 * 86_400, "3 个月前", "3 months ago"), (800 * 86_400, "2 年前", "2 years ago"),
])
def test_an_age_reads_in_the_largest_whole_unit(seconds, zh, en):
    assert (format_age(seconds, "zh"), format_age(seconds, "en")) == (zh, en)
