"""The wall (大屏), as a command centre meets it, without a browser.

A small city is written here: a few tickets, three workers (online, stale,
offline), two crowd zones of which one has been over capacity since 11:55,
and a micro-fund account. The clock is frozen at 2026-11-20 12:00
(tests.support.settings_for). The wall's functions are called directly or
over Dash's HTTP endpoint as the browser would; what the browser does alone
(clock, rotation, which placards are open) lives in assets/wall.js.
"""
from __future__ import annotations

import json
import wave
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

import i18n
from app import create_app
from callbacks.navigation import render_frame
from callbacks.wall import (
    CHART_TYPE_SHARE,
    REFRESH_OUTPUTS,
    VIEW_OUTPUTS,
    alert_records,
    chart_font_px,
    open_placards,
    wall_refresh,
    wall_setup,
)
from components import ids
from components.alert_placard import MAX_SHOWN, Placard, placard_stack
from components.freshness_badge import AMBER_AFTER_S, RED_AFTER_S, freshness_data
from components.theme import WALL
from components.wall_figures import WALL_ROWS, closure_rates, workers_by_area
from data_access import crowd, funds, indicators, workers
from data_access.areas import root_area_code
from data_access.database import Database
from data_access.scope import parse_scope
from pages.wall import REFRESH_S, ROTATE_S, WALL_VIEWS
from tests.support import access_of, create_contract, fresh_database_url, insert_rows, settings_for, signed_in
from tests.test_app_shell import as_json, call_callback, output_key

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 12, 0)
FONT_PX = 20.0

AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "district", "name": "甲区"},
    {"area_code": "R02", "parent_code": "R", "level": "district", "name": "乙区"},
]


def _ticket(ticket_id, source, area, status, reported, *, closed=None, due=None, dept=None, rework=0, rated=None):
    return {"ticket_id": ticket_id, "source": source, "area_code": area, "status": status, "reported_at": reported,
            "closed_at": closed, "due_at": due, "dept_code": dept, "rework_count": rework, "satisfaction": rated}


TICKETS = [
    _ticket("T1", "hotline_12345", "R01", "closed", NOW - timedelta(days=3), closed=NOW - timedelta(days=2),
            due=NOW - timedelta(days=1), dept="D1", rated=3),
    _ticket("T2", "city_mgmt", "R02", "accepted", NOW - timedelta(days=5), due=NOW - timedelta(days=4), dept="D2",
            rework=1),
    _ticket("T3", "grid_patrol", "R02", "dispatched", NOW - timedelta(hours=1), due=NOW + timedelta(days=1)),
]
DEPARTMENTS = [{"dept_code": "D1", "name": "城管委"}, {"dept_code": "D2", "name": "住建局"}]
WORKERS = [
    {"worker_id": "W1", "name": "甲", "role": "full_time", "area_code": "R01", "active": True},
    {"worker_id": "W2", "name": "乙", "role": "full_time", "area_code": "R01", "active": True},
    {"worker_id": "W3", "name": "丙", "role": "part_time", "area_code": "R02", "active": True},
    {"worker_id": "W4", "name": "丁", "role": "volunteer", "area_code": "R02", "active": False},
]
PINGS = [
    {"worker_id": "W1", "recorded_at": NOW - timedelta(minutes=2), "lat": 31.3, "lon": 120.6},
    {"worker_id": "W2", "recorded_at": NOW - timedelta(minutes=20), "lat": 31.3, "lon": 120.6},
    {"worker_id": "W3", "recorded_at": NOW - timedelta(hours=2), "lat": 31.3, "lon": 120.6},
]
ZONES = [
    {"zone_id": "Z1", "name": "观前街", "area_code": "R01", "capacity": 100},
    {"zone_id": "Z2", "name": "山塘街", "area_code": "R02", "capacity": 50},
]
SURGE_SINCE = NOW - timedelta(minutes=5)


def _reading(zone_id, minutes_ago, people):
    return {"recorded_at": NOW - timedelta(minutes=minutes_ago), "lat": 31.3, "lon": 120.6, "people": people,
            "zone_id": zone_id}


