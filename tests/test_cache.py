"""Query results are cached by scope, in process or in Redis, and a failing cache never takes the answers down."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
import redis

from data_access import indicators
from data_access.cache import ResultCache
from data_access.scope import Scope
from tests.support import (
    REDIS_URL,
    create_contract,
    fresh_database_url,
    insert_rows,
    reachable_redis,
    read_only_database,
    settings_for,
)
from tests.test_indicator_definitions import AREAS, TICKETS

SCOPE = Scope(area_code="R", period_from=date(2026, 11, 1), period_to=date(2026, 11, 20),
              as_of=datetime(2026, 11, 20, 12))


@pytest.fixture
def redis_url():
    redis.Redis.from_url(reachable_redis()).flushdb()
    return REDIS_URL


@pytest.fixture
def city(tmp_path):
    url = fresh_database_url("sqlite", "cache_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    return url


def test_second_ask_for_the_same_scope_is_served_from_redis(city, redis_url):
    db = read_only_database(city, cache_redis_url=redis_url)
    first = indicators.kpis(db, SCOPE)
    db.engine.dispose()
    # Pull the database away: only the cache can answer now.
    db.engine = None
    assert indicators.kpis(db, SCOPE) == first
    with pytest.raises(AttributeError):
        indicators.kpis(db, replace(SCOPE, area_code="R01"))  # a different scope is a different key


def test_two_processes_sharing_redis_share_answers(city, redis_url):
    writer = read_only_database(city, cache_redis_url=redis_url)
    answer = indicators.kpis_by(writer, SCOPE, "area")
    reader = read_only_database(city, cache_redis_url=redis_url)
    reader.engine = None  # same database, same key: served without touching the database
    assert indicators.kpis_by(reader, SCOPE, "area").equals(answer)


def test_a_dead_cache_is_bypassed_not_fatal(city):
    db = read_only_database(city, cache_redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert indicators.kpis(db, SCOPE)["reported"] == 9


def test_live_answers_expire_within_seconds_and_historical_ones_are_kept(redis_url):
    cache = ResultCache(settings_for("sqlite://", cache_redis_url=redis_url, live_cache_seconds=15,
                                     history_cache_seconds=3600))
    cache.get_or_compute("about-now", True, lambda: "live")
    cache.get_or_compute("about-last-month", False, lambda: "history")
    store = redis.Redis.from_url(redis_url)
    ttl = {key.decode().split(":")[-1]: store.ttl(key) for key in store.keys("onescreen:*")}
    assert 0 < ttl["about-now"] <= 15
    assert 15 < ttl["about-last-month"] <= 3600
