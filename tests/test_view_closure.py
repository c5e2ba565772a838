"""The closure view as a leader reads it: closure indicators, the league table of sub-areas (红黑榜), breakdowns.

The league below is worked out by hand. Period 2026-10-22..2026-11-20 at
2026-11-20 12:00; the previous period 2026-09-22..2026-10-21, counted as of
its end, 2026-10-22 00:00.

    area  now: closure, on time, due -> rank   previous: closure, on time, due -> rank   change
    R01        1.0   1.0   2         -> 1                0.5   0.0   2 (A4 open then) -> 4    ▲3
    R03        1.0   1.0   1         -> 2 (tie)          n/a                          -> 5    n/a
    R05        1.0   1.0   1         -> 2 (tie)          1.0   0.0   1                -> 3    ▲1
    R02        1.0   0.75  4         -> 4                1.0   1.0   1                -> 2    ▼2
    R04        0.5   0.5   2         -> 5                1.0   1.0   2                -> 1    ▼4
    R06        n/a                   -> 6                n/a                          -> 5    n/a
"""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from dash.exceptions import PreventUpdate

import i18n
from app import create_app
from callbacks.closure import closure_panels
from callbacks.navigation import render_frame
from callbacks.scoped_view import child_area_search
from components import ids
from data_access import indicators, league
from data_access.database import Database
from data_access.scope import Scope
from pages.closure import league_columns
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database, settings_for, signed_in
from tests.test_app_shell import as_json, call_callback, output_key, tiles_by_indicator

NOW = datetime(2026, 11, 20, 12, 0)
D = datetime

AREAS = [{"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"}] + [
    {"area_code": f"R0{i}", "parent_code": "R", "level": "district", "name": f"{name}区"}
    for i, name in enumerate("甲乙丙丁戊己", start=1)
]
DEPARTMENTS = [{"dept_code": "CGW", "name": "城管委"}, {"dept_code": "ZJJ", "name": "住建局"}]
CATEGORIES = [{"category_code": "01", "parent_code": None, "level": 1, "name": "市容环境"}]


def _ticket(ticket_id, area, reported, *, due, closed=None, dept="CGW"):
    return {
        "ticket_id": ticket_id, "source": "hotline_12345", "area_code": area, "reported_at": reported,
        "due_at": due, "closed_at": closed, "status": "closed" if closed else "dispatched", "dept_code": dept,
        "category_code": "01", "rework_count": 0,
    }


TICKETS = [
    # This period
    _ticket("A1", "R01", D(2026, 11, 2, 8), due=D(2026, 11, 3), closed=D(2026, 11, 2, 10)),
    _ticket("A2", "R01", D(2026, 11, 4), due=D(2026, 11, 5), closed=D(2026, 11, 4, 12)),
    *[_ticket(f"B{i}", "R02", D(2026, 11, i), due=D(2026, 11, i + 1), closed=D(2026, 11, i, 12), dept="ZJJ")
      for i in (1, 2, 3)],
    _ticket("B4", "R02", D(2026, 11, 6), due=D(2026, 11, 7), closed=D(2026, 11, 8), dept="ZJJ"),
    _ticket("C1", "R03", D(2026, 11, 10), due=D(2026, 11, 11), closed=D(2026, 11, 10, 12)),
    _ticket("D1", "R04", D(2026, 11, 1), due=D(2026, 11, 2), closed=D(2026, 11, 1, 12)),
    _ticket("D2", "R04", D(2026, 11, 3), due=D(2026, 11, 4)),
    _ticket("E1", "R05", D(2026, 11, 12), due=D(2026, 11, 13), closed=D(2026, 11, 12, 12)),
    # filed on the city itself: in the city's numbers, in no district's row
    _ticket("F1", "R", D(2026, 11, 5), due=D(2026, 11, 6)),
    # The previous period
    _ticket("D3", "R04", D(2026, 10, 1), due=D(2026, 10, 2), closed=D(2026, 10, 1, 12)),
    _ticket("D4", "R04", D(2026, 10, 5), due=D(2026, 10, 6), closed=D(2026, 10, 5, 12)),
    _ticket("B5", "R02", D(2026, 10, 2), due=D(2026, 10, 3), closed=D(2026, 10, 2, 12)),
    _ticket("E2", "R05", D(2026, 10, 3), due=D(2026, 10, 4), closed=D(2026, 10, 5)),
    _ticket("A3", "R01", D(2026, 10, 4), due=D(2026, 10, 5), closed=D(2026, 10, 6)),
    # closed on 5 November: still open when the previous period ended
    _ticket("A4", "R01", D(2026, 10, 1), due=D(2026, 10, 3), closed=D(2026, 11, 5)),
]


