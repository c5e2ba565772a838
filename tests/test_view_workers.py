"""The grid-workers view as a director reads it: who is online, where, who patrolled which grid, one worker's day.

The city is tests/test_area_map.py's MAP_CITY. At 12:00 on 20 November:
W1 (张三, 甲一网格) pinged at 11:58: online, patrolled; W2 (欧阳娜娜, 甲二网格)
last pinged yesterday at 18:00: offline, and nobody patrolled 甲二网格 today;
W3 (李四, 乙一网格) pinged at 11:40: stale, patrolled; W4 is inactive and
counts nowhere, though it pinged.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

import callbacks.workers as workers_view
from app import create_app
from callbacks.navigation import render_frame
from callbacks.workers import position_click, worker_track, workers_panels
from components import ids
from components.theme import WALL
from data_access import workers
from data_access.database import Database
from tests.support import (acting_as, create_contract, fresh_database_url, principal_with, read_only_database,
                           settings_for, signed_in, tile_texts)
from tests.test_app_shell import as_json, call_callback, output_key
from tests.test_area_map import map_city_url, scope


@pytest.fixture
def city_url(tmp_path) -> str:
    return map_city_url("sqlite", tmp_path, "workers_city")


@pytest.fixture
def db(city_url) -> Database:
    return Database.from_settings(settings_for(city_url))


def test_tiles_count_workers_by_last_ping_and_grids_nobody_patrolled(db):
    tiles = tile_texts(workers_panels(db, "").tiles)
    states = workers.worker_states(db, scope())
    assert states == {"online": 1, "stale": 1, "offline": 1, "total": 3}
    assert {name: tiles[name][0] for name in ("total", "online", "stale", "offline")} == \
        {"total": "3", "online": "1", "stale": "1", "offline": "1"}
    assert tiles["unpatrolled"][0] == "1 / 3"
    assert tiles["online"][1] == "在岗网格员中，最后一次定位在数据时刻前 5 分钟内的人数。"
    assert "按人员所属网格判断，不按定位落点" in tiles["unpatrolled"][1]


def test_unpatrolled_grids_are_the_finest_grids_whose_active_workers_sent_no_ping_today(db):
    assert workers.unpatrolled_grids(db, scope(), 10).to_dict("records") == [
        {"area_code": "R01002", "name": "甲二网格", "parent_code": "R01", "workers": 1}
    ]
    coverage = workers.patrol_coverage_by_area(db, scope()).set_index("key")
    assert coverage[["grids", "unpatrolled"]].to_dict("index") == {
        "R01": {"grids": 2, "unpatrolled": 1}, "R02": {"grids": 1, "unpatrolled": 0}
    }
    # W4 pinged in 乙一网格 but is inactive; without W3's ping the grid would be unpatrolled.
    panels = workers_panels(db, "")
    assert panels.unpatrolled == [{"area_code": "R01002", "name": "甲二网格", "workers": 1}]
    assert panels.unpatrolled_caption == "共 1 个网格今日未巡查"
    assert panels.areas_hideout["labels"]["R01"] == "今日未巡查：1 / 2 个网格"
    assert panels.areas_hideout["colours"]["R01"] == WALL.alert and "R03" not in panels.areas_hideout["colours"]


def test_a_small_scope_sends_each_workers_last_position_named_only_with_personal_data(db):
    with acting_as(principal_with(personal_data=True)):
        panels = workers_panels(db, "")
    dots = {f["properties"]["id"]: f for f in panels.positions["features"]}
    assert {worker: dot["properties"]["s"] for worker, dot in dots.items()} == \
        {"W1": "online", "W2": "offline", "W3": "stale"}
    assert dots["W1"]["geometry"]["coordinates"] == [120.15, 31.08]  # 11:58, not the 12:30 ping after as_of
    assert (dots["W1"]["properties"]["n"], dots["W2"]["properties"]["n"]) == ("张三", "欧阳娜娜")
    assert (dots["W1"]["properties"]["p"], dots["W2"]["properties"]["p"]) == ("11:58:00", "2026-11-19 18:00")
    assert [option["label"] for option in panels.picker_options] == ["张三  W1", "欧阳娜娜  W2", "李四  W3"]
    assert "王五" not in as_json(panels)  # W4 is inactive
    assert panels.note.startswith("圆点：每名网格员的最后定位")

    anonymous = workers_panels(db, "")  # no principal, no personal data: positions without identity
    assert sorted((f["geometry"]["coordinates"], f["properties"]) for f in anonymous.positions["features"]) == \
        sorted((f["geometry"]["coordinates"], {"s": f["properties"]["s"], "p": f["properties"]["p"]})
               for f in panels.positions["features"])
    everything = as_json(anonymous)
    assert all(who not in everything for who in ("张", "欧阳", "李四", "W1", "W2", "W3"))
    assert anonymous.picker_options == [] and anonymous.picker_disabled
    assert anonymous.picker_placeholder == "查看个人轨迹需要“个人信息”权限"
    assert anonymous.note.startswith("圆点：网格员的最后定位（无“个人信息”权限")


def test_a_big_scope_sends_per_area_counts_at_area_centres_never_every_worker(db, monkeypatch):
    monkeypatch.setattr(workers_view, "POINT_LIMIT", 2)
    panels = workers_panels(db, "")
    dots = {f["properties"]["code"]: f for f in panels.positions["features"]}
    assert set(dots) == {"R01", "R02"}  # R03 has no workers
    assert dots["R01"]["geometry"]["coordinates"] == [120.1, 31.1]  # 甲区's stored label point
    assert dots["R01"]["properties"]["r"] > dots["R02"]["properties"]["r"]  # two workers against one
    assert "网格员 2 人：在线 1 · 信号滞后 0 · 离线 1" in dots["R01"]["properties"]["t"]
    assert panels.picker_options == [] and panels.picker_disabled
    assert panels.picker_placeholder == "人数较多，请先下钻到更小范围再选择网格员"
    assert "W1" not in as_json(panels.positions)


def test_a_workers_track_is_todays_pings_up_to_as_of_and_only_inside_the_scope(db):
    with acting_as(principal_with(personal_data=True)):
        layers, info = worker_track(db, "", "W1")
        line = layers[0].to_plotly_json()["props"]
        assert line["positions"] == [[31.02, 120.05], [31.08, 120.15]]
        assert info == "张三（W1）· 专职 · 今日定位 2 次 · 2026-11-20 09:00:00 – 2026-11-20 11:58:00"
        assert worker_track(db, "", "W2") == ([], "欧阳娜娜（W2）· 微网格员 · 今日尚无定位")
        assert worker_track(db, "?area=R02", "W1") == ([], "网格员「W1」不在当前范围内，未显示轨迹")
        assert worker_track(db, "", None) == ([], None)
        for forged in ({"id": "W1"}, "W" * 41, "", 7):
            layers, info = worker_track(db, "", forged)
            assert layers == [] and "不在当前范围内" in info


def test_clicking_a_dot_chooses_a_worker_or_drills_into_an_area(db):
    assert position_click(db, {"properties": {"id": "W1"}}, "") == (no_update, "W1")
    assert position_click(db, {"properties": {"code": "R01"}}, "?lang=en") == ("?lang=en&area=R01", no_update)
    for forged in ({"properties": {"code": "R01001"}}, {"properties": {}}, {"properties": {"id": 5}}, "W1"):
        with pytest.raises(PreventUpdate):
            position_click(db, forged, "")


def test_workers_per_area_chart_is_the_data_access_breakdown(db):
    figure = workers_panels(db, "?lang=en").by_area
    by_area = workers.workers_by_area(db, scope()).set_index("key")
    online = next(trace for trace in figure.data if trace.name == "Online")
    assert dict(zip(online.y, online.x)) == by_area["online"].to_dict() == {"R01": 1, "R02": 0}


def test_an_empty_database_says_no_data_in_place(tmp_path):
    url = fresh_database_url("sqlite", "workers_empty", tmp_path)
    create_contract(url)
    panels = workers_panels(Database.from_settings(settings_for(url)), "?lang=en")
    tiles = tile_texts(panels.tiles)
    assert tiles["total"][0] == "0" and tiles["unpatrolled"][0] == "n/a"
    assert panels.positions["features"] == [] and panels.unpatrolled == []
    assert panels.unpatrolled_caption == "No grid or micro-grid in the scope"
    assert panels.picker_placeholder == "No active worker in the scope"
    assert [a.text for a in panels.by_area.layout.annotations] == ["No data"]


def test_the_page_and_its_callbacks_over_dash_http(city_url):
    app = create_app(settings_for(city_url))
    page = as_json(render_frame(app, "/workers", "?lang=en")[0])
    for component_id in (ids.WORKERS_MAP, ids.WORKERS_POSITIONS, ids.WORKERS_PICKER, ids.WORKERS_TRACK):
        assert f'"id": "{component_id}"' in page
    assert "No grid left unpatrolled today" in page and "http" not in page
    client = signed_in(app, personal_data=True)
    response = call_callback(
        client, app, output_key(app, ids.WORKERS_HEADER), {(ids.WORKERS_REFRESH, "n_intervals"): 1},
        {(ids.URL, "search"): "?area=R01", (ids.WORKERS_MAP_LOADED, "data"): None},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert {f["properties"]["id"] for f in answer[ids.WORKERS_POSITIONS]["data"]["features"]} == {"W1", "W2"}
    response = call_callback(client, app, output_key(app, ids.WORKERS_TRACK),
                             {(ids.WORKERS_PICKER, "value"): "W1", (ids.WORKERS_REFRESH, "n_intervals"): 1},
                             {(ids.URL, "search"): "?area=R01"})
    assert "今日定位 2 次" in json.dumps(response.get_json()["response"], ensure_ascii=False)


def test_worker_queries_agree_on_every_dialect(dialect, tmp_path):
    db = read_only_database(map_city_url(dialect, tmp_path, "onescreen_workers_city"))
    try:
        assert workers.unpatrolled_grids(db, scope(), 10)["area_code"].tolist() == ["R01002"]
        assert workers.patrol_coverage_by_area(db, scope())["unpatrolled"].tolist() == [1, 0]
        identified = replace(scope(), personal_data=True)
        roster = workers.worker_roster(db, identified, 10)
        assert roster[["worker_id", "name", "state"]].values.tolist() == [
            ["W1", "张三", "online"], ["W2", "欧阳娜娜", "offline"], ["W3", "李四", "stale"]]
        assert workers.worker_in_scope(db, identified.with_area("R02"), "W1") is None
        assert workers.worker_in_scope(db, identified, "W2")["name"] == "欧阳娜娜"
    finally:
        db.engine.dispose()
