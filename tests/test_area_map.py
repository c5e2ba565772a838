"""The area map shared by the overview, crowd and workers views: shapes, datum, colours, drill-down.

MAP_CITY (also used by tests/test_view_crowd.py and tests/test_view_workers.py)
is a small city with boundaries, workers, pings and crowd readings:

    R  测试市 (city, 120.0-120.4 E, 31.0-31.2 N)
    ├── R01 甲区 (west half; label point stored)     ├── R01001 甲一网格 (south)  W1 online, Z1 (capacity 100)
    │                                                └── R01002 甲二网格 (north)  W2 offline: last ping yesterday
    ├── R02 乙区 (east half; no label point)         └── R02001 乙一网格          W3 stale, W4 inactive, Z2 (50, no boundary)
    └── R03 丙区 (no boundary, a label point only)
"""
from __future__ import annotations

import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
import shapely
from dash import no_update
from dash.exceptions import PreventUpdate

from app import create_app
from callbacks.area_map import clicked_code, drill_down_search, geometry_update
from callbacks.overview import overview_map
from components.area_map import MAP_INDICATORS, area_features, colour_scale, scale_entries, shapes_message
from components.theme import WALL
from data_access import geo, indicators
from data_access.database import Database
from data_access.scope import Scope
from tests.support import create_contract, fresh_database_url, insert_rows, settings_for, signed_in
from tests.test_app_shell import as_json, call_callback, output_key

NOW = datetime(2026, 11, 20, 12, 0)  # settings_for freezes the clock here


def box(west, south, east, north) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                           [west, north], [west, south]]]})


def area(code, parent, level, name, boundary=None, lat=None, lon=None):
    return {"area_code": code, "parent_code": parent, "level": level, "name": name, "boundary": boundary,
            "center_lat": lat, "center_lon": lon}


def worker(worker_id, grid, name, active=True, role="full_time"):
    return {"worker_id": worker_id, "name": name, "role": role, "area_code": grid, "active": active}


def ping(worker_id, moment, lat=31.05, lon=120.1):
    return {"worker_id": worker_id, "recorded_at": moment, "lat": lat, "lon": lon}


def reading(zone_id, moment, people, lat=31.06, lon=120.12):
    return {"recorded_at": moment, "lat": lat, "lon": lon, "people": people, "zone_id": zone_id}


def ticket(ticket_id, area_code, status, reported, closed=None, due=None):
    return {"ticket_id": ticket_id, "source": "hotline_12345", "area_code": area_code, "status": status,
            "reported_at": reported, "closed_at": closed, "due_at": due, "rework_count": 0}


