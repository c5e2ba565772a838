"""The app shell and the overview, as a director and an analyst meet them, without a browser.

The app is built against small SQLite contract databases made here; pages are
fetched with Flask's test client, callbacks are called over Dash's own HTTP
endpoint or as the plain functions behind them.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from dash.exceptions import PreventUpdate
from plotly.utils import PlotlyJSONEncoder

import i18n
from app import create_app
from callbacks.navigation import render_frame
from callbacks.overview import drill_down_search, overview_panels
from components import figures, ids
from components.charts import GRAPH_CONFIG, graph_style
from components.theme import DESK, WALL
from data_access import indicators
from data_access.areas import root_area_code
from data_access.database import Database
from data_access.scope import parse_scope
from tests.support import access_of, create_contract, fresh_database_url, insert_rows, settings_for, signed_in

ROOT = Path(__file__).resolve().parent.parent
VIEW_PATHS = ("/", "/wall", "/crowd", "/tickets", "/workers", "/closure", "/funds")
NOW = datetime(2026, 11, 20, 12, 0)  # settings_for freezes the clock here

AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "district", "name": "甲区"},
    {"area_code": "R02", "parent_code": "R", "level": "district", "name": "乙区"},
    {"area_code": "R03", "parent_code": "R", "level": "district", "name": "丙区"},
    {"area_code": "R01001", "parent_code": "R01", "level": "street", "name": "甲一街道"},
]


def _ticket(ticket_id, area, status, reported, *, closed=None, due=None, source="hotline_12345", satisfaction=None):
    return {
        "ticket_id": ticket_id, "source": source, "area_code": area, "status": status,
        "reported_at": reported, "closed_at": closed, "due_at": due, "satisfaction": satisfaction,
        "rework_count": 0,
    }


TICKETS = [
    _ticket("T1", "R01001", "closed", NOW - timedelta(days=3), closed=NOW - timedelta(days=2),
            due=NOW - timedelta(days=1), satisfaction=3),
    _ticket("T2", "R01", "accepted", NOW - timedelta(days=5), due=NOW - timedelta(days=4), source="city_mgmt"),
    _ticket("T3", "R02", "dispatched", NOW - timedelta(days=1), due=NOW + timedelta(days=2), source="river_watch"),
    _ticket("T4", "R02", "cancelled", NOW - timedelta(days=2)),
    _ticket("T5", "R02", "closed", NOW - timedelta(days=8), closed=NOW - timedelta(days=7), satisfaction=1),
    # reported before the default 30-day period and still open: backlog only
    _ticket("T6", "R03", "accepted", NOW - timedelta(days=60), source="city_mgmt"),
]


@pytest.fixture
def city_url(tmp_path) -> str:
    url = fresh_database_url("sqlite", "shell_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    return url


@pytest.fixture
def empty_url(tmp_path) -> str:
    url = fresh_database_url("sqlite", "shell_empty", tmp_path)
    create_contract(url)
    return url


@pytest.fixture
def db(city_url) -> Database:
    return Database.from_settings(settings_for(city_url))


def default_scope(db: Database, **params):
    return parse_scope(
        params, now=db.settings.now(), default_area=root_area_code(db),
        live_granularity_s=db.settings.live_cache_seconds,
    )


def as_json(component) -> str:
    """A component tree (or list of them) as the JSON Dash sends to the browser."""
    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


def tiles_by_indicator(tiles) -> dict[str, dict]:
    """{indicator: {"label", "value", "title", "class"}} read from the rendered rows of tiles."""
    found = {}
    for tile in (tile for row in tiles for tile in row.children):
        props = tile.to_plotly_json()["props"]
        label, value = props["children"]
        found[props["data-indicator"]] = {
            "label": label.children, "value": value.children, "title": props["title"], "class": props["className"],
        }
    return found


def call_callback(client, app, output_key: str, inputs: dict, state: dict | None = None):
    """POST a callback the way the browser's renderer does, with values given by component id and property."""
    spec = app.callback_map[output_key]

    def values(wanted, given):
        return [{**dependency, "value": given[(dependency["id"], dependency["property"])]} for dependency in wanted]

    outputs = [
        {"id": part.split(".")[0], "property": part.split(".")[1]}
        for part in output_key.strip(".").split("...")
    ]
    body = {
        "output": output_key,
        "outputs": outputs if output_key.startswith("..") else outputs[0],
        "inputs": values(spec["inputs"], inputs),
        "state": values(spec["state"], state or {}),
        "changedPropIds": [f"{dependency['id']}.{dependency['property']}" for dependency in spec["inputs"]],
    }
    return client.post("/_dash-update-component", json=body)