READINGS = [
    _reading("Z1", 10, 80), _reading("Z2", 10, 10),  # calm
    _reading("Z1", 5, 120), _reading("Z2", 5, 12),  # Z1 over capacity from here on
    _reading("Z1", 0, 70), _reading("Z1", 0, 60), _reading("Z2", 0, 11),  # a zone's people are summed: 130
]
ACCOUNTS = [{"account_id": "A1", "area_code": "R01", "year": 2026, "budget": 10000}]
EXPENSES = [
    {"expense_id": "E1", "account_id": "A1", "item": "安装停车桩", "kind": "repair", "amount": 2500,
     "spent_at": datetime(2026, 3, 1), "approval": "approved"},
    {"expense_id": "E2", "account_id": "A1", "item": "清理积水", "kind": "emergency", "amount": 500,
     "spent_at": datetime(2026, 11, 1), "approval": "pending"},
]


@pytest.fixture(scope="module")
def city_url(tmp_path_factory) -> str:
    url = fresh_database_url("sqlite", "wall_city", tmp_path_factory.mktemp("wall"))
    create_contract(url)
    insert_rows(url, {
        "area": AREAS, "department": DEPARTMENTS, "ticket": TICKETS, "grid_worker": WORKERS,
        "worker_position": PINGS, "crowd_zone": ZONES, "crowd_reading": READINGS,
        "fund_account": ACCOUNTS, "fund_expense": EXPENSES,
    })
    return url


@pytest.fixture(scope="module")
def db(city_url) -> Database:
    database = Database.from_settings(settings_for(city_url))
    yield database
    database.engine.dispose()


@pytest.fixture
def empty_db(tmp_path) -> Database:
    url = fresh_database_url("sqlite", "wall_empty", tmp_path)
    create_contract(url)
    database = Database.from_settings(settings_for(url))
    yield database
    database.engine.dispose()


def default_scope(db: Database):
    return parse_scope({}, now=db.settings.now(), default_area=root_area_code(db),
                       live_granularity_s=db.settings.live_cache_seconds)


def panel(refresh, view: str) -> dict:
    """{output id: value} of one view's panel in a refresh."""
    return {output.component_id: value for output, value in zip(VIEW_OUTPUTS[view], refresh.views[view])}


def tile_values(tiles) -> dict[str, str]:
    """{indicator or stat name: the value it shows} from a list of KPI / stat tiles."""
    found = {}
    for tile in tiles:
        props = tile.to_plotly_json()["props"]
        name = props.get("data-indicator") or props.get("data-stat")
        found[name] = props["children"][1].children
    return found


# --- The URL's wall parameters ------------------------------------------------------------------


def test_views_rotate_refresh_and_sound_come_from_the_url():
    setup = wall_setup({"views": "crowd,overview,crowd", "rotate": "90", "refresh": "10", "sound": "1"}, "zh")
    assert setup.views == ("crowd", "overview")  # in the order asked, each once
    assert (setup.rotate_s, setup.refresh_s, setup.sound, setup.notices) == (90, 10, True, ())
    assert wall_setup({}, "zh") == (WALL_VIEWS, ROTATE_S.default, REFRESH_S.default, False, ())


def test_unknown_view_names_are_named_and_ignored():
    setup = wall_setup({"views": "overview,traffic,crowd"}, "zh")
    assert setup.views == ("overview", "crowd")
    assert len(setup.notices) == 1 and "「traffic」" in setup.notices[0] and "已忽略" in setup.notices[0]

    nothing_usable = wall_setup({"views": "traffic"}, "en")
    assert nothing_usable.views == WALL_VIEWS
    assert any("no usable view" in notice for notice in nothing_usable.notices)


@pytest.mark.parametrize("param, value", [
    ("rotate", "5"), ("rotate", "3601"), ("rotate", "soon"), ("refresh", "4"), ("refresh", "601"), ("refresh", "1e3"),
])
def test_out_of_range_timing_is_named_and_the_default_used(param, value):
    setup = wall_setup({param: value}, "zh")
    default = (ROTATE_S if param == "rotate" else REFRESH_S).default
    assert getattr(setup, f"{param}_s") == default
    assert len(setup.notices) == 1
    assert f"「{param}」" in setup.notices[0] and f"「{value}」" in setup.notices[0]
    assert f"默认值 {default} 秒" in setup.notices[0]


def test_bounds_are_accepted_and_a_bad_sound_switch_is_named():
    setup = wall_setup({"rotate": "10", "refresh": "600", "sound": "loud"}, "en")
    assert (setup.rotate_s, setup.refresh_s, setup.sound) == (10, 600, False)
    assert setup.notices == ("The parameter “sound” must be 1 (alert sound on) or 0, got “loud”; the sound is off.",)