D = datetime
MAP_CITY = {
    "area": [
        area("R", None, "city", "测试市", box(120.0, 31.0, 120.4, 31.2), 31.1, 120.2),
        area("R01", "R", "district", "甲区", box(120.0, 31.0, 120.2, 31.2), 31.1, 120.1),
        area("R02", "R", "district", "乙区", box(120.2, 31.0, 120.4, 31.2)),
        area("R03", "R", "district", "丙区", lat=31.3, lon=120.5),
        area("R01001", "R01", "grid", "甲一网格", box(120.0, 31.0, 120.2, 31.1), 31.05, 120.1),
        area("R01002", "R01", "grid", "甲二网格", box(120.0, 31.1, 120.2, 31.2), 31.15, 120.1),
        area("R02001", "R02", "grid", "乙一网格", box(120.2, 31.0, 120.4, 31.2), 31.1, 120.3),
    ],
    "grid_worker": [
        worker("W1", "R01001", "张三"), worker("W2", "R01002", "欧阳娜娜", role="micro_grid"),
        worker("W3", "R02001", "李四"), worker("W4", "R02001", "王五", active=False),
    ],
    "worker_position": [
        ping("W1", D(2026, 11, 20, 9, 0), 31.02, 120.05), ping("W1", D(2026, 11, 20, 11, 58), 31.08, 120.15),
        ping("W1", D(2026, 11, 20, 12, 30)),  # after as_of: never shown
        ping("W2", D(2026, 11, 19, 18, 0), 31.15, 120.1),  # yesterday only: offline, R01002 unpatrolled
        ping("W3", D(2026, 11, 20, 11, 40), 31.1, 120.3),  # 20 minutes ago: stale
        ping("W4", D(2026, 11, 20, 11, 59), 31.1, 120.3),  # inactive: patrols nothing
    ],
    "crowd_zone": [
        {"zone_id": "Z1", "name": "观前街", "area_code": "R01001", "capacity": 100,
         "boundary": box(120.05, 31.02, 120.15, 31.08)},
        {"zone_id": "Z2", "name": "山塘街", "area_code": "R02001", "capacity": 50, "boundary": None},
    ],
    "crowd_reading": [
        reading("Z1", D(2026, 11, 19, 15, 0), 500),  # yesterday: not in today's replay
        reading("Z1", D(2026, 11, 20, 11, 50), 60, 31.07, 120.07), reading("Z1", D(2026, 11, 20, 11, 50), 30),
        reading("Z1", D(2026, 11, 20, 11, 55), 70, 31.07, 120.07), reading("Z1", D(2026, 11, 20, 11, 55), 40),
        reading("Z1", D(2026, 11, 20, 12, 0), 80, 31.07, 120.07), reading("Z1", D(2026, 11, 20, 12, 0), 50),
        reading("Z2", D(2026, 11, 20, 11, 50), 20, 31.1, 120.3), reading("Z2", D(2026, 11, 20, 12, 0), 40, 31.1, 120.3),
        reading(None, D(2026, 11, 20, 12, 0), 999),  # in no zone: outside every scope
        reading("Z1", D(2026, 11, 20, 12, 5), 10),  # after as_of
    ],
    "ticket": [
        ticket("T1", "R01001", "closed", D(2026, 11, 10), closed=D(2026, 11, 11), due=D(2026, 11, 12)),
        ticket("T2", "R01002", "accepted", D(2026, 11, 12), due=D(2026, 11, 13)),
        ticket("T3", "R02001", "closed", D(2026, 11, 14), closed=D(2026, 11, 15), due=D(2026, 11, 16)),
        ticket("T4", "R02001", "closed", D(2026, 11, 15), closed=D(2026, 11, 16), due=D(2026, 11, 17)),
    ],
}


def map_city_url(dialect: str, tmp_path, name: str = "onescreen_map_city") -> str:
    url = fresh_database_url(dialect, name, tmp_path)
    create_contract(url)
    insert_rows(url, MAP_CITY)
    return url


@pytest.fixture
def city_url(tmp_path) -> str:
    return map_city_url("sqlite", tmp_path)


@pytest.fixture
def db(city_url) -> Database:
    return Database.from_settings(settings_for(city_url))


def scope(area_code: str = "R") -> Scope:
    return Scope(area_code=area_code, period_from=date(2026, 11, 1), period_to=date(2026, 11, 20), as_of=NOW)


# --- Datum ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wgs, gcj",
    [  # the reference points of every open GCJ-02 implementation (eviltransform): lat, lon
        ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
        ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
        ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
    ],
)
def test_wgs84_to_gcj02_matches_the_reference_points(wgs, gcj):
    lon, lat = geo.wgs84_to_gcj02(wgs[1], wgs[0])
    assert (float(lat), float(lon)) == pytest.approx(gcj, abs=1e-9)


def test_points_outside_china_are_not_shifted_and_wgs84_tiles_shift_nothing():
    lon, lat = geo.wgs84_to_gcj02(np.array([2.35, 121.5]), np.array([48.85, 31.2]))
    assert (lon[0], lat[0]) == (2.35, 48.85) and lon[1] != 121.5
    assert geo.to_tile_datum(121.5, 31.2, "wgs84") == (121.5, 31.2)


