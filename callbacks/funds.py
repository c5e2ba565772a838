"""The micro-fund view's data: the URL's scope -> data_access.funds -> tiles, grids and the spend chart.

Every amount comes from data_access/funds.py (fund_totals, fund_by_account,
spend_by_kind, fund_items), whose definitions the tiles show on hover. An
account burning its budget faster than the year goes by is highlighted, one
over its budget marked red and named in a warning above the tiles; a
clicked account drills into the child area it lies in.
"""
from __future__ import annotations

from typing import NamedTuple

import dash
import pandas as pd
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate
from plotly.graph_objects import Figure

import i18n
from callbacks import requested_scope
from callbacks.scoped_view import child_area_search, ready_refresh_answer, scoped_view
from callbacks.url import query_params
from components import ids
from components.grids import grid_rows
from components.kpi import tile
from components.wall_figures import spend_by_kind
from data_access import areas, funds
from data_access.database import Database
from pages.funds import ACCOUNT_FIGURES


TILES = ("budget", "spent", "pending", "burn_rate", "year_elapsed")
# A city has thousands of workstation accounts: the grid gets the ACCOUNT_ROWS burning
# fastest (the ones a director must look at) and says how many there are in all.
ACCOUNT_ROWS = 500
ITEM_FIELDS = ("expense_id", "spent_at", "item", "kind", "amount", "approval", "area_name", "ticket_id",
               "ticket_title", "ticket_status", "ticket_closed_at")
_SHARES = ("burn_rate", "year_elapsed")
# The over-budget warning names this many accounts, the most overspent first, and counts the rest.
OVER_BUDGET_NAMES = 10


class FundPanels(NamedTuple):
    """Everything the view shows, in the order of the refresh callback's outputs."""

    header: list
    notices: list
    tiles: list
    accounts_rows: list[dict]
    accounts_note: str
    by_kind: Figure
    items_rows: list[dict]
    items_count: str


OUTPUTS = (
    Output(ids.FUNDS_HEADER, "children"),
    Output(ids.FUNDS_NOTICES, "children"),
    Output(ids.FUNDS_TILES, "children"),
    Output(ids.FUNDS_ACCOUNTS_GRID, "rowData"),
    Output(ids.FUNDS_ACCOUNTS_NOTE, "children"),
    Output(ids.FUNDS_BY_KIND, "figure"),
    Output(ids.FUNDS_ITEMS_GRID, "rowData"),
    Output(ids.FUNDS_ITEMS_COUNT, "children"),
)


def register(app: dash.Dash, db: Database) -> None:
    @app.callback(*OUTPUTS, Input(ids.FUNDS_REFRESH, "n_intervals"), State(ids.URL, "search"))
    def refresh(_tick, search):
        return ready_refresh_answer(db, search, len(OUTPUTS),
                                    lambda: fund_panels(db, search, app.get_relative_path("/funds")), "funds")

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.FUNDS_ACCOUNTS_GRID, "cellClicked"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def drill_down(cell, search):
        return account_area_search(db, search, (cell or {}).get("rowId"))


def fund_panels(db: Database, search: str | None, page_path: str = "/funds") -> FundPanels:
    """The funds view for the URL query `search`; links it draws point to `page_path`."""
    view = scoped_view(db, search, page_path)
    scope, lang = view.scope, view.lang
    year = scope.as_of.year
    totals = funds.fund_totals(db, scope)
    accounts = funds.fund_by_account(db, scope)
    items = funds.fund_items(db, scope)
    return FundPanels(
        header=view.header,
        notices=view.notices + over_budget_notices(accounts, lang),
        tiles=_tiles(totals, has_accounts=not accounts.empty, year=year, lang=lang),
        accounts_rows=account_rows(accounts, lang),
        accounts_note=_accounts_note(accounts, totals["year_elapsed"], lang),
        by_kind=spend_by_kind(funds.spend_by_kind(db, scope), lang, view.theme),
        items_rows=item_rows(items.rows, lang),
        items_count=" ".join((
            i18n.t("funds.items.note", lang, year=year),
            i18n.t("funds.items.showing", lang, shown=i18n.format_count(len(items.rows), lang),
                   total=i18n.format_count(items.total, lang)),
        )),
    )