def output_key(app, first_output_id: str) -> str:
    return next(key for key in app.callback_map if key.strip(".").startswith(f"{first_output_id}."))


# --- The shell -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", VIEW_PATHS)
def test_every_view_path_serves_the_dash_shell(city_url, path):
    client = signed_in(create_app(settings_for(city_url)))
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="react-entry-point"' in page
    assert 'id="_dash-config"' in page
    assert "<title>一屏观城</title>" in page


def test_dash_serves_its_layout_and_dependencies(city_url):
    client = signed_in(create_app(settings_for(city_url)))
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert {ids.URL, ids.ROOT} <= set(re.findall(r'"id":\s*"([^"]+)"', layout.get_data(as_text=True)))
    assert client.get("/_dash-dependencies").status_code == 200


@pytest.mark.parametrize("path", VIEW_PATHS)
def test_every_view_draws_in_both_languages(city_url, path):
    app = create_app(settings_for(city_url))
    for search, lang in (("", "zh-CN"), ("?lang=en", "en")):
        children, _, html_lang = render_frame(app, path, search)
        assert html_lang == lang
        assert "next release" not in as_json(children) and "下一版本" not in as_json(children)


def test_router_draws_each_view_over_dash_http(city_url):
    app = create_app(settings_for(city_url))
    client = signed_in(app)
    key = output_key(app, ids.ROOT)
    for path in VIEW_PATHS:
        response = call_callback(client, app, key, {(ids.URL, "pathname"): path, (ids.URL, "search"): ""})
        assert response.status_code == 200, path


def _identity(client, app, path="/", search=""):
    response = call_callback(client, app, output_key(app, ids.ROOT), {(ids.URL, "pathname"): path,
                                                                      (ids.URL, "search"): search})
    assert response.status_code == 200
    frame = response.get_json()["response"][ids.ROOT]["children"]
    return [c for c in _find(frame, lambda c: c.get("props", {}).get("className") == "identity")]


def test_header_names_who_is_logged_in_with_their_pages_and_a_logout_form(city_url):
    app = create_app(settings_for(city_url))
    leader = signed_in(app, role="leader", areas=("R01",), username="wang")
    [identity] = _identity(leader, app, "/", "?lang=en")
    text = json.dumps(identity, ensure_ascii=False)
    assert "wang (leader)" in text and '"/account?lang=en"' in text and "/admin" not in text
    [form] = _find(identity, lambda c: c["type"] == "Form")
    assert form["props"]["action"] == "/logout?lang=en" and form["props"]["method"] == "POST"
    [csrf] = _find(form, lambda c: c.get("props", {}).get("name") == "csrf")
    session_id = leader.get_cookie("onescreen_session").value
    assert csrf["props"]["value"] == access_of(app).store.session_user(session_id, timedelta(hours=1),
                                                                       timedelta(hours=8))[1]
    assert "管理" in json.dumps(_identity(signed_in(app, role="admin"), app), ensure_ascii=False)


def test_outside_a_request_the_frame_names_nobody(city_url):
    children, _, _ = render_frame(create_app(settings_for(city_url)), "/", "")
    assert list(_find(json.loads(as_json(children)), lambda c: c.get("props", {}).get("className") == "identity")) == []


def test_opening_a_view_is_audited_once_with_the_scope_really_shown(city_url):
    app = create_app(settings_for(city_url))
    leader = signed_in(app, role="leader", areas=("R01",), username="zhao")
    _identity(leader, app, "/closure", "?area=R02&from=2026-11-01")
    [record] = access_of(app).store.audit_events(action="view")
    assert (record.principal_name, record.outcome, record.area_code) == ("zhao", "ok", "R01")
    assert record.detail["view"] == "closure" and record.detail["path"] == "/closure"
    assert record.detail["scope"]["area"] == "R01" and record.detail["scope"]["from"] == "2026-11-01"
    # A path that is no view opens nothing.
    call_callback(leader, app, output_key(app, ids.ROOT), {(ids.URL, "pathname"): "/nowhere", (ids.URL, "search"): ""})
    assert len(access_of(app).store.audit_events(action="view")) == 1


def test_unknown_path_says_there_is_no_such_page(city_url):
    app = create_app(settings_for(city_url))
    children, _, _ = render_frame(app, "/nowhere", "?lang=en")
    assert "There is no page at /nowhere" in as_json(children)