def test_gcj02_tiles_shift_what_is_drawn_and_never_the_stored_data(city_url):
    plain = Database.from_settings(settings_for(city_url))
    shifted = Database.from_settings(settings_for(city_url, tile_crs="gcj02"))
    drawn = geo.area_shapes(shifted, scope()).set_index("area_code")
    stored = geo.area_shapes(plain, scope()).set_index("area_code")
    lon, lat = geo.wgs84_to_gcj02(120.0, 31.0)
    # The south-west corner of 甲区, drawn about 500 m off where it is stored (to the drawn precision).
    assert min(np.hypot(x - lon, y - lat) for x, y in drawn.loc["R01", "geometry"]["coordinates"][0]) < 1e-4
    assert [120.0, 31.0] in stored.loc["R01", "geometry"]["coordinates"][0]
    assert np.hypot(lon - 120.0, lat - 31.0) > 0.003
    assert drawn.loc["R03", "center_lon"] == pytest.approx(float(geo.wgs84_to_gcj02(120.5, 31.3)[0]))
    points = geo.drawn_points(pd.DataFrame({"lat": [31.0], "lon": [120.0]}), "gcj02")
    assert (points["lon"][0], points["lat"][0]) == pytest.approx((float(lon), float(lat)))


# --- Shapes ---------------------------------------------------------------------------------------


def test_a_maps_shapes_are_the_scopes_children_or_a_leaf_itself(db):
    children = geo.area_shapes(db, scope())
    assert list(children["area_code"]) == ["R01", "R02", "R03"]
    shapes = children.set_index("area_code")
    assert shapes.loc["R03", "geometry"] is None and shapes.loc["R03", "center_lat"] == 31.3
    # R02 has no stored label point: one inside its boundary is found.
    assert shapely.contains_xy(shapely.box(120.2, 31.0, 120.4, 31.2), shapes.loc["R02", "center_lon"],
                               shapes.loc["R02", "center_lat"])
    assert list(geo.area_shapes(db, scope("R01001"))["area_code"]) == ["R01001"]
    assert geo.bounds(children) == [[31.0, 120.0], [31.3, 120.5]]


def test_simplified_neighbours_keep_their_shared_edge_and_lose_invisible_vertices():
    # Two neighbours sharing a zig-zag edge of 400 tiny steps (about 1 m each).
    steps = np.linspace(0, 1, 401)
    edge = [(0.5 + (0.00001 if i % 2 else 0), y) for i, y in enumerate(steps)]
    west = shapely.Polygon([(0, 0), *edge, (0, 1)])
    east = shapely.Polygon([(1, 0), (1, 1), *edge[::-1]])
    texts = pd.Series([shapely.to_geojson(west), shapely.to_geojson(east)])
    frame = pd.DataFrame({"boundary": texts, "center_lon": [np.nan, np.nan], "center_lat": [np.nan, np.nan]})
    drawn = geo._drawable(frame, "wgs84")
    simple = [shapely.from_geojson(json.dumps(g)) for g in drawn["geometry"]]
    assert all(shapely.get_num_coordinates(s) < 20 for s in simple)
    assert simple[0].intersection(simple[1]).length == pytest.approx(1.0, abs=0.01)  # still one shared edge
    assert simple[0].intersection(simple[1]).area == pytest.approx(0.0, abs=1e-9)  # and no overlap
    tolerance, decimals = geo.simplification(1.0)
    assert tolerance == pytest.approx(1 / geo.MAP_PIXELS) and decimals == 4


def test_a_broken_boundary_costs_its_area_the_outline_not_the_map():
    point = json.dumps({"type": "Point", "coordinates": [0, 0]})
    frame = pd.DataFrame({"boundary": ["{not json", box(0, 0, 1, 1), point],
                          "center_lon": [5.0, np.nan, np.nan], "center_lat": [5.0, np.nan, np.nan]})
    drawn = geo._drawable(frame, "wgs84")
    assert drawn["geometry"][0] is None and drawn["geometry"][1]["type"] == "Polygon" and drawn["geometry"][2] is None
    assert (drawn["center_lon"][0], drawn["center_lat"][0]) == (5.0, 5.0)