def test_set_up_over_dash_http_sets_the_intervals_and_says_what_it_ignored(city_url):
    app = create_app(settings_for(city_url))
    client = signed_in(app)
    response = call_callback(client, app, output_key(app, ids.WALL_REFRESH),
                             {(ids.URL, "search"): "?views=crowd,bogus&rotate=20&refresh=5&sound=1"})
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert answer[ids.WALL_REFRESH]["interval"] == 5000
    assert answer[ids.WALL_ROTATE] == {"interval": 20000, "disabled": True}  # one view left: nothing to rotate
    config = answer[ids.WALL_CONFIG]["data"]
    assert config["views"] == ["crowd"] and config["sound"] is True
    assert config["sound_url"] == "/assets/alert.wav"
    assert "bogus" in json.dumps(answer[ids.WALL_SETUP_NOTICES], ensure_ascii=False)


# --- What the panels show -----------------------------------------------------------------------


def test_overview_tiles_show_the_api_numbers(db, city_url):
    refresh = wall_refresh(db, "?views=overview", FONT_PX)
    expected = indicators.kpis(db, default_scope(db))
    shown = tile_values(panel(refresh, "overview")[ids.WALL_OVERVIEW_TILES])
    assert shown == {name: i18n.format_indicator(name, expected[name], "zh") for name in shown}
    assert shown["closure_rate"] == "50.0%"  # T1 closed, T2 due and open
    api = signed_in(create_app(settings_for(city_url))).get("/api/v1/kpis").get_json()
    assert {name: api[name] for name in expected} == expected


def test_only_the_views_in_rotation_are_queried_and_filled(db):
    refresh = wall_refresh(db, "?views=crowd,workers", FONT_PX)
    assert set(refresh.views) == {"crowd", "workers"}
    values = refresh.outputs()
    assert len(values) == len(REFRESH_OUTPUTS)
    filled = {output.component_id for output, value in zip(REFRESH_OUTPUTS, values)
              if value is not no_update}
    assert ids.WALL_CROWD_LOADS in filled and ids.WALL_WORKERS_AREAS in filled
    assert ids.WALL_OVERVIEW_TREND not in filled and ids.WALL_FUNDS_KINDS not in filled


def test_crowd_panel_counts_the_zone_over_capacity_and_since_when(db):
    refresh = wall_refresh(db, "?views=crowd", FONT_PX)
    crowd_panel = panel(refresh, "crowd")
    stats = tile_values(crowd_panel[ids.WALL_CROWD_TILES])
    assert stats == {"zones": "2", "zones_over": "1", "zone_people": "141", "snapshot": "12:00:00"}
    table = as_json(crowd_panel[ids.WALL_CROWD_ALERTS])
    assert "观前街" in table and "130 人 / 容量 100 人" in table and "11:55:00" in table and "山塘街" not in table
    loads = crowd_panel[ids.WALL_CROWD_LOADS]
    assert list(loads.data[0].text) == ["130.0%", "22.0%"][::-1]  # fullest on top: plotly draws bottom up


def test_current_alerts_travel_to_the_browser_keyed_by_zone_and_since(db):
    records = wall_refresh(db, "", FONT_PX).common[3]
    assert records == [{"zone_id": "Z1", "name": "观前街", "people": 130, "capacity": 100,
                        "since": SURGE_SINCE.isoformat()}]
    assert records == alert_records(crowd.crowd_alerts(db, default_scope(db)))


def test_workers_and_funds_panels_show_their_data_access_numbers(db):
    refresh = wall_refresh(db, "?views=workers,funds", FONT_PX)
    states = workers.worker_states(db, default_scope(db))
    assert states == {"online": 1, "stale": 1, "offline": 1, "total": 3}  # W4 is not active
    assert tile_values(panel(refresh, "workers")[ids.WALL_WORKERS_TILES]) == {
        "online": "1", "stale": "1", "offline": "1", "workers": "3"}
    by_area = panel(refresh, "workers")[ids.WALL_WORKERS_AREAS]
    assert {bar.name: sorted(bar.x) for bar in by_area.data} == {"在线": [0, 1], "信号滞后": [0, 1], "离线": [0, 1]}

    totals = funds.fund_totals(db, default_scope(db))
    assert (totals["budget"], totals["spent"], totals["pending"]) == (10000, 3000, 500)
    fund_tiles = tile_values(panel(refresh, "funds")[ids.WALL_FUNDS_TILES])
    assert fund_tiles == {"budget": "1万元", "spent": "3000元", "pending": "500元", "burn_rate": "30.0%"}


