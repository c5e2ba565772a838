"""The tickets view as a duty officer uses it: the backlog broken down six ways, overdue and near-overdue lists.

A hand-built city with every ticket placed to test one rule; the expected
numbers are worked out by hand in the comments. Layout and callbacks are
called as functions, and the refresh once over Dash's own HTTP endpoint.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import event

import i18n
from app import create_app
from callbacks.navigation import render_frame
from callbacks.scoped_view import child_area_search
from callbacks.tickets import BREAKDOWNS, subcategory_search, ticket_panels
from components import ids
from data_access import indicators, ticket_lists
from data_access.database import Database
from data_access.masking import mask_phone
from data_access.scope import Scope
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database, settings_for, signed_in
from tests.test_app_shell import as_json, call_callback, output_key, tiles_by_indicator

NOW = datetime(2026, 11, 20, 12, 0)  # settings_for freezes the clock here
H = timedelta(hours=1)
D = timedelta(days=1)

AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "district", "name": "甲区"},
    {"area_code": "R02", "parent_code": "R", "level": "district", "name": "乙区"},
    {"area_code": "R01001", "parent_code": "R01", "level": "street", "name": "甲一街道"},
]
CATEGORIES = [
    {"category_code": "01", "parent_code": None, "level": 1, "name": "市容环境"},
    {"category_code": "0101", "parent_code": "01", "level": 2, "name": "暴露垃圾"},
    {"category_code": "0102", "parent_code": "01", "level": 2, "name": "垃圾满溢"},
    {"category_code": "02", "parent_code": None, "level": 1, "name": "街面秩序"},
]
DEPARTMENTS = [{"dept_code": "CGW", "name": "城管委"}, {"dept_code": "ZJJ", "name": "住建局"}]


def _ticket(ticket_id, area, status, reported, *, due=None, closed=None, category=None, dept=None,
            source="hotline_12345", urgent=False, phone=None):
    return {
        "ticket_id": ticket_id, "source": source, "area_code": area, "status": status, "reported_at": reported,
        "due_at": due, "closed_at": closed, "category_code": category, "dept_code": dept, "urgent": urgent,
        "reporter_phone": phone, "title": f"{ticket_id} 标题",
    }


TICKETS = [
    # overdue by 48 h, urgent, with a mobile number
    _ticket("T1", "R01001", "dispatched", NOW - 5 * D, due=NOW - 2 * D, category="0101", dept="CGW", urgent=True,
            phone="13812340000"),
    # overdue by 6 h, a short number
    _ticket("T2", "R01", "accepted", NOW - 3 * D, due=NOW - 6 * H, category="0102", dept="ZJJ", phone="12345"),
    # near-overdue: due in 3 h and in 23 h
    _ticket("T3", "R02", "dispatched", NOW - D, due=NOW + 3 * H, category="02", dept="CGW", source="city_mgmt"),
    _ticket("T4", "R02", "handled", NOW - D, due=NOW + 23 * H, category="0101"),
    # due in 30 h: in the backlog, neither overdue nor near-overdue; filed on the major class itself
    _ticket("T5", "R02", "dispatched", NOW - 2 * D, due=NOW + 30 * H, category="01", dept="CGW"),
    # no deadline, 40 days old: backlog only
    _ticket("T6", "R01", "reported", NOW - 40 * D),
    # closed before as_of, or cancelled: not in the backlog, however overdue
    _ticket("T7", "R01", "closed", NOW - 4 * D, due=NOW - 2 * D, closed=NOW - D, category="0101"),
    _ticket("T8", "R02", "cancelled", NOW - 4 * D, due=NOW - D, category="0101"),
    # closed only after as_of: open at as_of, due in 2 h
    _ticket("T9", "R01001", "closed", NOW - 2 * D, due=NOW + 2 * H, closed=NOW + H, category="0102"),
    # reported after as_of: not yet there
    _ticket("T10", "R01", "dispatched", NOW + H, due=NOW + 5 * H, category="0101"),
]


@pytest.fixture
def city_url(tmp_path) -> str:
    url = fresh_database_url("sqlite", "tickets_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "category": CATEGORIES, "department": DEPARTMENTS, "ticket": TICKETS})
    return url


@pytest.fixture
def db(city_url) -> Database:
    return Database.from_settings(settings_for(city_url))


def scope(area="R", **filters) -> Scope:
    return Scope(area_code=area, period_from=(NOW - 29 * D).date(), period_to=NOW.date(), as_of=NOW, **filters)


def figure_of(panels, dimension: str):
    return panels.figures[[name for name, _ in BREAKDOWNS].index(dimension)]


def stacked(figure) -> dict[str, tuple[int, int]]:
    """{bar label: (overdue, backlog)} read off a stacked backlog figure."""
    overdue, in_time = figure.data
    return {label: (int(o), int(o) + int(i)) for label, o, i in zip(overdue.y, overdue.x, in_time.x)}


# --- The backlog ------------------------------------------------------------------------------


def test_tiles_show_backlog_overdue_and_near_overdue_with_their_definitions(db, city_url):
    tiles = tiles_by_indicator(ticket_panels(db, "").tiles)
    values = {name: tile["value"] for name, tile in tiles.items()}
    assert values == {"backlog": "7", "overdue": "2", "near_overdue": "3"}
    assert tiles["near_overdue"]["title"].startswith("积压工单中，处置时限在数据截至时刻起24小时内到期")
    assert tiles["backlog"]["title"].startswith("截至数据时刻已上报、未作废且尚未结案的工单数")
    # The same numbers as the API's, from the same function.
    api = signed_in(create_app(settings_for(city_url))).get("/api/v1/kpis").get_json()
    assert (api["backlog"], api["overdue"]) == (7, 2)


def test_backlog_charts_draw_the_api_breakdowns(db, city_url):
    panels = ticket_panels(db, "")
    assert stacked(figure_of(panels, "area")) == {"甲区": (2, 4), "乙区": (0, 3)}
    assert stacked(figure_of(panels, "category")) == {"市容环境": (2, 5), "街面秩序": (0, 1), "未知": (0, 1)}
    assert stacked(figure_of(panels, "dept")) == {"城管委": (1, 3), "住建局": (1, 1), "未知": (0, 3)}
    # T2 is exactly 72 h old: 3 days or more.
    assert stacked(figure_of(panels, "age")) == {"1–3天": (0, 4), "3–7天": (2, 2), "30天以上": (0, 1)}
    client = signed_in(create_app(settings_for(city_url)))
    for dimension, _ in BREAKDOWNS:
        api = client.get(f"/api/v1/backlog?by={dimension}").get_json()["rows"]
        figure = figure_of(panels, dimension)
        drawn = dict(zip(figure.data[0].customdata, (int(x) for x in figure.data[0].x)))
        assert drawn == {row["key"]: row["overdue"] for row in api}, dimension
        assert sum(stacked(figure)[label][1] for label in stacked(figure)) == 7, dimension


def test_the_department_chart_shows_the_largest_backlogs_that_fit_with_its_axis_and_says_of_how_many(tmp_path):
    url = fresh_database_url("sqlite", "tickets_many_depts", tmp_path)
    create_contract(url)
    departments = [{"dept_code": f"D{i:02d}", "name": f"第{i}局"} for i in range(20)]
    # Department D<i> holds i + 1 open tickets: D19 the most.
    tickets = [_ticket(f"T{i}-{n}", "R01", "dispatched", NOW - D, dept=f"D{i:02d}") for i in range(20)
               for n in range(i + 1)]
    insert_rows(url, {"area": AREAS, "department": departments, "ticket": tickets})
    figure = figure_of(ticket_panels(Database.from_settings(settings_for(url)), ""), "dept")
    shown = list(figure.data[0].y)
    assert len(shown) == 12 and "第19局" in shown and "第0局" not in shown
    assert [a.text for a in figure.layout.annotations] == ["显示积压最多的 12 个（共 20 个）"]
    assert figure.layout.height is None  # the card holds it, axis and all: nothing scrolls


def test_age_and_status_read_in_their_own_order_not_by_size(db):
    panels = ticket_panels(db, "")
    # Plotly draws the first row at the bottom: youngest on top means the oldest first in the data.
    assert list(figure_of(panels, "age").data[0].y) == ["30天以上", "3–7天", "1–3天"]
    # T9's status is already "closed", but it was closed only after as_of: it is backlog, in lifecycle order.
    assert list(figure_of(panels, "status").data[0].y) == ["核查结案", "处置完成", "派遣", "立案", "上报"]
    assert stacked(figure_of(panels, "status"))["派遣"] == (1, 3)


def test_clicking_a_class_shows_its_subclasses_and_the_url_keeps_it(db):
    assert subcategory_search(db, "?lang=en", "01") == "?lang=en&category=01"
    panels = ticket_panels(db, "?category=01")
    # T5 is filed on 市容环境 itself, under neither subclass.
    assert stacked(figure_of(panels, "category")) == {"暴露垃圾": (1, 2), "垃圾满溢": (1, 2), "市容环境": (0, 1)}
    path = as_json(panels.category_path)
    assert '"href": "/tickets"' in path and "全部大类" in path and '"children": "市容环境"' in path
    assert subcategory_search(db, "?category=01", "0101") == "?category=0101"
    deeper = as_json(ticket_panels(db, "?category=0101").category_path)
    assert '"href": "/tickets?category=01"' in deeper


def test_the_category_path_names_a_class_once_when_its_subclass_repeats_its_name(tmp_path):
    url = fresh_database_url("sqlite", "tickets_repeated_category", tmp_path)
    create_contract(url)
    repeated = {"category_code": "010101", "parent_code": "0101", "level": 3, "name": "暴露垃圾"}
    insert_rows(url, {"area": AREAS, "category": [*CATEGORIES, repeated]})
    path = ticket_panels(Database.from_settings(settings_for(url)), "?category=010101").category_path
    crumbs = [(crumb.children, getattr(crumb, "href", None)) for crumb in path if crumb.children != "›"]
    assert crumbs == [("全部大类", "/tickets"), ("市容环境", "/tickets?category=01"), ("暴露垃圾", None)]


@pytest.mark.parametrize("clicked", ["02", "01", "0199", None, {"x": 1}, "R01"])
def test_a_category_click_outside_the_chosen_class_changes_nothing(db, clicked):
    with pytest.raises(PreventUpdate):
        subcategory_search(db, "?category=01", clicked)


def test_clicking_a_sub_area_drills_down_and_nothing_else_does(db):
    assert child_area_search(db, "?lang=en&from=2026-11-01", "R01") == "?lang=en&from=2026-11-01&area=R01"
    for not_a_child in ("R01001", "R", "R99", None, ["R01"]):
        with pytest.raises(PreventUpdate):
            child_area_search(db, "", not_a_child)
    assert child_area_search(db, "?area=R01", "R01001") == "?area=R01001"


# --- The lists ---------------------------------------------------------------------------------


def test_overdue_list_is_longest_overdue_first_named_and_masked(db):
    panels = ticket_panels(db, "")
    rows = panels.overdue_rows
    assert [row["ticket_id"] for row in rows] == ["T1", "T2"]
    first = rows[0]
    assert (first["area_name"], first["category_name"], first["dept_name"]) == ("甲一街道", "暴露垃圾", "城管委")
    assert (first["source"], first["status"]) == ("12345热线", "派遣")
    # Sorted by the hours, written in days and hours.
    assert (first["hours_overdue"], first["hours_overdue_text"]) == (48.0, "2 天")
    assert rows[1]["hours_overdue_text"] == "6 小时"
    assert (first["urgent"], first["urgent_text"]) == (True, "紧急")
    assert first["reporter_phone"] == "138****0000" and rows[1]["reporter_phone"] == "***45"
    assert "13812340000" not in as_json(panels)
    assert first["due_at"] == "2026-11-18 12:00:00"
    assert panels.overdue_count == "显示 2 条，共 2 条"


@pytest.mark.parametrize("hours, zh, en", [
    (1566.0, "65 天 6 小时", "65 d 6 h"),
    (1558.8, "64 天 23 小时", "64 d 23 h"),  # to the nearest hour
    (24.0, "1 天", "1 d"),
    (6.2, "6 小时", "6 h"),
    (0.4, "24 分钟", "24 min"),
    (0.0, "0 分钟", "0 min"),
])
def test_a_duration_reads_in_days_and_hours_not_as_1558_8_hours(hours, zh, en):
    assert (i18n.format_duration(hours, "zh"), i18n.format_duration(hours, "en")) == (zh, en)


def test_the_lists_headers_name_the_duration_without_a_unit_the_cells_now_carry(db, city_url):
    page = json.loads(as_json(render_frame(create_app(settings_for(city_url)), "/tickets", "?lang=en")[0]))
    grids = [c for c in _components(page) if c.get("namespace") == "dash_ag_grid"]
    headers = {d["field"]: d["headerName"] for g in grids for d in g["props"]["columnDefs"]}
    assert (headers["hours_overdue"], headers["hours_left"]) == ("Overdue by", "Time left")


def test_near_overdue_is_the_backlog_due_in_the_next_24_hours_soonest_first(db):
    near = ticket_lists.near_overdue_tickets(db, scope())
    # T9 counts (closed only after as_of), T5 (30 h) and overdue ones do not.
    assert near.rows["ticket_id"].tolist() == ["T9", "T3", "T4"]
    assert near.rows["hours_left"].tolist() == [2.0, 3.0, 23.0]
    assert near.total == 3
    assert ticket_lists.near_overdue_tickets(db, scope("R02")).rows["ticket_id"].tolist() == ["T3", "T4"]
    assert ticket_lists.near_overdue_tickets(db, scope(sources=("city_mgmt",))).rows["ticket_id"].tolist() == ["T3"]


def test_a_list_is_bounded_and_says_how_many_there_are(db):
    first = ticket_lists.overdue_tickets(db, scope(), 1)
    assert first.rows["ticket_id"].tolist() == ["T1"] and first.total == 2
    assert ticket_lists.near_overdue_tickets(db, scope(), 2).total == 3


def test_list_queries_read_the_open_tickets_through_the_closed_at_index(db):
    statements = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def keep(conn, cursor, statement, parameters, context, executemany):
        if "OVER" in statement:
            statements.append((statement, parameters))

    ticket_lists.overdue_tickets(db, scope())
    ticket_lists.near_overdue_tickets(db, scope())
    assert len(statements) == 2
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            plan = " | ".join(row[3] for row in conn.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "USING INDEX ix_ticket_closed" in plan, plan
            assert "SCAN ticket" not in plan, plan


def test_every_label_of_the_three_views_is_in_chinese_and_english():
    from i18n.views import closure, funds, tickets

    for module, prefix in ((tickets, "tickets."), (closure, "closure."), (funds, "funds.")):
        for key, texts in module.LABELS.items():
            assert key.startswith(prefix) and texts["zh"] and texts["en"] and texts["zh"] != texts["en"], key


def test_phones_are_masked_the_way_government_screens_print_them():
    assert mask_phone("13812340000") == "138****0000"
    assert mask_phone(" 0512-65221234 ") == "051******1234"
    assert mask_phone("12345") == "***45"
    assert mask_phone("12") == "**"
    assert mask_phone(None) is None and mask_phone("  ") is None


# --- Language, emptiness, problems -------------------------------------------------------------


def test_english_labels_and_no_data_text_in_place(tmp_path):
    url = fresh_database_url("sqlite", "tickets_empty", tmp_path)
    create_contract(url)
    db = Database.from_settings(settings_for(url))
    for search, no_data in (("", "无数据"), ("?lang=en", "No data")):
        panels = ticket_panels(db, search)
        assert panels.overdue_rows == [] and panels.near_overdue_rows == []
        for figure in panels.figures:
            assert [a.text for a in figure.layout.annotations] == [no_data]
        assert tiles_by_indicator(panels.tiles)["near_overdue"]["value"] == "0"
    assert ticket_panels(db, "?lang=en").overdue_count == "Showing 0 of 0"
    app = create_app(db.settings)
    page = json.loads(as_json(render_frame(app, "/tickets", "?lang=en")[0]))
    grids = [c for c in _components(page) if c.get("namespace") == "dash_ag_grid"]
    assert {g["props"]["id"] for g in grids} == {ids.TICKETS_OVERDUE_GRID, ids.TICKETS_NEAR_OVERDUE_GRID}
    assert all(g["props"]["dashGridOptions"]["localeText"]["noRowsToShow"] == "No data" for g in grids)
    headers = [c["headerName"] for c in grids[0]["props"]["columnDefs"]]
    assert "Reporter's phone" in headers and "Overdue by" in headers


def test_invalid_parameter_is_named_and_the_default_scope_shown(db):
    panels = ticket_panels(db, "?as_of=yesterday&area=R02")
    assert "「as_of」" in as_json(panels.notices)
    assert tiles_by_indicator(panels.tiles)["backlog"]["value"] == "7"


def test_refresh_answers_over_dash_http_and_keeps_the_numbers_in_an_outage(city_url, tmp_path):
    app = create_app(settings_for(city_url))
    response = call_callback(
        signed_in(app), app, output_key(app, ids.TICKETS_HEADER),
        {(ids.TICKETS_REFRESH, "n_intervals"): 1}, {(ids.URL, "search"): "?area=R02"},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert [row["ticket_id"] for row in answer[ids.TICKETS_NEAR_OVERDUE_GRID]["rowData"]] == ["T3", "T4"]
    assert "乙区" in json.dumps(answer[ids.TICKETS_HEADER], ensure_ascii=False)

    down = create_app(settings_for(f"sqlite:///{tmp_path}/gone.sqlite"))
    response = call_callback(
        signed_in(down), down, output_key(down, ids.TICKETS_HEADER),
        {(ids.TICKETS_REFRESH, "n_intervals"): 1}, {(ids.URL, "search"): ""},
    )
    assert set(response.get_json()["response"]) == {ids.TICKETS_NOTICES}


def test_the_lists_agree_on_every_dialect(dialect, tmp_path):
    url = fresh_database_url(dialect, "onescreen_ticket_lists", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "category": CATEGORIES, "department": DEPARTMENTS, "ticket": TICKETS})
    db = read_only_database(url)
    try:
        overdue = ticket_lists.overdue_tickets(db, scope())
        assert overdue.rows["ticket_id"].tolist() == ["T1", "T2"] and overdue.total == 2
        assert overdue.rows["hours_overdue"].tolist() == [48.0, 6.0]
        assert overdue.rows["reporter_phone"].tolist() == ["138****0000", "***45"]
        assert ticket_lists.near_overdue_tickets(db, scope(), 1).total == 3
        assert indicators.kpis(db, scope())["backlog"] == 7
    finally:
        db.engine.dispose()


def _components(tree):
    if isinstance(tree, list):
        for item in tree:
            yield from _components(item)
    elif isinstance(tree, dict):
        if "type" in tree:
            yield tree
        for value in tree.get("props", {}).values():
            yield from _components(value)
