"""Grid workers' states, crowd load and alerts, and the micro-fund, on a hand-built city, on every dialect."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from data_access import crowd, funds, workers
from data_access.scope import Scope
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database
from tests.test_indicator_definitions import AREAS

AS_OF = datetime(2026, 11, 20, 12, 0)


def _worker(worker_id, area, active=True):
    return {"worker_id": worker_id, "name": "张三", "role": "full_time", "area_code": area, "active": active}


def _ping(worker_id, hour, minute, day=20):
    return {"worker_id": worker_id, "recorded_at": datetime(2026, 11, day, hour, minute), "lat": 31.3, "lon": 120.6}


def _reading(zone_id, hour, minute, people):
    return {"recorded_at": datetime(2026, 11, 20, hour, minute), "lat": 31.3, "lon": 120.6, "people": people,
            "zone_id": zone_id}


def _expense(expense_id, account, amount, approval, spent_at, kind="repair"):
    return {"expense_id": expense_id, "account_id": account, "item": "安装停车桩", "kind": kind, "amount": amount,
            "spent_at": spent_at, "approval": approval}


ROWS = {
    "area": AREAS,
    "grid_worker": [_worker("W1", "R01001"), _worker("W2", "R01"), _worker("W3", "R02"), _worker("W4", "R02"),
                    _worker("W5", "R02", active=False)],
    "worker_position": [
        _ping("W1", 18, 0, day=19), _ping("W1", 9, 0), _ping("W1", 11, 58), _ping("W1", 12, 30),  # online
        _ping("W2", 11, 40),  # 20 minutes ago: stale
        _ping("W3", 10, 0),  # two hours ago: offline; W4 never pinged: offline
        _ping("W5", 11, 59),  # inactive: not counted at all
    ],
    "crowd_zone": [
        {"zone_id": "Z1", "name": "观前街", "area_code": "R01", "capacity": 100},
        {"zone_id": "Z2", "name": "山塘街", "area_code": "R02", "capacity": 50},
        {"zone_id": "Z3", "name": "平江路", "area_code": "R01001", "capacity": 10},
    ],
    "crowd_reading": [
        _reading("Z1", 11, 50, 60), _reading("Z1", 11, 50, 30),  # 90: under
        _reading("Z1", 11, 55, 70), _reading("Z1", 11, 55, 40),  # 110: over from here
        _reading("Z1", 12, 0, 80), _reading("Z1", 12, 0, 50),  # 130
        _reading("Z1", 12, 5, 10),  # after as_of
        _reading("Z2", 11, 50, 20), _reading("Z2", 11, 55, 30), _reading("Z2", 12, 0, 40),
        _reading(None, 12, 0, 999),  # a sample in no zone
    ],
    "fund_account": [
        {"account_id": "A1", "area_code": "R01", "year": 2026, "budget": 10000},
        {"account_id": "A2", "area_code": "R02", "year": 2026, "budget": 5000},
        {"account_id": "A3", "area_code": "R01", "year": 2025, "budget": 9999},
    ],
    "fund_expense": [
        _expense("E1", "A1", 2000, "approved", datetime(2026, 3, 1)),
        _expense("E2", "A1", 500, "pending", datetime(2026, 11, 10), kind="environment"),
        _expense("E3", "A1", 300, "rejected", datetime(2026, 6, 1)),
        _expense("E4", "A2", 1000, "pending", datetime(2026, 11, 19), kind="emergency"),
        _expense("E5", "A2", 700, "approved", datetime(2026, 11, 21)),  # after as_of
        _expense("E6", "A3", 50, "approved", datetime(2025, 5, 1)),  # last year's account
    ],
}


def scope(area: str) -> Scope:
    return Scope(area_code=area, period_from=date(2026, 11, 1), period_to=date(2026, 11, 20), as_of=AS_OF)


@pytest.fixture
def city(dialect, tmp_path):
    url = fresh_database_url(dialect, "onescreen_operations", tmp_path)
    create_contract(url)
    insert_rows(url, ROWS)
    db = read_only_database(url)
    yield db
    db.engine.dispose()


def test_worker_states_come_from_the_last_ping_before_as_of(city):
    assert workers.worker_states(city, scope("R")) == {"online": 1, "stale": 1, "offline": 2, "total": 4}
    assert workers.worker_states(city, scope("R02")) == {"online": 0, "stale": 0, "offline": 2, "total": 2}


def test_workers_by_child_area(city):
    frame = workers.workers_by_area(city, scope("R")).set_index("key")
    assert frame.loc["R01", ["online", "stale", "offline", "total"]].tolist() == [1, 1, 0, 2]
    assert frame.loc["R02", ["online", "stale", "offline", "total"]].tolist() == [0, 0, 2, 2]
    assert frame.loc["R02", "name"] == "乙区"


def test_patrol_track_is_todays_pings_in_order_and_respects_the_scope(city):
    # An individual's track is personal data (tests/test_personal_data.py): asked with the flag here.
    track = workers.patrol_track(city, replace(scope("R"), personal_data=True), "W1")
    assert track["recorded_at"].tolist() == [datetime(2026, 11, 20, 9), datetime(2026, 11, 20, 11, 58)]
    assert workers.patrol_track(city, replace(scope("R02"), personal_data=True), "W1").empty


def test_zone_load_at_the_latest_snapshot(city):
    frame = crowd.zone_load(city, scope("R")).set_index("zone_id")
    assert frame["people"].to_dict() == {"Z1": 130, "Z2": 40, "Z3": 0}
    assert frame.loc["Z1", "load"] == pytest.approx(1.3)
    assert frame["over"].to_dict() == {"Z1": True, "Z2": False, "Z3": False}
    assert (frame["snapshot_at"] == datetime(2026, 11, 20, 12, 0)).all()


def test_crowd_alert_says_since_when_the_zone_has_been_over_capacity(city):
    alerts = crowd.crowd_alerts(city, scope("R"))
    assert alerts[["zone_id", "people", "capacity"]].values.tolist() == [["Z1", 130, 100]]
    assert alerts.loc[0, "since"] == datetime(2026, 11, 20, 11, 55)
    assert crowd.crowd_alerts(city, scope("R02")).empty


def test_fund_per_account_counts_spend_before_approval(city):
    frame = funds.fund_by_account(city, scope("R")).set_index("account_id")
    assert list(frame.index) == ["A1", "A2"]  # A3 is last year's
    assert frame.loc["A1", ["spent", "pending", "rejected"]].tolist() == [2800, 500, 300]
    assert frame.loc["A2", ["spent", "pending", "rejected"]].tolist() == [1000, 1000, 0]
    assert frame.loc["A1", "burn_rate"] == pytest.approx(0.28)
    assert frame.loc["A1", "area_name"] == "甲区"


def test_fund_totals_and_spend_by_kind_follow_the_scope(city):
    totals = funds.fund_totals(city, scope("R"))
    assert (totals["budget"], totals["spent"], totals["pending"]) == (15000, 3800, 1500)
    assert totals["burn_rate"] == pytest.approx(3800 / 15000)
    assert funds.fund_totals(city, scope("R02"))["spent"] == 1000
    kinds = funds.spend_by_kind(city, scope("R")).set_index("kind")
    assert kinds["spent"].to_dict() == {"emergency": 1000, "environment": 500, "repair": 2300}