def account_area_search(db: Database, search: str | None, account_id) -> str:
    """The URL query narrowing the scope to the child area that holds the clicked account.

    The account must be one the view lists for the URL's scope; its unit may
    lie several levels down (a workstation under a district), so the drill
    goes one level: to the child of the current area whose code it starts with.
    """
    if not isinstance(account_id, str):
        raise PreventUpdate
    scope = requested_scope.resolve(db, query_params(search)).scope
    accounts = funds.fund_by_account(db, scope)
    area_code = accounts.loc[accounts["account_id"] == account_id, "area_code"]
    if area_code.empty:
        raise PreventUpdate
    child = next((a.code for a in areas.child_areas_in_scope(db, scope) if area_code.iloc[0].startswith(a.code)),
                 None)
    return child_area_search(db, search, child)


def account_rows(accounts: pd.DataFrame, lang: str) -> list[dict]:
    """The ACCOUNT_ROWS accounts burning fastest (those without a budget last), each marked when ahead of
    the year and when over its budget."""
    frame = accounts.assign(
        burning_fast=accounts["burn_rate"] > accounts["year_elapsed"], over_budget=_over_budget(accounts)
    ).sort_values(["burn_rate", "area_code"], ascending=[False, True], na_position="last")
    shown = frame.head(ACCOUNT_ROWS)[["account_id", "area_name", *ACCOUNT_FIGURES, "burning_fast", "over_budget"]]
    return grid_rows(shown, {name: _format(name, lang) for name in ACCOUNT_FIGURES})


def _over_budget(accounts: pd.DataFrame) -> pd.Series:
    """Over budget (超出年度预算): burn rate above 1, i.e. spent more than a budget there is (n/a without one)."""
    return accounts["burn_rate"] > 1


def over_budget_notices(accounts: pd.DataFrame, lang: str) -> list:
    """A warning naming the accounts over their year's budget (the first OVER_BUDGET_NAMES), or nothing."""
    over = accounts[_over_budget(accounts)].sort_values(["burn_rate", "area_code"], ascending=[False, True])
    if over.empty:
        return []
    names = "、".join(over["area_name"].fillna(over["area_code"]).head(OVER_BUDGET_NAMES))
    if len(over) > OVER_BUDGET_NAMES:
        names += i18n.t("funds.over_budget.more", lang, count=i18n.format_count(len(over) - OVER_BUDGET_NAMES, lang))
    text = i18n.t("funds.over_budget.notice", lang, count=i18n.format_count(len(over), lang), names=names)
    return [html.Div(text, className="notice notice--alert", role="alert",
                     title=i18n.t("funds.definition.over_budget", lang))]


def _accounts_note(accounts: pd.DataFrame, year_elapsed: float, lang: str) -> str:
    note = i18n.t("funds.accounts.note", lang, elapsed=i18n.format_rate(year_elapsed, lang))
    if len(accounts) > ACCOUNT_ROWS:
        note += " " + i18n.t("funds.accounts.showing", lang, shown=i18n.format_count(ACCOUNT_ROWS, lang),
                             total=i18n.format_count(len(accounts), lang))
    return note


def item_rows(items: pd.DataFrame, lang: str) -> list[dict]:
    return grid_rows(
        items[list(ITEM_FIELDS)],
        {"amount": _format("amount", lang)},
        labels={
            "kind": lambda kind: i18n.code_label("wall.fund_kind", kind, lang),
            "approval": lambda approval: i18n.code_label("funds.approval", approval, lang),
            "ticket_status": lambda status: i18n.code_label("status", status, lang) if status else None,
        },
    )


def _tiles(totals: dict, *, has_accounts: bool, year: int, lang: str) -> list:
    """Budget, spent, pending, burn rate and the share of the year gone, each with its definition on hover.

    With no account in scope the amounts are n/a rather than 0: there is no
    fund to have spent from, which is not the same as an unspent one.
    """
    tiles = []
    for name in TILES:
        value = totals[name] if has_accounts or name == "year_elapsed" else None
        definition = i18n.t(f"funds.definition.{name}", lang)
        if value is not None and name not in _SHARES:
            definition += "\n" + i18n.t("funds.exact", lang, value=f"{value:,.2f}")
        burning_fast = name == "burn_rate" and value is not None and value > totals["year_elapsed"]
        tiles.append(tile(name, i18n.t(f"funds.{name}", lang), _format(name, lang)(value), definition,
                          headline=True, missing=value is None, alert=burning_fast))
    return [
        html.H2(i18n.t("funds.kpis", lang, year=year), className="kpi-caption"),
        html.Div(tiles, className="kpi-row kpi-row--headline"),
    ]


def _format(name: str, lang: str):
    """How a fund figure reads: shares as 93.4%, counts as they are, yuan in whole yuan (2.16万 in Chinese)."""
    if name in _SHARES:
        return lambda value: i18n.format_rate(value, lang)
    return lambda value: i18n.format_count(None if value is None else round(value), lang)