def test_navigation_and_language_switch_keep_the_url_parameters(city_url):
    app = create_app(settings_for(city_url))
    children, _, lang = render_frame(app, "/", "?area=R01&from=2026-11-01")
    page = json.loads(as_json(children))
    links = {link["props"]["id"]: link["props"]["href"] for link in _find(page, lambda c: "id" in c.get("props", {})
                                                                           and c["type"] == "Link")}
    assert links[ids.LANGUAGE_LINK] == "/?area=R01&from=2026-11-01&lang=en"
    assert links[ids.THEME_LINK] == "/?area=R01&from=2026-11-01&theme=light"
    nav_hrefs = [c["props"]["href"] for c in _find(page, lambda c: "nav__link" in c.get("props", {}).get("className", ""))]
    assert nav_hrefs == [f"{path}?area=R01&from=2026-11-01" for path in VIEW_PATHS]
    assert lang == "zh-CN"

    children, _, lang = render_frame(app, "/closure", "?area=R01&lang=en")
    english = json.loads(as_json(children))
    switch = next(c for c in _find(english, lambda c: c.get("props", {}).get("id") == ids.LANGUAGE_LINK))
    assert switch["props"]["href"] == "/closure?area=R01" and switch["props"]["children"] == "中文"
    assert lang == "en"


def test_light_desk_theme_colours_page_and_charts(db):
    app = create_app(db.settings)
    _, style, _ = render_frame(app, "/", "?theme=light")
    assert style["--page"] == DESK.page
    _, style, _ = render_frame(app, "/", "")
    assert style["--page"] == WALL.page
    panels = overview_panels(db, "?theme=light")
    assert panels.trend.layout.template.layout.paper_bgcolor == DESK.surface


# --- The overview ----------------------------------------------------------------------------


def test_kpi_tiles_show_the_api_numbers_formatted_with_their_definitions(db, city_url):
    panels = overview_panels(db, "")
    expected = indicators.kpis(db, default_scope(db))
    tiles = tiles_by_indicator(panels.tiles)
    assert set(tiles) == set(indicators.INDICATORS)
    for name, tile in tiles.items():
        assert tile["value"] == i18n.format_indicator(name, expected[name], "zh"), name
        assert tile["label"] == i18n.indicator_label(name, "zh")
        assert tile["title"].startswith(i18n.indicator_definition(name, "zh"))
    assert tiles["closure_rate"]["value"] == "66.7%"  # T1 and T5 closed, T2 due: 2 of 3
    assert "按统计期内上报的工单计算" in tiles["satisfaction_rate"]["title"]

    # The API answers from the same function: the numbers are the same.
    api = signed_in(create_app(settings_for(city_url))).get("/api/v1/kpis").get_json()
    assert {name: api[name] for name in indicators.INDICATORS} == expected


def test_overview_charts_show_trend_areas_and_backlog_by_source(db):
    panels = overview_panels(db, "")
    scope = default_scope(db)
    assert len(panels.trend.data[0].x) == (scope.period_to - scope.period_from).days + 1
    assert sum(panels.trend.data[0].y) == indicators.kpis(db, scope)["reported"]
    # Drawn bottom up: 丙区 (backlog only, no rate) below 甲区 (1 of 2 due closed) below 乙区 (1 of 1).
    assert list(panels.areas.layout.yaxis.ticktext) == ["丙区", "甲区", "乙区"]
    assert list(panels.areas.data[0].text) == ["无数据", "50.0%", "100.0%"]
    # Open tickets: T2 and T6 from 数字城管, T2 overdue; T3 from a source the catalogue does not know.
    overdue, in_time = panels.sources.data
    assert dict(zip(overdue.y, overdue.x)) == {"数字城管": 1, "river_watch": 0}
    assert dict(zip(in_time.y, in_time.text)) == {"数字城管": "2", "river_watch": "1"}


def test_area_chart_names_tickets_filed_on_the_area_itself_and_a_leaf_has_no_chart(db):
    district = overview_panels(db, "?area=R01")
    # T2 was filed on 甲区 itself, under none of its streets.
    assert sorted(district.areas.layout.yaxis.ticktext) == sorted(["本级直报", "甲一街道"])
    leaf = overview_panels(db, "?area=R01001")
    assert [a.text for a in leaf.areas.layout.annotations] == ["无下级区域"]


def test_a_long_bar_chart_gets_its_height_and_the_card_scrolls():
    frame = pd.DataFrame({
        "key": [f"R{i:02d}" for i in range(40)], "name": [f"第{i}网格" for i in range(40)],
        "closure_rate": [0.9] * 40, "backlog": [1] * 40,
    })
    tall = figures.closure_rate_by_area(frame, "R", "zh", WALL)
    assert graph_style(tall) == {"height": f"{tall.layout.height}px"} and tall.layout.height > 40 * 30
    assert graph_style(figures.closure_rate_by_area(frame.head(5), "R", "zh", WALL)) == {}