@pytest.fixture
def city_url(tmp_path) -> str:
    url = fresh_database_url("sqlite", "closure_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "department": DEPARTMENTS, "category": CATEGORIES, "ticket": TICKETS})
    return url


@pytest.fixture
def db(city_url) -> Database:
    return Database.from_settings(settings_for(city_url))


def scope(area="R") -> Scope:
    return Scope(area_code=area, period_from=date(2026, 10, 22), period_to=date(2026, 11, 20), as_of=NOW)


def test_league_ranks_by_closure_rate_then_on_time_then_due_and_ties_share_a_rank(db):
    table = league.closure_league(db, scope()).set_index("key")
    assert table["rank"].to_dict() == {"R01": 1, "R03": 2, "R05": 2, "R02": 4, "R04": 5, "R06": 6}
    assert list(table.index) == ["R01", "R03", "R05", "R02", "R04", "R06"]
    assert table.loc["R02", "on_time_closure_rate"] == pytest.approx(0.75)
    assert table.loc["R04", "closure_rate"] == pytest.approx(0.5)
    assert table.loc["R06", "due"] == 0 and table.loc["R06", "name"] == "己区"


def test_rank_change_compares_the_previous_period_as_it_stood_at_its_end(db):
    table = league.closure_league(db, scope()).set_index("key")
    # A4 was closed on 5 November: at the end of the previous period it was open and overdue.
    assert table.loc["R01", "previous_closure_rate"] == pytest.approx(0.5)
    # Areas with no closure rate then had no standing: no previous rank is shown, not a tie for last.
    assert table["previous_rank"].to_dict() == {"R01": 4, "R03": None, "R05": 3, "R02": 2, "R04": 1, "R06": None}
    assert table["rank_change"].to_dict() == {"R01": 3, "R03": None, "R05": 1, "R02": -2, "R04": -4, "R06": None}


def test_red_and_black_boards_are_the_top_and_bottom_of_the_rated_areas(db):
    table = league.closure_league(db, scope()).set_index("key")
    # Five rated areas: two places each; the tie at second place puts both on the red board.
    assert table["board"].to_dict() == {"R01": "red", "R03": "red", "R05": "red", "R02": "black", "R04": "black",
                                        "R06": None}


def test_league_is_built_from_the_api_breakdown(db, city_url):
    api = signed_in(create_app(settings_for(city_url))).get(
        "/api/v1/breakdown?by=area&from=2026-10-22&to=2026-11-20&as_of=2026-11-20T12:00:00"
    ).get_json()["rows"]
    table = league.closure_league(db, scope()).set_index("key")
    for row in api:
        if row["key"] in table.index:
            assert table.loc[row["key"], "closure_rate"] == pytest.approx(row["closure_rate"])
            assert table.loc[row["key"], "due"] == row["due"]
    assert "R" in {row["key"] for row in api} and "R" not in table.index


def test_view_shows_the_league_with_rank_arrows_and_the_rule(db):
    panels = closure_panels(db, "?from=2026-10-22&to=2026-11-20")
    rows = {row["key"]: row for row in panels.league_rows}
    assert (rows["R01"]["rank_change_text"], rows["R02"]["rank_change_text"], rows["R03"]["rank_change_text"]) \
        == ("▲3", "▼2", "")
    assert (rows["R01"]["board_text"], rows["R04"]["board_text"], rows["R06"]["board_text"]) == ("红榜", "黑榜", "")
    assert rows["R06"]["closure_rate_text"] == "无数据"
    assert "2026-09-22 至 2026-10-21" in panels.league_note and "前3名为红榜" in panels.league_note


def test_an_area_with_no_rate_in_the_previous_period_shows_a_dash_and_says_why_on_hover(db):
    rows = {row["key"]: row for row in closure_panels(db, "?from=2026-10-22&to=2026-11-20").league_rows}
    assert (rows["R03"]["previous_rank_text"], rows["R06"]["previous_rank_text"]) == ("—", "—")
    assert rows["R03"]["previous_rank_hint"] == "上期结案率无数据（上期无应结案工单），本期新进榜。"
    assert (rows["R01"]["previous_rank_text"], rows["R01"]["previous_rank_hint"]) == ("4", None)
    english = {row["key"]: row for row in closure_panels(db, "?lang=en&from=2026-10-22&to=2026-11-20").league_rows}
    assert english["R03"]["previous_rank_hint"].startswith("No closure rate in the previous period")
    hovered = next(c for c in league_columns("zh") if c["field"] == "previous_rank")
    assert hovered["tooltipField"] == "previous_rank_hint"


def test_tiles_are_the_api_indicators_with_their_definitions(db, city_url):
    panels = closure_panels(db, "")
    api = signed_in(create_app(settings_for(city_url))).get("/api/v1/kpis").get_json()
    tiles = tiles_by_indicator(panels.tiles)
    assert set(tiles) == {"closure_rate", "on_time_closure_rate", "rework_rate", "satisfaction_rate",
                          "avg_handle_hours", "due", "closed"}
    for name, shown in tiles.items():
        assert shown["value"] == i18n.format_indicator(name, api[name], "zh"), name
        assert shown["title"].startswith(i18n.indicator_definition(name, "zh"))
    assert tiles["satisfaction_rate"]["value"] == "无数据"  # nobody rated anything


def test_department_and_category_tables_are_the_api_breakdowns(db, city_url):
    panels = closure_panels(db, "?lang=en")
    client = signed_in(create_app(settings_for(city_url)))
    for rows, dimension in ((panels.dept_rows, "dept"), (panels.category_rows, "category")):
        api = {row["key"]: row for row in client.get(f"/api/v1/breakdown?by={dimension}").get_json()["rows"]}
        assert {row["key"] for row in rows} == set(api)
        for row in rows:
            assert row["closure_rate"] == pytest.approx(api[row["key"]]["closure_rate"])
            assert row["due"] == api[row["key"]]["due"]
    by_dept = {row["name"]: row for row in panels.dept_rows}
    assert by_dept["住建局"]["on_time_closure_rate_text"] == "75.0%"


def test_clicking_a_league_row_drills_into_that_area_only(db):
    assert child_area_search(db, "?lang=en", "R03") == "?lang=en&area=R03"
    with pytest.raises(PreventUpdate):
        child_area_search(db, "?area=R01", "R03")  # a sibling, not a child
    with pytest.raises(PreventUpdate):
        child_area_search(db, "", "R' OR 1=1")


def test_a_leaf_area_and_an_empty_database_say_no_data_in_place(db, tmp_path):
    assert closure_panels(db, "?area=R03").league_rows == []
    url = fresh_database_url("sqlite", "closure_empty", tmp_path)
    create_contract(url)
    empty = Database.from_settings(settings_for(url))
    panels = closure_panels(empty, "?lang=en")
    assert panels.league_rows == [] and panels.dept_rows == [] and panels.category_rows == []
    assert tiles_by_indicator(panels.tiles)["closure_rate"]["value"] == "n/a"
    page = as_json(render_frame(create_app(empty.settings), "/closure", "?lang=en")[0])
    assert '"noRowsToShow": "No data"' in page and "League table" in page


def test_refresh_over_dash_http(city_url):
    app = create_app(settings_for(city_url))
    response = call_callback(
        signed_in(app), app, output_key(app, ids.CLOSURE_HEADER),
        {(ids.CLOSURE_REFRESH, "n_intervals"): 1}, {(ids.URL, "search"): "?from=2026-10-22&to=2026-11-20"},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert [row["key"] for row in answer[ids.CLOSURE_LEAGUE_GRID]["rowData"]] == ["R01", "R03", "R05", "R02",
                                                                               "R04", "R06"]
    assert "2026-09-22" in json.dumps(answer[ids.CLOSURE_LEAGUE_NOTE], ensure_ascii=False)


def test_the_league_agrees_on_every_dialect(dialect, tmp_path):
    url = fresh_database_url(dialect, "onescreen_league", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "department": DEPARTMENTS, "category": CATEGORIES, "ticket": TICKETS})
    db = read_only_database(url)
    try:
        table = league.closure_league(db, scope()).set_index("key")
        assert table["rank"].to_dict() == {"R01": 1, "R03": 2, "R05": 2, "R02": 4, "R04": 5, "R06": 6}
        assert table["rank_change"].to_dict() == {"R01": 3, "R03": None, "R05": 1, "R02": -2, "R04": -4,
                                                  "R06": None}
        assert indicators.kpis(db, scope())["due"] == 11
    finally:
        db.engine.dispose()
