"""The micro-fund view: what each workstation has spent of its budget, against the year, and what it bought.

Clock: 2026-11-20 12:00, so 323.5 of 365 days are gone (88.6 %).

    account  unit     budget  spent (2026, up to as_of)                      burn
    A1       R01001   10000   E1 3000 approved + E2 1000 pending    = 4000   40 %
    A2       R01002    4000   E3 4000 pending                       = 4000   100 %  faster than the year
    A3       R02       5000   E4 1000 rejected (E5 is after as_of)  = 1000   20 %
    A5       R02          0   E7 200 approved                       =  200   n/a (no budget)
    A4       R01001   (2025)  E6: last year's account, not counted
"""
from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import event

from app import create_app
from callbacks.funds import account_area_search, fund_panels
from callbacks.navigation import render_frame
from components import ids
from data_access import funds
from data_access.database import Database
from data_access.scope import Scope
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database, settings_for, signed_in
from tests.test_app_shell import as_json, call_callback, output_key

NOW = datetime(2026, 11, 20, 12, 0)
YEAR_ELAPSED = 323.5 / 365

AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "street", "name": "甲街道"},
    {"area_code": "R02", "parent_code": "R", "level": "street", "name": "乙街道"},
    {"area_code": "R01001", "parent_code": "R01", "level": "workstation", "name": "甲一工作站"},
    {"area_code": "R01002", "parent_code": "R01", "level": "workstation", "name": "甲二工作站"},
]
ACCOUNTS = [
    {"account_id": "A1", "area_code": "R01001", "year": 2026, "budget": 10000},
    {"account_id": "A2", "area_code": "R01002", "year": 2026, "budget": 4000},
    {"account_id": "A3", "area_code": "R02", "year": 2026, "budget": 5000},
    {"account_id": "A4", "area_code": "R01001", "year": 2025, "budget": 9000},
    {"account_id": "A5", "area_code": "R02", "year": 2026, "budget": 0},
]


def _expense(expense_id, account, amount, approval, spent_at, *, kind="repair", ticket=None):
    return {"expense_id": expense_id, "account_id": account, "item": f"{expense_id} 安装停车桩", "kind": kind,
            "amount": amount, "spent_at": spent_at, "approval": approval, "ticket_id": ticket}


EXPENSES = [
    _expense("E1", "A1", 3000, "approved", datetime(2026, 3, 1), ticket="T1"),
    _expense("E2", "A1", 1000, "pending", datetime(2026, 11, 10), kind="environment", ticket="T2"),
    _expense("E3", "A2", 4000, "pending", datetime(2026, 11, 15), kind="emergency"),
    _expense("E4", "A3", 1000, "rejected", datetime(2026, 6, 1), ticket="T3"),
    _expense("E5", "A3", 500, "approved", datetime(2026, 11, 21)),
    _expense("E6", "A4", 50, "approved", datetime(2025, 5, 1)),
    _expense("E7", "A5", 200, "approved", datetime(2026, 11, 1), kind="service_project"),
]
TICKETS = [
    {"ticket_id": "T1", "source": "grid_patrol", "area_code": "R01001", "status": "closed", "title": "路灯不亮",
     "reported_at": datetime(2026, 2, 27), "closed_at": datetime(2026, 3, 2)},
    # E2 (an R01 workstation's expense) solved a ticket filed in R02
    {"ticket_id": "T2", "source": "hotline_12345", "area_code": "R02", "status": "dispatched", "title": "垃圾满溢",
     "reported_at": datetime(2026, 11, 9), "closed_at": None},
    {"ticket_id": "T3", "source": "hotline_12345", "area_code": "R02", "status": "closed", "title": "井盖破损",
     "reported_at": datetime(2026, 5, 30), "closed_at": datetime(2026, 6, 2)},
]
ROWS = {"area": AREAS, "fund_account": ACCOUNTS, "fund_expense": EXPENSES, "ticket": TICKETS}


@pytest.fixture
def city_url(tmp_path) -> str:
    url = fresh_database_url("sqlite", "funds_city", tmp_path)
    create_contract(url)
    insert_rows(url, ROWS)
    return url


@pytest.fixture
def db(city_url) -> Database:
    return Database.from_settings(settings_for(city_url))


def scope(area="R") -> Scope:
    return Scope(area_code=area, period_from=datetime(2026, 10, 22).date(), period_to=NOW.date(), as_of=NOW)


