"""Walls are never cold: the background refresher recomputes, each data window, the answers walls recently asked,
once per cluster, as their principals' narrowed scopes; it can be turned off and always stops."""
from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event

import config
from app import create_app
from callbacks import refresher as refresher_module
from callbacks.refresher import Refresher
from data_access import cache as cache_module
from data_access.cache import ASKED_ENTRIES, ResultCache, refreshing_in_place
from tests.support import reachable_redis, read_only_database, settings_for, signed_in
from tests.test_ready_made_answers import overview_title, refresh, refresh_overview, title
from tests.test_view_wall import city_url  # noqa: F401 (fixture)


def refresher_of(app) -> Refresher:
    return app.server.extensions["onescreen.refresher"]


def move_clock(db, seconds: float) -> None:
    db.settings = replace(db.settings, frozen_now=db.settings.frozen_now + timedelta(seconds=seconds))


class Statements:
    """The statements a database's engine runs while counted."""

    def __init__(self, engine):
        self.engine, self.run = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self.run

    def __exit__(self, *_):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, *_):
        self.run.append(statement)


# Per screen: its refresh, its title's text, and what a district's leader and the city's admin ask.
SCREENS = {
    "wall": (refresh, title, "?views=overview,crowd", "?views=workers,crowd&area=R"),
    "overview": (refresh_overview, overview_title, "?area=R01", "?area=R&lang=en"),
}


@pytest.mark.parametrize("screen", SCREENS)
def test_a_warmed_refresh_runs_no_statement_in_a_new_window(city_url, screen):  # noqa: F811
    refresh_screen, title_of, leader_search, admin_search = SCREENS[screen]
    app = create_app(settings_for(city_url))
    refresher = refresher_of(app)
    db = refresher.db
    leader = signed_in(app, role="leader", areas=("R01",))
    admin = signed_in(app, role="admin", personal_data=True)
    for client, search in ((leader, leader_search), (admin, admin_search)):
        refresh_screen(client, app, search)

    move_clock(db, db.settings.live_cache_seconds)  # a new window, nobody warmed it
    with Statements(db.engine) as cold, refreshing_in_place():  # computed by the request, not behind it
        refresh_screen(leader, app, leader_search)
    assert cold  # the control: without the refresher a new window costs the database

    move_clock(db, db.settings.live_cache_seconds)
    assert refresher.refresh_once() == 2
    with Statements(db.engine) as warm:
        leader_answer = refresh_screen(leader, app, leader_search)
        admin_answer = refresh_screen(admin, app, admin_search)
    assert warm == []
    # Replayed as narrowed: the leader's screen is its district's, the admin's the city's with what only it may see.
    assert "甲区" in title_of(leader_answer) and "12:00:30" in title_of(leader_answer)  # and of the new window
    assert "测试市" in title_of(admin_answer)


def test_the_thread_refreshes_each_window_and_stops(city_url):  # noqa: F811
    app = create_app(settings_for(city_url, refresher=True, live_cache_seconds=1))
    refresher = refresher_of(app)
    assert not refresher.running  # never at import nor at start-up: from the first request served
    refresh(signed_in(app), app)
    assert refresher.running
    deadline = time.monotonic() + 10
    while refresher.passes < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert refresher.passes >= 2
    refresher.stop()
    assert not refresher.running


def test_the_refresher_can_be_turned_off(city_url, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ONESCREEN_REFRESHER", "0")
    assert config.load_settings().refresher is False
    monkeypatch.setenv("ONESCREEN_REFRESHER", "1")
    assert config.load_settings().refresher is True
    app = create_app(settings_for(city_url, refresher=False))
    refresh(signed_in(app), app)
    assert not refresher_of(app).running


@pytest.mark.parametrize("redis_url", [None, "redis"])
def test_the_walls_asked_are_bounded_in_number_and_lifetime(redis_url, monkeypatch):
    cache = ResultCache(settings_for("sqlite://", cache_redis_url=reachable_redis() if redis_url else None))
    registry = f"i11-asked-{uuid.uuid4().hex}"
    for n in range(ASKED_ENTRIES + 50):
        cache.remember(registry, ("wall", n))
    assert cache.remembered(registry) == [("wall", n) for n in range(50, ASKED_ENTRIES + 50)]
    monkeypatch.setattr(cache_module, "ASKED_SECONDS", 0.2)
    time.sleep(0.3)
    assert cache.remembered(registry) == []


def test_with_redis_two_refreshers_elect_one_leader(city_url, monkeypatch):  # noqa: F811
    redis_url = reachable_redis()
    monkeypatch.setattr(refresher_module, "LEASE_MIN_S", 1.0)
    # Two hosts on one city and one Redis, a unique lease per run (the city's path is this run's).
    first, second = (Refresher(read_only_database(city_url, cache_redis_url=redis_url, live_cache_seconds=0.3),
                               True) for _ in range(2))
    assert first.refresh_once() == 0  # the leader (nothing asked yet)
    assert second.refresh_once() is None  # another holds the lease
    assert first.refresh_once() == 0  # the holder renews it
    assert second.refresh_once() is None
    time.sleep(1.2)  # the leader is gone (never renews): its lease runs out and the other takes over
    assert second.refresh_once() == 0
    assert first.refresh_once() is None


def test_walls_and_overviews_are_warmed_in_one_pass(city_url):  # noqa: F811
    app = create_app(settings_for(city_url))
    refresher = refresher_of(app)
    client = signed_in(app)
    refresh(client, app)
    refresh_overview(client, app)
    move_clock(refresher.db, refresher.db.settings.live_cache_seconds)
    assert refresher.refresh_once() == 2