def test_every_number_on_the_wall_carries_its_definition(db):
    refresh = wall_refresh(db, "", FONT_PX)
    for view in WALL_VIEWS:
        tiles = panel(refresh, view)[VIEW_OUTPUTS[view][0].component_id]
        for tile in tiles:
            assert tile.title and len(tile.title) > 8, (view, tile.title)
    assert "5 分钟内有定位" in tile_values_titles(panel(refresh, "workers")[ids.WALL_WORKERS_TILES])["online"]


def tile_values_titles(tiles) -> dict[str, str]:
    return {tile.to_plotly_json()["props"]["data-stat"]: tile.title for tile in tiles}


def test_charts_text_follows_the_wall_type_the_browser_measured(db):
    assert chart_font_px({"font_px": 36.48}) == round(36.48 * CHART_TYPE_SHARE, 1)
    with pytest.raises(PreventUpdate):
        chart_font_px(None)  # the first refresh waits for the measurement
    assert chart_font_px({"font_px": "huge"}) == chart_font_px({"font_px": 16})  # a client's nonsense: a sane size
    assert chart_font_px({"font_px": 1e9}) == chart_font_px({"font_px": 16})

    trend = panel(wall_refresh(db, "?views=overview", 32.8), "overview")[ids.WALL_OVERVIEW_TREND]
    assert trend.layout.font.size == 32.8 and trend.layout.legend.font.size == 32.8
    assert trend.layout.height is None  # the card decides: a wall never scrolls


def test_a_cut_chart_says_which_rows_it_kept(db):
    many = pd.DataFrame({"key": [f"R{i:02d}" for i in range(30)], "name": [f"第{i}街道" for i in range(30)],
                         "closure_rate": [i / 30 for i in range(30)], "backlog": [1] * 30})
    figure = closure_rates(many, "R", "zh", WALL)
    assert len(figure.data[0].y) == WALL_ROWS
    assert "R00" in figure.data[0].y and "R29" not in figure.data[0].y  # the lowest rates are the ones kept
    assert [a.text for a in figure.layout.annotations] == [f"显示结案率最低的 {WALL_ROWS} 个（共 30 个）"]


def test_area_codes_that_look_like_numbers_stay_rows_of_their_own():
    # Chengdu's districts are 510104, 510105...: on a numeric axis their bars would scatter by value.
    codes = [f"5101{i:02d}" for i in (4, 5, 6, 12, 13)]
    closure = closure_rates(pd.DataFrame({"key": codes, "name": list("甲乙丙丁戊"), "closure_rate": [0.9] * 5,
                                          "backlog": [1] * 5}), "5101", "zh", WALL)
    people = workers_by_area(pd.DataFrame({"key": codes, "name": list("甲乙丙丁戊"), "online": [1] * 5,
                                           "stale": [0] * 5, "offline": [2] * 5, "total": [3] * 5}), "zh", WALL)
    assert closure.layout.yaxis.type == "category" and people.layout.yaxis.type == "category"


# --- Freshness ----------------------------------------------------------------------------------


def test_freshness_is_the_newest_record_against_the_server_clock(db):
    data = wall_refresh(db, "", FONT_PX).common[2]
    assert data["text"] == "最新记录 12:00:00"  # the crowd snapshot at 12:00 is the newest record
    assert data["age_s"] == 0 and data["live"] is True
    assert data["now_s"] == 12 * 3600
    assert (data["amber_after_s"], data["red_after_s"]) == (AMBER_AFTER_S, RED_AFTER_S)
    assert AMBER_AFTER_S < RED_AFTER_S

    stale = freshness_data(NOW - timedelta(minutes=15), NOW, True, "en")
    assert stale["age_s"] == 900 and stale["text"] == "Newest record 11:45:00"
    assert stale["stale_text"] == "no new data for {minutes} min"
    yesterday = freshness_data(NOW - timedelta(days=1), NOW, True, "zh")
    assert yesterday["text"] == "最新记录 2026-11-19 12:00:00"  # an older day says which


