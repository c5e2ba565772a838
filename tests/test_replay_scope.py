"""A replay: at as_of, nothing after as_of exists.

The period of a replay ends at the earlier of `to` and `as_of`, for every
indicator, breakdown, list and chart, so a past moment shows what the
command centre saw then. A hand-built city with tickets on both sides of
as_of pins it; the expected numbers were worked out by hand from the table
below, on SQLite, PostgreSQL and MariaDB.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest

from data_access import indicators, ticket_lists
from data_access.scope import ScopeError, parse_scope
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database, signed_in, api_server
from tests.test_indicator_definitions import AREAS, _ticket, assert_indicators

D = datetime
REPLAY = {"from": "2026-11-01", "to": "2026-11-30", "as_of": "2026-11-15T12:00:00"}
NOW = datetime(2026, 11, 30, 18, 0)  # the clock: every ticket below has happened by now

TICKETS = [
    # Existed at as_of.
    # closed in 24 h, before its deadline: closed, on time
    _ticket("A1", "R01", "closed", D(2026, 11, 2, 8), closed=D(2026, 11, 3, 8), due=D(2026, 11, 4)),
    # open past its deadline: due, backlog, overdue
    _ticket("A2", "R01", "accepted", D(2026, 11, 10, 9), due=D(2026, 11, 12)),
    # closed only after as_of, deadline after as_of: pending in time, backlog
    _ticket("A3", "R02", "closed", D(2026, 11, 14, 10), closed=D(2026, 11, 16), due=D(2026, 11, 20)),
    # reported at as_of itself: it exists then; pending in time, backlog
    _ticket("A4", "R02", "dispatched", D(2026, 11, 15, 12), due=D(2026, 11, 18)),
    # Reported after as_of: none of these exists at as_of.
    # later on as_of's own day, closed within the hour
    _ticket("F1", "R01", "closed", D(2026, 11, 15, 12, 30), closed=D(2026, 11, 15, 13), due=D(2026, 11, 16)),
    # closed the next day
    _ticket("F2", "R02", "closed", D(2026, 11, 20, 8), closed=D(2026, 11, 21, 8), due=D(2026, 11, 22)),
    # still open and overdue now
    _ticket("F3", "R01", "accepted", D(2026, 11, 25), due=D(2026, 11, 26)),
    # cancelled
    _ticket("F4", "R02", "cancelled", D(2026, 11, 20)),
]

# A1..A4 only. pending in time: A3, A4; due = 4 accepted - 2 pending; all four have a deadline.
EXPECTED_AT_AS_OF = {
    "reported": 4, "cancelled": 0, "accepted": 4, "closed": 1, "due": 2, "closure_rate": 1 / 2,
    "on_time_closed": 1, "on_time_closure_rate": 1 / 2, "avg_handle_hours": 24.0,
    "backlog": 3, "overdue": 1,
}


def replay_scope(**changes):
    return parse_scope({**REPLAY, **changes}, now=NOW, default_area="R")


@pytest.fixture
def replay_city(dialect, tmp_path):
    url = fresh_database_url(dialect, "onescreen_replay", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    db = read_only_database(url, frozen_now=NOW)
    yield db
    db.engine.dispose()


def test_a_replay_period_ends_at_as_of():
    scope = replay_scope()
    assert (scope.period_from, scope.period_to) == (date(2026, 11, 1), date(2026, 11, 15))


def test_a_period_that_ends_before_as_of_keeps_its_end():
    scope = replay_scope(to="2026-11-10")
    assert scope.period_to == date(2026, 11, 10)


@pytest.mark.parametrize("changes", [
    {"from": "2026-11-16"}, {"as_of": "2026-10-01"}, {"from": "2026-11-15", "as_of": "2026-11-14T23:59:59"},
])
def test_a_period_wholly_after_as_of_is_refused(changes):
    with pytest.raises(ScopeError) as error:
        replay_scope(**changes)
    assert error.value.param == "from"
    assert "as_of" in error.value.message


def test_indicators_at_as_of_count_nothing_reported_after_it(replay_city):
    assert_indicators(indicators.kpis(replay_city, replay_scope()), EXPECTED_AT_AS_OF)


def test_breakdowns_at_as_of_count_nothing_reported_after_it(replay_city):
    by_area = indicators.kpis_by(replay_city, replay_scope(), "area").set_index("key")
    assert by_area["reported"].to_dict() == {"R01": 2, "R02": 2}
    assert by_area["backlog"].to_dict() == {"R01": 1, "R02": 2}
    by_source = indicators.kpis_by(replay_city, replay_scope(), "source")
    assert by_source["reported"].sum() == EXPECTED_AT_AS_OF["reported"]


def test_the_day_breakdown_has_no_day_after_as_of(replay_city):
    by_day = indicators.kpis_by(replay_city, replay_scope(), "day")
    assert dict(zip(by_day["key"], by_day["reported"])) == {
        "2026-11-02": 1, "2026-11-10": 1, "2026-11-14": 1, "2026-11-15": 1,
    }


def test_ticket_lists_at_as_of_hold_only_tickets_that_existed(replay_city):
    scope = replay_scope()
    assert list(ticket_lists.overdue_tickets(replay_city, scope).rows["ticket_id"]) == ["A2"]
    assert ticket_lists.near_overdue_tickets(replay_city, scope).total == 0  # F1 was due within a day


def test_the_api_answers_a_replay_with_the_period_it_counted(replay_city):
    server = api_server(replay_city)
    body = signed_in(server).get("/api/v1/kpis?area=R&from=2026-11-01&to=2026-11-30"
                                    "&as_of=2026-11-15T12:00:00").get_json()
    assert (body["from"], body["to"], body["reported"], body["closed"]) == ("2026-11-01", "2026-11-15", 4, 1)


def test_the_api_refuses_a_period_after_as_of_naming_the_parameter(replay_city):
    server = api_server(replay_city)
    response = signed_in(server).get("/api/v1/kpis?from=2026-11-01&to=2026-11-30&as_of=2026-10-01")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["param"] == "from" and "as_of" in error["message"]