def test_areas_without_a_boundary_are_drawn_at_their_centre_and_said_so(db):
    shapes = geo.area_shapes(db, scope())
    features = {f["properties"]["code"]: f["geometry"]["type"] for f in area_features(shapes)["features"]}
    assert features == {"R01": "Polygon", "R02": "Polygon", "R03": "Point"}
    assert shapes_message(shapes, "zh") == "1 个区域没有边界数据，按中心点显示"
    nothing = shapes.assign(geometry=None, center_lon=np.nan, center_lat=np.nan)
    assert area_features(nothing)["features"] == []
    assert shapes_message(nothing, "en") == "The areas have neither boundaries nor centre points: nothing to draw"
    assert shapes_message(shapes.head(0), "en") == "No areas to draw"


# --- Colours and the overview's map -----------------------------------------------------------------


def test_colour_classes_count_from_zero_in_whole_ranges_and_a_rate_never_turns_red():
    counts = colour_scale([5, 10], WALL, kind="count")
    assert [text for _, text in scale_entries(counts, "zh")] == ["0 – 2", "3 – 5", "6 – 8", "9 – 10"]
    assert counts.colour(0) == counts.colours[0] != counts.colour(10) == WALL.alert
    assert [text for _, text in scale_entries(colour_scale([0, 1], WALL, kind="count"), "zh")] == ["0", "1"]
    assert colour_scale([0, 0], WALL, kind="count").colour(0) == WALL.border  # nothing is dim
    rates = colour_scale([0.991, 0.995, 1.0], WALL, kind="rate")
    assert WALL.alert not in rates.colours and rates.colour(1.0) == WALL.series[1] and len(rates.colours) == 5
    narrow = colour_scale([0.994, 0.997], WALL, kind="rate")  # three steps of 0.1 %: three classes, all distinct
    assert [text for _, text in scale_entries(narrow, "zh")] == ["99.4% – 99.5%", "99.5% – 99.6%", "99.6% – 99.7%"]
    assert rates.colour(None) is None and colour_scale([None], WALL, kind="rate") is None


def test_overview_map_colours_children_by_the_api_breakdown(db):
    data, tiles, view, loaded, hideout, legend, message, _ = overview_map(db, "", "backlog", None)
    by_area = indicators.kpis_by(db, scope(), "area").set_index("key")
    assert {f["properties"]["code"] for f in data["features"]} == {"R01", "R02", "R03"}
    assert hideout["labels"]["R01"] == f"积压工单: {by_area.loc['R01', 'backlog']}"  # T2 is open
    assert hideout["labels"]["R03"] == "积压工单: 0"  # no tickets: no backlog
    assert hideout["colours"]["R01"] != hideout["colours"]["R02"]
    assert tiles == [] and view["bounds"] == [[31.0, 120.0], [31.3, 120.5]] and loaded == "R|wgs84"
    assert "1 个区域没有边界数据" in message
    assert "积压工单" in as_json(legend) and "截至数据时刻已上报" in as_json(legend)  # the definition on hover


def test_a_rate_with_nothing_due_is_no_data_on_the_map_not_zero(db):
    *_, hideout, legend, _, _ = overview_map(db, "?lang=en", "closure_rate", None)
    assert hideout["labels"]["R03"] == "Closure rate: n/a" and "R03" not in hideout["colours"]
    assert hideout["labels"]["R02"] == "Closure rate: 100.0%"
    assert '"n/a"' in as_json(legend)