def test_a_past_moment_is_history_not_stale(db):
    data = wall_refresh(db, "?as_of=2026-11-20T11:56:00", FONT_PX).common[2]
    assert data["live"] is False and data["text"].startswith("历史回看 最新记录 11:55:00")


# --- Placards -----------------------------------------------------------------------------------


def _stored(*placards: dict) -> dict:
    return {"open": list(placards), "acknowledged": []}


OPEN = {"zone_id": "Z1", "name": "观前街", "people": 130, "capacity": 100, "since": "2026-11-20T11:55:00",
        "ended": False}


def test_placards_carry_the_dom_hooks_the_browser_test_relies_on(city_url):
    app = create_app(settings_for(city_url))
    client = signed_in(app)
    ended = {**OPEN, "zone_id": "Z2", "name": "山塘街", "people": 40, "capacity": 50,
             "since": "2026-11-20T11:00:00", "ended": True}
    response = call_callback(client, app, output_key(app, ids.WALL_PLACARD_STACK),
                             {(ids.WALL_PLACARDS, "data"): _stored(OPEN, ended)}, {(ids.URL, "search"): ""})
    assert response.status_code == 200
    placards = response.get_json()["response"][ids.WALL_PLACARD_STACK]["children"]
    assert [p["props"]["data-zone-id"] for p in placards] == ["Z1", "Z2"]  # newest surge first
    assert [p["props"]["className"] for p in placards] == ["alert-placard", "alert-placard alert-placard--ended"]
    text = json.dumps(placards, ensure_ascii=False)
    assert "观前街" in text and "130 人 / 容量 100 人" in text and "130.0%" in text and "自 11:55:00 起超限" in text
    assert "已回落至容量以内" in text
    buttons = [c for c in _components(placards) if c.get("props", {}).get("className") == "alert-placard__ack"]
    assert [b["props"]["id"] for b in buttons] == [{"type": ids.WALL_PLACARD_ACK, "zone": "Z1"},
                                                  {"type": ids.WALL_PLACARD_ACK, "zone": "Z2"}]


SURGE_KEY = f"Z1|{SURGE_SINCE.isoformat()}"


def _acknowledge(client, app, keys, search=""):
    return call_callback(client, app, output_key(app, ids.WALL_ACKNOWLEDGED),
                         {(ids.WALL_ACK_SENT, "data"): {"keys": keys}}, {(ids.URL, "search"): search})


def _refresh(client, app, search=""):
    response = call_callback(client, app, output_key(app, ids.WALL_TITLE),
                             {(ids.WALL_REFRESH, "n_intervals"): 1, (ids.WALL_VIEWPORT, "data"): {"font_px": 18}},
                             {(ids.URL, "search"): search})
    assert response.status_code == 200
    return response.get_json()["response"]


def test_an_acknowledgement_is_audited_and_every_wall_of_the_area_sees_who_and_when(city_url):
    app = create_app(settings_for(city_url))
    here = signed_in(app, role="leader", areas=("R01",), username="zhang")
    other_wall = signed_in(app, role="viewer", areas=("R01",), username="li")
    assert "acknowledged" not in _refresh(other_wall, app)[ids.WALL_ALERTS]["data"][0]

    response = _acknowledge(here, app, [SURGE_KEY])
    assert response.status_code == 200
    at, by = access_of(app).store.acknowledged([SURGE_KEY])[SURGE_KEY]
    answer = response.get_json()["response"][ids.WALL_ACKNOWLEDGED]["data"]
    assert by == "zhang" and answer == {SURGE_KEY: {"by": "zhang", "at": at.isoformat(timespec="seconds")}}
    # The first acknowledgement stands: a second wall pressing too is audited, and told who was first.
    assert _acknowledge(other_wall, app, [SURGE_KEY]).get_json()["response"][ids.WALL_ACKNOWLEDGED]["data"] == answer

    seen = _refresh(other_wall, app, "?views=crowd")
    assert seen[ids.WALL_ALERTS]["data"][0]["acknowledged"] == answer[SURGE_KEY]
    assert "zhang" in json.dumps(seen[ids.WALL_CROWD_ALERTS], ensure_ascii=False)
    records = access_of(app).store.audit_events(action="acknowledge")
    assert sorted((r.principal_name, r.outcome, r.area_code, r.detail["alert"], r.detail["first"]) for r in records) \
        == [("li", "ok", "R01", SURGE_KEY, False), ("zhang", "ok", "R01", SURGE_KEY, True)]


