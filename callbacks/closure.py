"""The closure view's data: the URL's scope -> indicators, the league table, breakdowns -> tiles and grids.

The tiles are `indicators.kpis` and the department and category tables
`indicators.kpis_by`, the functions behind /api/v1/kpis and
/api/v1/breakdown?by=; the league table (data_access.league) is built from
`kpis_by(..., "area")` too. A clicked league row drills into that area.
"""
from __future__ import annotations

from typing import NamedTuple

import dash
import pandas as pd
from dash import Input, Output, State, html

import i18n
from callbacks.parallel import ask
from callbacks.scoped_view import child_area_search, ready_refresh_answer, scoped_view, with_category_names
from components import ids
from components.grids import grid_rows
from components.kpi import kpi_tile
from data_access import indicators, league
from data_access.database import Database
from pages.closure import CLOSURE_INDICATORS

# The previous rank of an area that had no closure rate then: new in the table (the hover says so).
NEW_IN_TABLE = "—"


class ClosurePanels(NamedTuple):
    """Everything the view shows, in the order of the refresh callback's outputs."""

    header: list
    notices: list
    tiles: list
    league_rows: list[dict]
    league_note: str
    dept_rows: list[dict]
    category_rows: list[dict]


OUTPUTS = (
    Output(ids.CLOSURE_HEADER, "children"),
    Output(ids.CLOSURE_NOTICES, "children"),
    Output(ids.CLOSURE_TILES, "children"),
    Output(ids.CLOSURE_LEAGUE_GRID, "rowData"),
    Output(ids.CLOSURE_LEAGUE_NOTE, "children"),
    Output(ids.CLOSURE_BY_DEPT_GRID, "rowData"),
    Output(ids.CLOSURE_BY_CATEGORY_GRID, "rowData"),
)


def register(app: dash.Dash, db: Database) -> None:
    @app.callback(*OUTPUTS, Input(ids.CLOSURE_REFRESH, "n_intervals"), State(ids.URL, "search"))
    def refresh(_tick, search):
        return ready_refresh_answer(db, search, len(OUTPUTS),
                                    lambda: closure_panels(db, search, app.get_relative_path("/closure")), "closure")

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.CLOSURE_LEAGUE_GRID, "cellClicked"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def drill_down(cell, search):
        # The grid reports the clicked row's id, which is the area code (getRowId).
        return child_area_search(db, search, (cell or {}).get("rowId"))


def closure_panels(db: Database, search: str | None, page_path: str = "/closure") -> ClosurePanels:
    """The closure view for the URL query `search`; links it draws point to `page_path`."""
    view = scoped_view(db, search, page_path)
    scope, lang = view.scope, view.lang
    # Independent questions, asked at once (callbacks/parallel.py): a cold view waits for the slowest, not the sum.
    asked_league = ask(league.closure_league, db, scope)
    asked_depts = ask(indicators.kpis_by, db, scope, "dept")
    asked_categories = ask(indicators.kpis_by, db, scope, "category")
    kpis = indicators.kpis(db, scope)
    previous = scope.previous_period()
    return ClosurePanels(
        header=view.header,
        notices=view.notices,
        tiles=[html.Div([kpi_tile(name, kpis[name], lang, headline=True) for name in CLOSURE_INDICATORS],
                        className="kpi-row kpi-row--headline")],
        league_rows=league_rows(asked_league.result(), lang),
        league_note=i18n.t("closure.league.note", lang, count=league.BOARD_SIZE, start=previous.period_from,
                           end=previous.period_to),
        dept_rows=indicator_rows(asked_depts.result(), lang),
        category_rows=indicator_rows(with_category_names(db, asked_categories.result()), lang),
    )


def indicator_rows(frame: pd.DataFrame, lang: str) -> list[dict]:
    """A kpis_by frame as grid rows; a group with no code (tickets without a department) is named Unknown."""
    named = frame.assign(name=frame["name"].where(frame["key"].notna(), i18n.t("unknown", lang)))
    return grid_rows(named[["key", "name", *CLOSURE_INDICATORS]], _indicator_formats(lang))


def league_rows(frame: pd.DataFrame, lang: str) -> list[dict]:
    """The league as grid rows; an area unrated in the previous period shows "—", and the hover says why."""
    hint = i18n.t("closure.league.new_entry", lang)
    frame = frame.assign(previous_rank_hint=[hint if pd.isna(rank) else None for rank in frame["previous_rank"]])
    formats = {
        **_indicator_formats(lang),
        "rank": str,
        "previous_rank": lambda rank: NEW_IN_TABLE if rank is None else str(rank),
        "rank_change": _rank_change_text,
        "board": lambda board: i18n.t(f"closure.league.{board}", lang) if board else "",
    }
    return grid_rows(frame, formats)


def _indicator_formats(lang: str) -> dict:
    return {name: (lambda value, name=name: i18n.format_indicator(name, value, lang)) for name in CLOSURE_INDICATORS}


def _rank_change_text(change) -> str:
    """▲2 climbed two places, ▼1 fell one, – unchanged, nothing when not comparable."""
    if change is None:
        return ""
    if change > 0:
        return f"▲{change}"
    if change < 0:
        return f"▼{-change}"
    return "–"