def test_invalid_from_is_named_and_the_default_scope_is_shown(db):
    panels = overview_panels(db, "?from=2026-13-01&area=R01")
    notices = as_json(panels.notices)
    assert "「from」" in notices and "2026-13-01" in notices and "默认范围" in notices
    expected = indicators.kpis(db, default_scope(db))
    tiles = tiles_by_indicator(panels.tiles)
    assert {name: tile["value"] for name, tile in tiles.items()} == {
        name: i18n.format_indicator(name, expected[name], "zh") for name in expected
    }
    assert "测试市" in as_json(panels.header)


def test_unknown_area_is_named_and_the_root_is_shown(db):
    panels = overview_panels(db, "?area=R99")
    assert "没有编码为「R99」的区域" in as_json(panels.notices)
    assert '"测试市"' in as_json(panels.header)
    assert tiles_by_indicator(panels.tiles)["reported"]["value"] == "5"


def test_header_names_area_path_period_and_as_of(db):
    header = as_json(overview_panels(db, "?area=R01001&from=2026-11-01&to=2026-11-20").header)
    assert "甲一街道" in header and "街道（乡镇）" in header
    assert '"href": "/?area=R01&from=2026-11-01&to=2026-11-20"' in header  # the breadcrumb drills back up
    assert "统计期 2026-11-01 至 2026-11-20" in header
    assert "数据截至 2026-11-20 12:00:00" in header

    past = as_json(overview_panels(db, "?as_of=2026-11-19").header)
    assert "历史回看" in past and "数据截至 2026-11-19 23:59:59" in past


def test_empty_database_shows_no_data_in_place(empty_url):
    db = Database.from_settings(settings_for(empty_url))
    panels = overview_panels(db, "")
    tiles = tiles_by_indicator(panels.tiles)
    assert tiles["closure_rate"]["value"] == "无数据"
    assert "kpi--missing" in tiles["satisfaction_rate"]["class"]
    assert tiles["reported"]["value"] == "0"
    for figure in (panels.trend, panels.areas, panels.sources):
        assert [a.text for a in figure.layout.annotations] == ["无数据"]
    assert "全部区域" in as_json(panels.header)
    assert panels.notices == []

    english = overview_panels(db, "?lang=en")
    assert tiles_by_indicator(english.tiles)["closure_rate"]["value"] == "n/a"


def test_english_labels_with_lang_en(db):
    panels = overview_panels(db, "?lang=en&area=nowhere")
    tiles = tiles_by_indicator(panels.tiles)
    assert tiles["reported"]["label"] == "Reported"
    assert tiles["on_time_closure_rate"]["label"] == "On-time closure rate"
    assert tiles["satisfaction_rate"]["title"].startswith("Satisfaction rate =")
    assert "There is no area with code “nowhere”" in as_json(panels.notices)
    assert "Data as of 2026-11-20 12:00:00" in as_json(panels.header)
    assert panels.trend.data[0].name == "Reported"
    assert "Digital city management" in panels.sources.data[0].y