def test_an_alert_of_a_zone_outside_the_wall_scope_is_refused_and_audited(city_url):
    app = create_app(settings_for(city_url))
    leader = signed_in(app, role="leader", areas=("R01",))
    foreign = f"Z2|{SURGE_SINCE.isoformat()}"
    response = _acknowledge(leader, app, [foreign, f"Z1|{(NOW + timedelta(hours=1)).isoformat()}"])
    assert response.get_json()["response"][ids.WALL_ACKNOWLEDGED]["data"] == {}
    assert access_of(app).store.acknowledged([foreign]) == {}
    assert [r.outcome for r in access_of(app).store.audit_events(action="acknowledge")] == ["refused", "refused"]


@pytest.mark.parametrize("key", ["Z1", "Z1|yesterday", "Z1|2026-11-20T11:55:00|x", "|2026-11-20T11:55:00",
                                 "Z1|2026-11-20T11:55:00" + "0" * 5000, 7])
def test_a_malformed_alert_key_is_refused_before_any_callback_runs(city_url, key):
    app = create_app(settings_for(city_url))
    response = _acknowledge(signed_in(app), app, [key])
    assert response.status_code == 400
    assert access_of(app).store.audit_events(action="acknowledge") == []


def test_a_malformed_store_draws_nothing_it_cannot_vouch_for():
    bad = [
        {**OPEN, "people": "lots"}, {**OPEN, "since": "yesterday"}, {**OPEN, "zone_id": "Z" * 41},
        {**OPEN, "capacity": -1}, {"zone_id": "Z1"}, "not a placard", {**OPEN, "people": True},
    ]
    assert open_placards({"open": bad}) == []
    assert open_placards("garbage") == [] and open_placards(None) == [] and open_placards({"open": 3}) == []
    assert open_placards(_stored(OPEN)) == [Placard("Z1", "观前街", 130, 100, datetime(2026, 11, 20, 11, 55), False)]


def test_more_placards_than_fit_are_counted_not_dropped():
    placards = [Placard(f"Z{i}", f"区域{i}", 120, 100, NOW - timedelta(minutes=i), False) for i in range(MAX_SHOWN + 2)]
    stack = placard_stack(placards, "zh", NOW.date())
    assert len(stack) == MAX_SHOWN + 1
    assert stack[-1].children == "另有 2 条未确认告警"


# --- Outages, empty databases, English ----------------------------------------------------------


def test_empty_database_shows_no_data_in_place(empty_db):
    refresh = wall_refresh(empty_db, "", FONT_PX)
    assert tile_values(panel(refresh, "overview")[ids.WALL_OVERVIEW_TILES])["closure_rate"] == "无数据"
    assert tile_values(panel(refresh, "crowd")[ids.WALL_CROWD_TILES])["snapshot"] == "无数据"
    assert tile_values(panel(refresh, "funds")[ids.WALL_FUNDS_TILES])["budget"] == "无数据"
    for view in WALL_VIEWS:
        for output, value in zip(VIEW_OUTPUTS[view], refresh.views[view]):
            if output.component_property == "figure":
                assert [a.text for a in value.layout.annotations] == ["无数据"], output.component_id
    freshness = refresh.common[2]
    assert freshness["age_s"] is None and freshness["text"] == "最新记录 无数据"
    assert refresh.common[3] == []