def tiles(panels) -> dict[str, dict]:
    """{name: {"label", "value", "title", "class"}} of the tiles the view drew."""
    found = {}
    for tile in json.loads(as_json(panels.tiles))[1]["props"]["children"]:
        props = tile["props"]
        label, value = (child["props"]["children"] for child in props["children"])
        found[props["data-indicator"]] = {"label": label, "value": value, "title": props["title"],
                                          "class": props["className"]}
    return found


def test_tiles_show_budget_spent_pending_and_burn_against_the_year_with_definitions(db):
    shown = tiles(fund_panels(db, ""))
    assert {name: tile["value"] for name, tile in shown.items()} == {
        "budget": "1.9万", "spent": "9200", "pending": "5000", "burn_rate": "48.4%", "year_elapsed": "88.6%",
    }
    assert shown["spent"]["title"].startswith("本年1月1日至数据截至时刻的支出之和。先使用后审批")
    assert "精确值：9,200.00 元" in shown["spent"]["title"]
    assert shown["pending"]["title"].startswith("已使用金额中尚待事后审批的部分")
    assert "kpi--alert" not in shown["burn_rate"]["class"]  # 48 % of the budget, 89 % of the year
    assert "2026年度民生微基金" in as_json(fund_panels(db, "").tiles)
    # A workstation that has spent its whole budget is ahead of the year.
    assert "kpi--alert" in tiles(fund_panels(db, "?area=R01002"))["burn_rate"]["class"]


def test_tiles_are_the_fund_totals(db):
    totals = funds.fund_totals(db, scope())
    assert (totals["budget"], totals["spent"], totals["pending"]) == (19000, 9200, 5000)
    assert totals["year_elapsed"] == pytest.approx(YEAR_ELAPSED)


def test_accounts_fastest_burning_first_and_those_ahead_of_the_year_marked(db):
    rows = fund_panels(db, "").accounts_rows
    assert [row["account_id"] for row in rows] == ["A2", "A1", "A3", "A5"]
    assert [row["burning_fast"] for row in rows] == [True, False, False, False]
    assert [row["burn_rate_text"] for row in rows] == ["100.0%", "40.0%", "20.0%", "无数据"]
    assert (rows[1]["area_name"], rows[1]["spent_text"], rows[1]["pending_text"]) == ("甲一工作站", "4000", "1000")
    assert "88.6%" in fund_panels(db, "").accounts_note


def test_items_newest_first_with_the_ticket_each_one_solved(db):
    items = funds.fund_items(db, scope())
    assert items.rows["expense_id"].tolist() == ["E3", "E2", "E7", "E4", "E1"] and items.total == 5
    solved = items.rows.set_index("expense_id")
    assert (solved.loc["E1", "ticket_title"], solved.loc["E1", "ticket_status"]) == ("路灯不亮", "closed")
    assert solved.loc["E1", "ticket_closed_at"] == datetime(2026, 3, 2)
    assert solved.loc["E1", "area_name"] == "甲一工作站"
    # In 甲街道's scope, the R02 ticket E2 solved is outside the area: not shown.
    in_r01 = funds.fund_items(db, scope("R01")).rows.set_index("expense_id")
    assert list(in_r01.index) == ["E3", "E2", "E1"]
    assert in_r01.loc["E2", "ticket_id"] == "T2" and pd.isna(in_r01.loc["E2", "ticket_title"])


def test_items_grid_shows_labels_and_says_how_many(db):
    panels = fund_panels(db, "?lang=en")
    first = panels.items_rows[0]
    assert (first["kind"], first["approval"], first["amount_text"]) == ("Emergency", "Pending", "4,000")
    by_id = {row["expense_id"]: row for row in panels.items_rows}
    assert (by_id["E1"]["ticket_title"], by_id["E1"]["ticket_status"]) == ("路灯不亮", "Closed")
    assert by_id["E3"]["ticket_status"] is None
    assert "Showing 5 of 5" in panels.items_count and "2026" in panels.items_count


def test_items_are_bounded(db):
    first_two = funds.fund_items(db, scope(), 2)
    assert first_two.rows["expense_id"].tolist() == ["E3", "E2"] and first_two.total == 5