def test_without_geometry_the_map_gives_its_space_to_the_table_of_the_same_numbers(tmp_path):
    # The NYC case: areas with neither a boundary nor a centre point, so nothing can be drawn.
    url = fresh_database_url("sqlite", "map_no_geometry", tmp_path)
    create_contract(url)
    bare = [{**row, "boundary": None, "center_lat": None, "center_lon": None} for row in MAP_CITY["area"]]
    insert_rows(url, {"area": bare, "ticket": MAP_CITY["ticket"]})
    db = Database.from_settings(settings_for(url))
    data, *_, legend, message, map_style = overview_map(db, "?lang=en", "backlog", None)
    assert data["features"] == [] and map_style == {"display": "none"} and legend == []
    text = as_json(message)
    assert "nothing to draw" in text
    by_area = indicators.kpis_by(db, scope(), "area").set_index("key")
    rows = _table_rows(message)
    assert rows[0] == ["Area", "Closure rate", "Backlog", "Overdue", "Reported"]
    # The map's numbers, every child area a row: 丙区 has no ticket, so no backlog and no closure rate.
    assert rows[1:] == [
        ["甲区", "50.0%", str(by_area.loc["R01", "backlog"]), "1", "2"],
        ["乙区", "100.0%", "0", "0", "2"],
        ["丙区", "n/a", "0", "0", "0"],
    ]


def test_a_map_with_geometry_stays_a_map(db):
    *_, legend, message, map_style = overview_map(db, "", "backlog", None)
    assert map_style == {} and legend and "<table" not in as_json(message).lower()


def _table_rows(component) -> list[list[str]]:
    tree = json.loads(as_json(component))
    rows = []

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if node.get("type") == "Tr":
                rows.append([cell["props"]["children"] for cell in node["props"]["children"]])
            else:
                walk(node.get("props", {}).get("children"))

    walk(tree)
    return rows


def test_restyling_the_map_sends_colours_only_never_the_geometry_again(db):
    data, tiles, view, loaded, *_ = overview_map(db, "", "closure_rate", None)
    again = overview_map(db, "", "overdue", loaded)
    assert again[:4] == (no_update,) * 4
    assert again[4]["labels"]["R01"].startswith("超期工单")
    assert overview_map(db, "", "'; DROP TABLE area", loaded)[4]["labels"]["R01"].startswith("结案率")
    assert MAP_INDICATORS[0] == "closure_rate"


def test_a_tile_server_is_added_only_when_configured(city_url):
    configured = Database.from_settings(settings_for(city_url, tile_url="/tiles/{z}/{x}/{y}.png"))
    layers = geometry_update(configured, scope(), None).tiles
    assert [layer.url for layer in layers] == ["/tiles/{z}/{x}/{y}.png"]
    assert geometry_update(Database.from_settings(settings_for(city_url)), scope(), None).tiles == []


def test_clicking_an_area_drills_into_a_child_only(db):
    assert drill_down_search(db, {"properties": {"code": "R01"}}, "?lang=en") == "?lang=en&area=R01"
    assert drill_down_search(db, {"properties": {"code": "R01001"}}, "?area=R01") == "?area=R01001"
    for click, search in (({"properties": {"code": "R01001"}}, ""),  # a grandchild
                          ({"properties": {"code": "R02"}}, "?area=R01"),  # a sibling's
                          ({"properties": {"code": ["R01"]}}, ""), ("R01", ""), (None, "")):
        with pytest.raises(PreventUpdate):
            drill_down_search(db, click, search)
    assert clicked_code({"properties": {"code": "x" * 41}}, "code") is None


def test_overview_map_answers_over_dash_http(city_url):
    app = create_app(settings_for(city_url))
    response = call_callback(
        signed_in(app), app, output_key(app, "overview-map-areas"),
        {("overview-refresh", "n_intervals"): 0, ("overview-map-indicator", "value"): "reported"},
        {("url", "search"): "?area=R01", ("overview-map-loaded", "data"): None},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert {f["properties"]["code"] for f in answer["overview-map-areas"]["data"]["features"]} == {"R01001", "R01002"}
    assert answer["overview-map-areas"]["hideout"]["labels"]["R01001"] == "上报数: 1"