def test_database_outage_keeps_the_panels_and_says_why(tmp_path):
    app = create_app(settings_for(f"sqlite:///{tmp_path}/not-there.sqlite"))
    client = signed_in(app)
    response = call_callback(
        client, app, output_key(app, ids.WALL_TITLE),
        {(ids.WALL_REFRESH, "n_intervals"): 4, (ids.WALL_VIEWPORT, "data"): {"font_px": 18}},
        {(ids.URL, "search"): ""},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    # Everything else, the freshness data included, keeps what it had: the badge ages on to red.
    assert set(answer) == {ids.WALL_NOTICES}
    assert "暂时无法读取数据库" in json.dumps(answer, ensure_ascii=False)


def test_refresh_over_dash_http_is_small(city_url):
    app = create_app(settings_for(city_url))
    client = signed_in(app)
    response = call_callback(
        client, app, output_key(app, ids.WALL_TITLE),
        {(ids.WALL_REFRESH, "n_intervals"): 1, (ids.WALL_VIEWPORT, "data"): {"font_px": 36.48}},
        {(ids.URL, "search"): "?area=R01"},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert "甲区" in json.dumps(answer[ids.WALL_TITLE], ensure_ascii=False)
    assert answer[ids.WALL_CROWD_LOADS]["figure"]["layout"]["font"]["size"] == round(36.48 * CHART_TYPE_SHARE, 1)
    assert len(response.data) < 300_000


def test_a_filtered_wall_says_so_in_its_title(db):
    refresh = wall_refresh(db, "?source=hotline_12345&views=overview", FONT_PX)
    assert "来源：12345热线" in as_json(refresh.common[0])
    assert tile_values(panel(refresh, "overview")[ids.WALL_OVERVIEW_TILES])["reported"] == "1"  # T1 alone


def test_unknown_area_is_named_and_english_labels_with_lang_en(db):
    refresh = wall_refresh(db, "?lang=en&area=R99", FONT_PX)
    assert "There is no area with code “R99”" in as_json(refresh.common[1])
    assert "测试市" in as_json(refresh.common[0])
    workers_tiles = panel(refresh, "workers")[ids.WALL_WORKERS_TILES]
    assert [tile.children[0].children for tile in workers_tiles] == ["Online", "Stale", "Offline", "Active workers"]
    assert refresh.common[2]["text"] == "Newest record 12:00:00"


# --- The page and its assets --------------------------------------------------------------------


def test_the_wall_page_has_its_clock_stores_and_badge(db):
    app = create_app(db.settings)
    page = json.loads(as_json(render_frame(app, "/wall", "")[0]))
    by_id = {c["props"]["id"]: c for c in _components(page) if isinstance(c.get("props", {}).get("id"), str)}
    assert by_id[ids.WALL_PLACARDS]["props"]["storage_type"] == "local"  # acknowledgements stay on this display
    assert by_id[ids.WALL_CLOCK]["props"]["interval"] == 1000
    assert by_id[ids.WALL_BADGE]["props"]["className"] == "freshness-badge freshness-badge--pending"
    assert by_id[ids.WALL]["props"]["data-active"] == WALL_VIEWS[0]
    panels = [c["props"]["data-view"] for c in _components(page) if "data-view" in c.get("props", {})]
    assert panels == list(WALL_VIEWS)


def test_every_wall_callback_targets_a_component_the_wall_draws(db):
    app = create_app(db.settings)
    drawn = as_json([app.layout, render_frame(app, "/wall", "")[0]])
    wall_ids = {getattr(ids, name) for name in dir(ids) if name.startswith("WALL")}
    for key, spec in app.callback_map.items():
        parts = [dependency["id"] for dependency in spec["inputs"] + spec["state"]]
        parts += [part.split(".")[0] for part in key.strip(".").split("...")]
        if not any(part in wall_ids for part in parts):
            continue
        for part in parts:
            if part.startswith("{"):  # the placards' buttons, drawn by draw_placards
                assert json.loads(part)["type"] == ids.WALL_PLACARD_ACK
            else:
                assert f'"id": "{part}"' in drawn, part


def test_the_clientside_functions_exist_in_wall_js():
    script = (ROOT / "assets" / "wall.js").read_text()
    for name in ("stamp", "tick", "rotate", "placards"):
        assert f"{name}: function" in script
    assert "no-user-gesture-required" in script
    # The renderer's undo history, which would grow at every tick for weeks, is trimmed on every view.
    assert "setInterval(forgetUndoHistory" in (ROOT / "assets" / "onescreen.js").read_text()


def test_the_alert_sound_is_a_short_local_beep():
    with wave.open(str(ROOT / "assets" / "alert.wav")) as sound:
        seconds = sound.getnframes() / sound.getframerate()
    assert 0.2 <= seconds <= 1.0
    assert (ROOT / "assets" / "alert.wav").stat().st_size < 50_000


def _components(tree):
    if isinstance(tree, list):
        for item in tree:
            yield from _components(item)
    elif isinstance(tree, dict):
        if "type" in tree:
            yield tree
        for value in tree.get("props", {}).values():
            yield from _components(value)
