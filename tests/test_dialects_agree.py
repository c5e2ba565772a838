"""One generated city loaded into SQLite, PostgreSQL and MariaDB gives identical answers to every question."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd
import pytest

from data_access import areas, indicators
from data_access.freshness import newest_data_at
from data_access.scope import Scope
from demo.generate import generate
from tests.support import DIALECTS, fresh_database_url, read_only_database

NOW = datetime(2026, 11, 20, 15, 30)


@pytest.fixture(scope="module")
def cities(tmp_path_factory):
    """The tiny preset, same seed and clock, in each database."""
    tmp = tmp_path_factory.mktemp("dialects")
    dbs = {}
    for dialect in DIALECTS:
        url = fresh_database_url(dialect, "onescreen_city", tmp)
        generate(url, preset="tiny", seed=7, now=NOW)
        dbs[dialect] = read_only_database(url, frozen_now=NOW)
    yield dbs
    for db in dbs.values():
        db.engine.dispose()


def scopes(db) -> list[Scope]:
    root = areas.root_area_code(db)
    street = areas.child_areas(db, root)[0].code
    workstation = areas.child_areas(db, street)[0].code
    base = Scope(area_code=root, period_from=(NOW - timedelta(days=29)).date(), period_to=NOW.date(), as_of=NOW)
    return [
        base,
        base.with_area(street),
        base.with_area(workstation),
        replace(base, sources=("hotline_12345", "grid_patrol")),
        replace(base, as_of=NOW - timedelta(days=10), period_to=(NOW - timedelta(days=10)).date()),
    ]


def test_the_generated_city_has_tickets_to_compare(cities):
    kpis = indicators.kpis(cities["sqlite"], scopes(cities["sqlite"])[0])
    assert kpis["reported"] > 500 and kpis["closed"] > 0 and kpis["backlog"] > 0 and kpis["overdue"] > 0


def test_kpis_are_identical_on_every_dialect(cities):
    for scope in scopes(cities["sqlite"]):
        answers = {d: indicators.kpis(db, scope) for d, db in cities.items()}
        assert answers["postgresql"] == answers["sqlite"], scope
        assert answers["mariadb"] == answers["sqlite"], scope


@pytest.mark.parametrize("dimension", indicators.PERIOD_DIMENSIONS)
def test_breakdowns_are_identical_on_every_dialect(cities, dimension):
    scope = scopes(cities["sqlite"])[0]
    frames = {d: indicators.kpis_by(db, scope, dimension) for d, db in cities.items()}
    assert len(frames["sqlite"]) > 1
    for dialect in ("postgresql", "mariadb"):
        pd.testing.assert_frame_equal(frames[dialect], frames["sqlite"], check_dtype=False, obj=dialect)


@pytest.mark.parametrize("dimension", indicators.BACKLOG_DIMENSIONS)
def test_backlog_breakdowns_are_identical_on_every_dialect(cities, dimension):
    scope = scopes(cities["sqlite"])[1]
    frames = {d: indicators.backlog_by(db, scope, dimension) for d, db in cities.items()}
    assert frames["sqlite"]["backlog"].sum() == indicators.kpis(cities["sqlite"], scope)["backlog"]
    for dialect in ("postgresql", "mariadb"):
        pd.testing.assert_frame_equal(frames[dialect], frames["sqlite"], check_dtype=False, obj=dialect)


def test_child_areas_sum_to_their_parent(cities):
    db = cities["postgresql"]
    scope = scopes(db)[0]
    frame = indicators.kpis_by(db, scope, "area")
    total = indicators.kpis(db, scope)
    for count in ("reported", "closed", "due", "backlog", "overdue"):
        assert frame[count].sum() == total[count], count


def test_freshness_is_identical_on_every_dialect(cities):
    scope = scopes(cities["sqlite"])[0]
    moments = {d: newest_data_at(db, scope) for d, db in cities.items()}
    assert moments["sqlite"] is not None and moments["sqlite"] <= NOW
    assert moments["postgresql"] == moments["sqlite"] == moments["mariadb"]