def test_items_query_reads_expenses_by_account_and_tickets_by_key(db):
    statements = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def keep(conn, cursor, statement, parameters, context, executemany):
        if "OVER" in statement:
            statements.append((statement, parameters))

    funds.fund_items(db, scope())
    with db.engine.connect() as conn:
        statement, parameters = statements[0]
        plan = " | ".join(row[3] for row in conn.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "SEARCH ticket USING INDEX sqlite_autoindex_ticket_1 (ticket_id=?)" in plan, plan
    assert "ix_fund_expense_account" in plan, plan
    assert "SCAN ticket" not in plan, plan


def test_spend_by_kind_chart(db):
    figure = fund_panels(db, "").by_kind
    spent = dict(zip(figure.data[0].y, figure.data[0].x))
    assert spent == {"维修": 4000, "应急处置": 4000, "环境整治": 1000, "服务项目": 200}


def test_clicking_an_account_drills_into_the_child_area_it_lies_in(db):
    assert account_area_search(db, "?lang=en", "A1") == "?lang=en&area=R01"
    assert account_area_search(db, "?area=R01", "A1") == "?area=R01001"
    for search, clicked in (("?area=R02", "A3"), ("?area=R02", "A1"), ("", "A4"), ("", "nope"), ("", None),
                            ("", {"rowId": "A1"})):
        with pytest.raises(PreventUpdate):
            account_area_search(db, search, clicked)


def test_no_accounts_means_no_data_not_zero(tmp_path):
    url = fresh_database_url("sqlite", "funds_empty", tmp_path)
    create_contract(url)
    empty = Database.from_settings(settings_for(url))
    panels = fund_panels(empty, "")
    shown = tiles(panels)
    assert [shown[name]["value"] for name in ("budget", "spent", "pending", "burn_rate")] == ["无数据"] * 4
    assert shown["year_elapsed"]["value"] == "88.6%"
    assert panels.accounts_rows == [] and panels.items_rows == []
    assert [a.text for a in panels.by_kind.layout.annotations] == ["无数据"]
    page = as_json(render_frame(create_app(empty.settings), "/funds", "")[0])
    assert '"noRowsToShow": "无数据"' in page


def test_empty_tables_and_charts_say_no_data_and_a_rate_without_a_budget_says_n_a(tmp_path):
    url = fresh_database_url("sqlite", "funds_empty_en", tmp_path)
    create_contract(url)
    empty = Database.from_settings(settings_for(url))
    panels = fund_panels(empty, "?lang=en")
    assert tiles(panels)["burn_rate"]["value"] == "n/a"
    assert [a.text for a in panels.by_kind.layout.annotations] == ["No data"]
    page = as_json(render_frame(create_app(empty.settings), "/funds", "?lang=en")[0])
    assert '"noRowsToShow": "No data"' in page and '"noRowsToShow": "n/a"' not in page


def test_refresh_over_dash_http_and_outage(city_url, tmp_path):
    app = create_app(settings_for(city_url))
    response = call_callback(
        signed_in(app), app, output_key(app, ids.FUNDS_HEADER),
        {(ids.FUNDS_REFRESH, "n_intervals"): 1}, {(ids.URL, "search"): "?area=R01"},
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert [row["account_id"] for row in answer[ids.FUNDS_ACCOUNTS_GRID]["rowData"]] == ["A2", "A1"]
    down = create_app(settings_for(f"sqlite:///{tmp_path}/gone.sqlite"))
    response = call_callback(
        signed_in(down), down, output_key(down, ids.FUNDS_HEADER),
        {(ids.FUNDS_REFRESH, "n_intervals"): 1}, {(ids.URL, "search"): ""},
    )
    assert set(response.get_json()["response"]) == {ids.FUNDS_NOTICES}


def test_items_agree_on_every_dialect(dialect, tmp_path):
    url = fresh_database_url(dialect, "onescreen_fund_items", tmp_path)
    create_contract(url)
    insert_rows(url, ROWS)
    db = read_only_database(url)
    try:
        items = funds.fund_items(db, scope(), 4)
        assert items.rows["expense_id"].tolist() == ["E3", "E2", "E7", "E4"] and items.total == 5
        assert items.rows["amount"].tolist() == [4000, 1000, 200, 1000]
        assert items.rows.set_index("expense_id").loc["E4", "ticket_title"] == "井盖破损"
    finally:
        db.engine.dispose()