def test_overview_refresh_answers_over_dash_http(city_url):
    app = create_app(settings_for(city_url))
    client = signed_in(app)
    response = call_callback(
        client, app, output_key(app, ids.OVERVIEW_HEADER),
        {(ids.OVERVIEW_REFRESH, "n_intervals"): 3}, {(ids.URL, "search"): "?area=R02"},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert "乙区" in json.dumps(answer[ids.OVERVIEW_HEADER], ensure_ascii=False)
    assert answer[ids.TREND_CHART]["figure"]["data"]


def test_database_outage_keeps_the_last_numbers_and_says_why(tmp_path):
    app = create_app(settings_for(f"sqlite:///{tmp_path}/not-there.sqlite"))
    client = signed_in(app)
    response = call_callback(
        client, app, output_key(app, ids.OVERVIEW_HEADER),
        {(ids.OVERVIEW_REFRESH, "n_intervals"): 1}, {(ids.URL, "search"): ""},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert set(answer) == {ids.OVERVIEW_NOTICES}  # everything else keeps what it showed
    assert "暂时无法读取数据库" in json.dumps(answer, ensure_ascii=False)


def test_clicking_an_area_bar_drills_down_keeping_the_other_parameters(db):
    click = {"points": [{"customdata": ["R01", "甲区", "2"]}]}
    assert drill_down_search(db, click, "?lang=en&from=2026-11-01") == "?lang=en&from=2026-11-01&area=R01"


def test_a_click_naming_an_area_outside_the_one_on_screen_changes_nothing(db):
    with pytest.raises(PreventUpdate):
        drill_down_search(db, {"points": [{"customdata": ["R02"]}]}, "?area=R01")


def test_every_callback_targets_a_component_the_layouts_draw(db):
    from callbacks.filters import draw_filter_bar
    from pages import VIEWS

    app = create_app(db.settings)
    drawn = as_json([app.layout, *(render_frame(app, view.path, "")[0] for view in VIEWS),
                     draw_filter_bar(db, {}, "/")])
    for spec in app.callback_map.values():
        for dependency in spec["inputs"] + spec["state"]:
            if dependency["id"].startswith("{"):
                # A pattern-matching id: its components are drawn per item (an alert, a row) by callbacks.
                continue
            assert f'"id": "{dependency["id"]}"' in drawn, dependency
    for key in app.callback_map:
        for part in key.strip(".").split("..."):
            assert f'"id": "{part.split(".")[0]}"' in drawn, part


# --- Numbers and words ----------------------------------------------------------------------


def test_counts_read_the_chinese_way_in_chinese_and_with_separators_in_english():
    assert i18n.format_count(21600, "zh") == "2.16万"
    assert i18n.format_count(9999, "zh") == "9999"
    assert i18n.format_count(25000, "zh") == "2.5万"
    assert i18n.format_count(99_999_999, "zh") == "1亿"
    assert i18n.format_count(123_456_789, "zh") == "1.23亿"
    assert i18n.format_count(21600, "en") == "21,600"
    assert i18n.format_rate(0.9345, "zh") == "93.5%"
    assert i18n.format_rate(None, "zh") == "无数据"
    assert i18n.format_rate(None, "en") == "n/a"
    assert i18n.format_indicator("avg_handle_hours", 18.666, "en") == "18.7"


def test_a_rounded_count_shows_its_exact_value_on_hover():
    from components.kpi import kpi_tile

    assert "21,600" in kpi_tile("backlog", 21600, "zh", headline=True).title
    assert "\n" not in kpi_tile("backlog", 216, "zh", headline=True).title


def test_codes_have_labels_and_unknown_codes_are_shown_as_they_are():
    assert i18n.code_label("source", "hotline_12345", "zh") == "12345热线"
    assert i18n.code_label("source", "police_110", "zh") == "110非警情"
    assert i18n.code_label("status", "returned", "zh") == "返工中"
    assert i18n.code_label("status", "closed", "zh") == "核查结案"
    assert i18n.code_label("level", "workstation", "en") == "Linkage workstation"
    assert i18n.code_label("age", "ge_30d", "zh") == "30天以上"
    assert i18n.code_label("source", "river_watch", "zh") == "river_watch"
    assert i18n.language("fr") == "zh"


def test_every_indicator_has_a_label_and_a_definition_in_both_languages():
    for name in indicators.INDICATORS:
        for lang in i18n.LANGUAGES:
            assert i18n.indicator_label(name, lang) and i18n.indicator_definition(name, lang)
    for age, _ in indicators.AGE_BUCKETS:
        assert i18n.code_label("age", age, "en") != age


# --- Offline --------------------------------------------------------------------------------


EXTERNAL_URL = re.compile(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", re.IGNORECASE)


def test_nothing_the_browser_loads_points_outside_the_app(db):
    app = create_app(db.settings)
    client = signed_in(app)
    for asset in (ROOT / "assets").rglob("*"):
        if asset.is_file():
            assert not EXTERNAL_URL.search(asset.read_text(errors="ignore")), asset.name
    assert not EXTERNAL_URL.search(client.get("/").get_data(as_text=True))
    assert not EXTERNAL_URL.search(client.get("/_dash-layout").get_data(as_text=True))
    assert not EXTERNAL_URL.search(as_json([render_frame(app, "/", "")[0], tuple(overview_panels(db, ""))]))
    assert app.config.serve_locally
    assert GRAPH_CONFIG["displaylogo"] is False and GRAPH_CONFIG["showSendToCloud"] is False


def _find(tree, matches):
    """Every component (as JSON) in `tree` for which `matches` is true."""
    if isinstance(tree, list):
        for item in tree:
            yield from _find(item, matches)
    elif isinstance(tree, dict):
        if "type" in tree and matches(tree):
            yield tree
        for value in tree.get("props", {}).values():
            yield from _find(value, matches)
