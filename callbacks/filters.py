"""The filter bar's wiring: the URL fills the bar, the bar rewrites the URL.

The URL stays the only state: the bar is drawn from it each time the router
draws a frame, and a change in the bar becomes a new URL (pushed to the
browser's history), which the router and the view then follow. Values from
the browser are checked here before they reach a link; the scope parser
checks them again when the view reads the URL.
"""
from __future__ import annotations

import re
from datetime import date

import dash
from dash import Input, Output, State, no_update

import i18n
from callbacks import requested_scope
from callbacks.url import link, query_params
from components import ids
from components.filter_bar import FilterLabels, FilterOptions, FilterValues, filter_bar
from data_access import DatabaseError, reference
from data_access.contract import TICKET_SOURCES
from data_access.database import Database

_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
_SOURCE = re.compile(r"^[a-z0-9_]{1,32}$")
FILTER_PARAMS = ("from", "to", "source", "category", "dept")


def register(app: dash.Dash, db: Database) -> None:
    # Fired by the bar's container appearing: the router draws a new frame
    # for every URL, so the bar is always drawn from the URL on screen.
    @app.callback(Output(ids.FILTER_BAR, "children"), Input(ids.FILTER_BAR, "id"), State(ids.URL, "search"),
                  State(ids.URL, "pathname"))
    def draw(_container, search, pathname):
        return draw_filter_bar(db, query_params(search), pathname or app.get_relative_path("/"))

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.FILTER_PERIOD, "start_date"),
        Input(ids.FILTER_PERIOD, "end_date"),
        Input(ids.FILTER_SOURCE, "value"),
        Input(ids.FILTER_CATEGORY, "value"),
        Input(ids.FILTER_DEPT, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def apply(start, end, sources, category, dept, search):
        params = query_params(search)
        changed = filtered_params(params, start, end, sources, category, dept)
        if changed == params:
            return no_update
        return link("", changed)


def filtered_params(params: dict[str, str], start, end, sources, category, dept) -> dict[str, str]:
    """The URL parameters with the bar's values in place of the filter ones; unusable values are left out."""
    kept = {k: v for k, v in params.items() if k not in FILTER_PARAMS}
    chosen = {
        "from": _date_text(start),
        "to": _date_text(end),
        "source": ",".join(sorted({s for s in (sources or []) if isinstance(s, str) and _SOURCE.match(s)})),
        "category": category if isinstance(category, str) and _CODE.match(category) else None,
        "dept": dept if isinstance(dept, str) and _CODE.match(dept) else None,
    }
    return {**kept, **{k: v for k, v in chosen.items() if v}}


def _date_text(value) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def draw_filter_bar(db: Database, params: dict[str, str], path: str) -> list:
    lang = i18n.language(params.get("lang"))
    scope = requested_scope.resolve(db, params).scope
    try:
        departments = reference.departments(db)
        categories = reference.categories(db)
    except DatabaseError:  # the view says the database is down; the bar still filters by period and source
        departments, categories = [], []
    sources = list(TICKET_SOURCES) + [s for s in scope.sources if s not in TICKET_SOURCES]
    options = FilterOptions(
        sources=[{"label": i18n.code_label("source", s, lang), "value": s} for s in sources],
        # Indented by level, in code order, so the tree reads as a tree in a flat list.
        categories=[{"label": "\u3000" * (level - 1) + name, "value": code} for code, name, level in categories],
        departments=[{"label": name, "value": code} for code, name in departments],
    )
    values = FilterValues(
        period_from=scope.period_from.isoformat(),
        period_to=scope.period_to.isoformat(),
        sources=list(scope.sources),
        category=scope.category_code,
        dept=scope.dept_code,
    )
    labels = FilterLabels(*(i18n.t(f"filter.{key}", lang) for key in FilterLabels._fields))
    reset = link(path, {k: v for k, v in params.items() if k not in FILTER_PARAMS})
    return filter_bar(values, options, labels, reset)
