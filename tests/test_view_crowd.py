"""The crowd view as the command centre reads it: zone loads, alerts since when, heat cells, the day's replay.

The city is tests/test_area_map.py's MAP_CITY. At 12:00 on 20 November:
观前街 (Z1, capacity 100) holds 80 + 50 = 130 people, over capacity since
11:55 (110); 山塘街 (Z2, capacity 50) holds 40, 80 % of it: near capacity.
At 11:50 they held 90 and 20. A sample in no zone (999 people) is outside
every scope.
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from dash import no_update

from app import create_app
from callbacks.crowd import crowd_panels
from callbacks.navigation import render_frame
from components import ids
from components.area_map import NEAR_CAPACITY, heat_cells_per_degree, load_class
from components.theme import DESK, WALL
from data_access import crowd
from data_access.database import Database
from tests.support import create_contract, fresh_database_url, read_only_database, settings_for, tile_texts, signed_in
from tests.test_app_shell import as_json, call_callback, output_key
from tests.test_area_map import map_city_url, scope

ELEVEN_FIFTY_TWO = 11 * 3600 + 52 * 60


@pytest.fixture
def city_url(tmp_path) -> str:
    return map_city_url("sqlite", tmp_path, "crowd_city")


@pytest.fixture
def db(city_url) -> Database:
    return Database.from_settings(settings_for(city_url))


def test_tiles_count_zones_over_capacity_and_people_at_the_newest_snapshot(db):
    panels = crowd_panels(db, "")
    tiles = tile_texts(panels.tiles)
    loads = crowd.zone_load(db, scope())
    assert tiles["snapshot"][0] == "12:00" and "2026-11-20 12:00:00" in tiles["snapshot"][1]
    assert tiles["zones"][0] == "2"
    assert tiles["zones_over"][0] == "1" == str(int(loads["over"].sum()))
    assert tiles["people"][0] == "170" == str(int(loads["people"].sum()))
    assert tiles["people"][1].startswith("快照时刻各监测区域内采样点人数之和")
    assert tiles["zones_over"][1] == "快照时刻人数超过容量（告警阈值）的区域数。"


def test_alert_list_says_people_against_capacity_and_since_when(db):
    alerts = crowd_panels(db, "").alerts
    assert [(a["name"], a["people_text"], a["capacity_text"], a["load_text"], a["since"]) for a in alerts] == [
        ("观前街", "130", "100", "130.0%", "2026-11-20 11:55:00")
    ]
    rows = {row["zone_id"]: row for row in crowd_panels(db, "").zones}
    assert (rows["Z1"]["over"], rows["Z1"]["high"]) == (True, False)
    assert (rows["Z2"]["over"], rows["Z2"]["high"], rows["Z2"]["load_text"]) == (False, True, "80.0%")


def test_zones_are_coloured_green_amber_red_by_load_against_capacity(db):
    panels = crowd_panels(db, "")
    assert panels.zones_hideout["colours"] == {"Z1": WALL.alert, "Z2": WALL.warning}
    assert panels.zones_hideout["labels"]["Z1"] == "130 / 100 人（130.0%）"
    assert [load_class(79, 100, 0.79), load_class(80, 100, NEAR_CAPACITY), load_class(100, 100, 1.0),
            load_class(101, 100, 1.01), load_class(5, 0, float("nan"))] == ["normal", "high", "high", "over", None]
    light = crowd_panels(db, "?theme=light")
    assert light.zones_hideout["colours"]["Z2"] == DESK.warning


def test_the_map_names_the_zones_over_capacity_and_no_other(db):
    """A director must see which zone is in alarm from across the room, with no mouse to hover."""
    assert crowd_panels(db, "").zones_hideout["alarms"] == {"Z1": "观前街 130.0%"}  # Z2, near capacity, is not named
    assert crowd_panels(db, "?lang=en").zones_hideout["alarms"] == {"Z1": "观前街 130.0%"}
    calm = crowd_panels(db, "", replay_value=ELEVEN_FIFTY_TWO, replay_max=12 * 3600)  # 11:50: 90 of 100
    assert calm.zones_hideout["alarms"] == {}


def test_zone_shapes_and_their_markers_are_sent_once_and_a_zone_without_boundary_keeps_its_list_row(db):
    panels = crowd_panels(db, "")
    kinds = sorted((f["properties"]["id"], f["geometry"]["type"]) for f in panels.zones_data["features"])
    assert kinds == [("Z1", "Point"), ("Z1", "Polygon")]  # Z2 has no boundary: listed, not drawn
    assert "Z2" in {row["zone_id"] for row in panels.zones}
    # The view opens on the zones, not on the whole city.
    assert panels.viewport["bounds"] == [[31.02, 120.05], [31.08, 120.15]]
    again = crowd_panels(db, "", panels.loaded)
    assert (again.areas_data, again.zones_data, again.viewport, again.map_tiles) == (no_update,) * 4
    assert again.zones_hideout == panels.zones_hideout


def test_heat_cells_sum_the_snapshots_people_in_scope(db):
    cells = crowd.heat_cells(db, scope(), datetime(2026, 11, 20, 12), 10)
    assert cells["people"].sum() == 170  # the 999 sampled in no zone is outside every scope
    coarse = cells.set_index(["lat", "lon"])["people"].to_dict()
    # Both of Z1's points fall in one 0.1° cell (points are kept off cell edges: at an exact
    # half, databases may round either way, so a point on an edge may go to either side).
    assert coarse == {(31.1, 120.1): 130, (31.1, 120.3): 40}
    fine = crowd.heat_cells(db, scope(), datetime(2026, 11, 20, 12), 100)
    assert sorted(fine["people"]) == [40, 50, 80]
    panels = crowd_panels(db, "")
    assert sum(int(f["properties"]["t"].split()[0]) for f in panels.heat_data["features"]) == 170
    assert panels.heat_hideout["half"] == pytest.approx(0.5 / heat_cells_per_degree([[31.02, 120.05], [31.08, 120.15]]))


def test_heat_cell_size_follows_the_drawn_extent():
    assert heat_cells_per_degree([[30.1, 103.5], [31.4, 104.9]]) == 50  # a city: about 2 km
    assert heat_cells_per_degree([[31.30, 120.58], [31.34, 120.64]]) == 1000  # a few streets: about 100 m
    assert heat_cells_per_degree(None) == 2000


def test_replay_shows_the_snapshot_at_the_sliders_moment_counted_as_it_was_then(db):
    live = crowd_panels(db, "")
    assert (live.replay_min, live.replay_max, live.replay_value) == (11 * 3600 + 50 * 60, 12 * 3600, 12 * 3600)
    assert live.replay_marks == {42600: "11:50", 43200: "12:00"}  # under two hours: its ends are marked
    assert live.replay_label == "最新快照：2026-11-20 12:00:00"

    past = crowd_panels(db, "", None, ELEVEN_FIFTY_TWO, live.replay_max)
    assert past.replay_label == "回放：2026-11-20 11:50:00" and "replay__label--past" in past.replay_label_class
    assert past.replay_value is no_update  # the slider stays where it was dragged
    assert {row["zone_id"]: row["people"] for row in past.zones} == {"Z1": 90, "Z2": 20}
    assert past.alerts == [] and tile_texts(past.tiles)["snapshot"][0] == "11:50"
    assert past.zones_hideout["colours"] == {"Z1": WALL.warning, "Z2": WALL.series[1]}


@pytest.mark.parametrize("value", ["43000", True, -5, 10**12, float("nan"), [43000], {"x": 1}])
def test_a_slider_value_that_is_not_a_moment_of_the_day_shows_the_newest_snapshot(db, value):
    panels = crowd_panels(db, "", None, value, 43200)
    assert panels.replay_label == "最新快照：2026-11-20 12:00:00"


def test_yesterdays_snapshots_are_not_in_todays_replay_and_a_past_day_replays_itself(db):
    assert crowd_panels(db, "").replay_min == 11 * 3600 + 50 * 60
    yesterday = crowd_panels(db, "?as_of=2026-11-19T20:00:00")
    assert yesterday.replay_label == "最新快照：2026-11-19 15:00:00"
    assert {row["zone_id"]: row["people"] for row in yesterday.zones} == {"Z1": 500, "Z2": 0}


def test_drilling_into_a_district_keeps_its_zones_only(db):
    panels = crowd_panels(db, "?area=R02")
    assert [row["zone_id"] for row in panels.zones] == ["Z2"] and panels.alerts == []
    assert {f["properties"]["code"] for f in panels.areas_data["features"]} == {"R02001"}
    assert panels.areas_hideout["hint"] == "点击下钻"
    leaf = crowd_panels(db, "?area=R03")
    assert leaf.zones == [] and tile_texts(leaf.tiles)["snapshot"][0] == "无数据"
    assert leaf.areas_hideout["hint"] is None  # a leaf drawn alone: nothing to drill into


def test_invalid_parameter_is_named_and_english_with_lang_en(db):
    panels = crowd_panels(db, "?as_of=yesterday&lang=en")
    assert "“as_of”" in as_json(panels.notices) and "Showing the default scope" in as_json(panels.notices)
    assert panels.replay_label == "Newest: 2026-11-20 12:00:00"
    assert panels.zones_hideout["labels"]["Z1"] == "130 / 100 people (130.0%)"
    assert "Zone load" in as_json(panels.legend) and "Heat (people per cell)" in as_json(panels.legend)


def test_empty_database_says_no_data_in_place(tmp_path):
    url = fresh_database_url("sqlite", "crowd_empty", tmp_path)
    create_contract(url)
    panels = crowd_panels(Database.from_settings(settings_for(url)), "?lang=en")
    tiles = tile_texts(panels.tiles)
    assert (tiles["snapshot"][0], tiles["zones"][0], tiles["zones_over"][0], tiles["people"][0]) == \
        ("n/a", "0", "n/a", "n/a")
    assert panels.alerts == [] and panels.zones == [] and panels.heat_data["features"] == []
    assert panels.replay_disabled and panels.replay_label == "No crowd snapshot yet today"
    assert panels.message == "No areas to draw"
    page = as_json(render_frame(create_app(settings_for(url)), "/crowd", "?lang=en")[0])
    assert "No zone is over capacity at the snapshot" in page and "No crowd zone in the scope" in page


def test_the_page_lays_out_the_map_slider_and_lists_and_loads_nothing_from_outside(db):
    page = as_json(render_frame(create_app(db.settings), "/crowd", "")[0])
    for component_id in (ids.CROWD_MAP, ids.CROWD_HEAT, ids.CROWD_ZONES, ids.CROWD_REPLAY, ids.CROWD_ALERTS_GRID):
        assert f'"id": "{component_id}"' in page
    assert '"variable": "onescreenMaps.heatCell"' in page and '"transform": "clockOfSeconds"' in page
    assert "TileLayer" not in page and "http" not in page


def test_refresh_over_dash_http_and_an_outage_keeps_the_map(city_url, tmp_path):
    app = create_app(settings_for(city_url))
    key = output_key(app, ids.CROWD_HEADER)
    inputs = {(ids.CROWD_REFRESH, "n_intervals"): 1, (ids.CROWD_REPLAY, "value"): ELEVEN_FIFTY_TWO}
    state = {(ids.URL, "search"): "", (ids.CROWD_MAP_LOADED, "data"): None, (ids.CROWD_REPLAY, "max"): 43200}
    response = call_callback(signed_in(app), app, key, inputs, state)
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert answer[ids.CROWD_REPLAY_LABEL]["children"] == "回放：2026-11-20 11:50:00"
    assert {row["zone_id"]: row["people"] for row in answer[ids.CROWD_ZONES_GRID]["rowData"]} == {"Z1": 90, "Z2": 20}

    down = create_app(settings_for(f"sqlite:///{tmp_path}/not-there.sqlite"))
    response = call_callback(signed_in(down), down, output_key(down, ids.CROWD_HEADER), inputs, state)
    assert response.status_code == 200
    assert set(response.get_json()["response"]) == {ids.CROWD_NOTICES}


def test_crowd_queries_agree_on_every_dialect(dialect, tmp_path):
    db = read_only_database(map_city_url(dialect, tmp_path, "onescreen_crowd_city"))
    try:
        cells = crowd.heat_cells(db, scope(), datetime(2026, 11, 20, 12), 10)
        assert cells.set_index(["lat", "lon"])["people"].to_dict() == {(31.1, 120.1): 130, (31.1, 120.3): 40}
        assert crowd.latest_snapshot_at(db, scope("R03")) is None
        panels = crowd_panels(db, "", None, ELEVEN_FIFTY_TWO, 43200)
        assert {row["zone_id"]: row["people"] for row in panels.zones} == {"Z1": 90, "Z2": 20}
    finally:
        db.engine.dispose()


def test_the_since_column_is_wide_enough_for_the_moment_it_holds(db):
    from components.grids import MOMENT_WIDTH
    page = json.loads(as_json(render_frame(create_app(db.settings), "/crowd", "")[0]))
    [since] = [d for d in _column_defs(page) if d["field"] == "since"]
    assert since["minWidth"] == MOMENT_WIDTH  # 2026-11-20 12:00:00, as the tickets' moments


def _column_defs(node):
    if isinstance(node, list):
        for child in node:
            yield from _column_defs(child)
    elif isinstance(node, dict):
        props = node.get("props", {})
        yield from props.get("columnDefs", [])
        yield from _column_defs(props.get("children"))


def test_a_zones_name_keeps_its_width_beside_the_since_column(db):
    from components.grids import NAME_WIDTH
    page = json.loads(as_json(render_frame(create_app(db.settings), "/crowd", "")[0]))
    names = [d for d in _column_defs(page) if d["field"] == "name"]
    assert len(names) == 2 and all(d.get("minWidth") == NAME_WIDTH for d in names)  # 十全街, not 十…
