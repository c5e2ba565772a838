"""Cached answers are stored as data, never as code: a hostile entry in Redis is a miss, not an execution."""
from __future__ import annotations

import os
import pickle
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import redis

from data_access import crowd, funds, geo, indicators, league, reference, ticket_lists, workers
from data_access.areas import Area, find_area, root_area_code
from data_access.cache import ResultCache
from data_access.funds import ExpenseList
from data_access.scope import Scope
from data_access.ticket_lists import TicketList
from demo.generate import generate
from tests.support import read_only_database, settings_for
from tests.test_cache import SCOPE, city, redis_url  # noqa: F401 (fixtures)


class _RunsCommand:
    """What an attacker with write access to Redis would plant: unpickling it runs a shell command."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def _hostile_pickle(marker) -> bytes:
    # As Flask-Caching's Redis serializer writes them (a leading "!"): the form a pickling cache would run.
    return b"!" + pickle.dumps(_RunsCommand(f"touch {marker}"))


def test_a_pickle_planted_in_redis_is_recomputed_never_executed(city, redis_url, tmp_path, caplog):
    honest = indicators.kpis(read_only_database(city), SCOPE)
    indicators.kpis(read_only_database(city, cache_redis_url=redis_url), SCOPE)
    store = redis.Redis.from_url(redis_url)
    [key] = store.keys("onescreen:*indicators.kpis:*")
    marker = tmp_path / "pwned"
    store.set(key, _hostile_pickle(marker))

    assert indicators.kpis(read_only_database(city, cache_redis_url=redis_url), SCOPE) == honest
    assert not marker.exists()
    assert any("not a cached answer" in record.getMessage() for record in caplog.records)
    # The poisoned entry was replaced by the honest answer.
    assert not store.get(key).startswith(b"!")


def test_a_corrupt_entry_is_a_miss_not_a_crash(city, redis_url):
    db = read_only_database(city, cache_redis_url=redis_url)
    honest = ticket_lists.overdue_tickets(db, SCOPE)
    store = redis.Redis.from_url(redis_url)
    for garbage in (b"\x00\xff not json", b'{"$": "record", "type": "os.system", "v": {}}', b"[1, 2"):
        for key in store.keys("onescreen:*"):
            store.set(key, garbage)
        again = ticket_lists.overdue_tickets(read_only_database(city, cache_redis_url=redis_url), SCOPE)
        assert again.total == honest.total and again.rows.equals(honest.rows)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "ticket_id": pd.Series(["T1", "T2", None], dtype="str"),
        "reporter_phone": pd.Series(["138", None, np.nan], dtype=object),
        "geometry": pd.Series([{"type": "Point", "coordinates": [121.5, 31.2]}, None, None], dtype=object),
        "reported_at": pd.Series([datetime(2026, 11, 1, 8, 30, 15, 123456), None, datetime(2026, 11, 2)],
                                 dtype="datetime64[us]"),
        "due_at": pd.Series([datetime(2026, 11, 3), None, None], dtype="datetime64[s]"),
        "hours_left": [1.5, np.nan, -np.inf],
        "backlog": pd.Series([1, 2, 3], dtype="int64"),
        "urgent": [True, False, True],
        "workers": pd.Series([1, None, 3], dtype="Int64"),
        "share": pd.Series([0.5, None, 1.0], dtype="Float64"),
        "mixed": pd.Series([1, "a", None], dtype=object),
    })


CACHED_VALUES = {
    "frame": _frame(),
    "empty frame of objects": pd.DataFrame({"key": pd.Series([], dtype=object), "n": pd.Series([], dtype="int64")}),
    "kpis": {"reported": 9, "closure_rate": 0.5, "rework_rate": None, "avg_handle_hours": float("nan")},
    "datetime": datetime(2026, 11, 20, 12, 0, 1, 5),
    "date": date(2026, 11, 20),
    "decimal": Decimal("12345.67"),
    "root area code": "R",
    "area": Area(code="R01", name="东区", level="district", parent_code="R"),
    "categories": [(1, "市容"), (2, "环境")],
    "ticket list": TicketList(rows=_frame(), total=120),
    "expense list": ExpenseList(rows=_frame().iloc[:0], total=0),
    "nested": {"bounds": [[30.1, 121.2], [31.0, 122.0]], (1, "a"): True},
}


@pytest.mark.parametrize("name", CACHED_VALUES)
def test_every_kind_of_cached_answer_comes_back_equal(name, redis_url):
    original = CACHED_VALUES[name]
    for cache in (ResultCache(settings_for("sqlite://", cache_redis_url=redis_url)),
                  ResultCache(settings_for("sqlite://"))):
        cache.get_or_compute(name, False, lambda: original)
        back = cache.get_or_compute(name, False, lambda: pytest.fail("should be served from the cache"))
        _assert_same(back, original)


def _assert_same(back, original):
    assert type(back) is type(original)
    if isinstance(original, pd.DataFrame):
        assert list(back.dtypes) == list(original.dtypes)
        pd.testing.assert_frame_equal(back, original)
        for column in original.columns:  # NaN stays NaN and None stays None in object columns
            if original[column].dtype == object:
                assert [type(v) for v in back[column]] == [type(v) for v in original[column]]
    elif isinstance(original, tuple):
        assert len(back) == len(original)
        for b, o in zip(back, original):
            _assert_same(b, o)
    elif isinstance(original, dict):
        assert list(back) == list(original)
        for k in original:
            _assert_same(back[k], original[k])
    elif isinstance(original, float) and np.isnan(original):
        assert np.isnan(back)
    else:
        assert back == original


def test_a_value_the_codec_does_not_know_is_served_uncached(redis_url, caplog):
    cache = ResultCache(settings_for("sqlite://", cache_redis_url=redis_url))
    assert cache.get_or_compute("odd", False, lambda: {1, 2}) == {1, 2}
    assert redis.Redis.from_url(redis_url).keys("onescreen:*") == []
    assert any("cache write failed" in record.getMessage() for record in caplog.records)


NOW = datetime(2026, 11, 20, 15, 0)


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory):
    path = tmp_path_factory.mktemp("codec") / "demo.sqlite"
    generate(f"sqlite:///{path}", preset="tiny", seed=20261120, now=NOW)
    return f"sqlite:///{path}"


def _every_cached_answer(db) -> dict:
    """Every query the screens and the API read through the cache, on one live scope of the demo city."""
    root = root_area_code(db)
    scope = Scope(area_code=root, period_from=date(2026, 10, 22), period_to=NOW.date(), as_of=NOW, live=True)
    return {
        "root": root,
        "area": find_area(db, root),
        "departments": reference.departments(db),
        "categories": reference.categories(db),
        "area shapes": geo.area_shapes(db, scope),
        "zone shapes": geo.zone_shapes(db, scope),
        "kpis": indicators.kpis(db, scope),
        **{f"kpis by {d}": indicators.kpis_by(db, scope, d) for d in ("area", "dept", "category")},
        "backlog by area": indicators.backlog_by(db, scope, "area"),
        "overdue": ticket_lists.overdue_tickets(db, scope),
        "near overdue": ticket_lists.near_overdue_tickets(db, scope),
        "league": league.closure_league(db, scope),
        "zone load": crowd.zone_load(db, scope),
        "crowd alerts": crowd.crowd_alerts(db, scope),
        "snapshots": crowd.snapshots_of_day(db, scope),
        "fund by account": funds.fund_by_account(db, scope),
        "fund totals": funds.fund_totals(db, scope),
        "spend by kind": funds.spend_by_kind(db, scope),
        "fund items": funds.fund_items(db, scope),
        "workers by area": workers.workers_by_area(db, scope),
        "roster": workers.worker_roster(db, scope, 200),
        "coverage": workers.patrol_coverage_by_area(db, scope),
        "unpatrolled": workers.unpatrolled_grids(db, scope, 200),
    }


def test_every_screen_query_served_from_redis_equals_the_database_answer(demo_city, redis_url):
    uncached = _every_cached_answer(read_only_database(demo_city))
    _every_cached_answer(read_only_database(demo_city, cache_redis_url=redis_url))
    reader = read_only_database(demo_city, cache_redis_url=redis_url)
    reader.engine = None  # only Redis can answer now
    served = _every_cached_answer(reader)
    for name, answer in uncached.items():
        _assert_same(served[name], answer)
