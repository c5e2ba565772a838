"""The tickets view's data: the URL's scope -> backlog breakdowns and ticket lists -> tiles, figures and grids.

The backlog numbers come from `indicators.kpis` and `indicators.backlog_by`,
the functions behind /api/v1/kpis and /api/v1/backlog?by=, so this view, the
overview and the API cannot disagree. The lists come from
`data_access.ticket_lists`, bounded, phones already masked or whole as the principal may see them.
"""
from __future__ import annotations

from typing import NamedTuple

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from plotly.graph_objects import Figure

import i18n
from callbacks import requested_scope
from callbacks.parallel import ask
from callbacks.scoped_view import (
    child_area_search, clicked_key, ready_refresh_answer, scoped_view, with_category_names,
)
from callbacks.url import link, query_params
from components import figures, ids
from components.charts import graph_style
from components.grids import grid_rows
from components.kpi import kpi_tile, tile
from components.theme import Theme
from data_access import indicators, reference, ticket_lists
from data_access.contract import TICKET_STATUSES
from data_access.database import Database
from data_access.scope import Scope


# The breakdowns drawn, each with its graph; the order is the layout's.
BREAKDOWNS = (
    ("area", ids.TICKETS_BY_AREA),
    ("category", ids.TICKETS_BY_CATEGORY),
    ("age", ids.TICKETS_BY_AGE),
    ("status", ids.TICKETS_BY_STATUS),
    ("source", ids.TICKETS_BY_SOURCE),
    ("dept", ids.TICKETS_BY_DEPT),
)


class TicketPanels(NamedTuple):
    """Everything the view shows, in the order of the refresh callback's outputs (figure styles follow)."""

    header: list
    notices: list
    tiles: list
    category_path: list
    figures: tuple[Figure, ...]  # in BREAKDOWNS order
    overdue_rows: list[dict]
    overdue_count: str
    near_overdue_rows: list[dict]
    near_overdue_count: str


OUTPUTS = (
    Output(ids.TICKETS_HEADER, "children"),
    Output(ids.TICKETS_NOTICES, "children"),
    Output(ids.TICKETS_TILES, "children"),
    Output(ids.TICKETS_CATEGORY_PATH, "children"),
    *[Output(graph, "figure") for _, graph in BREAKDOWNS],
    Output(ids.TICKETS_OVERDUE_GRID, "rowData"),
    Output(ids.TICKETS_OVERDUE_COUNT, "children"),
    Output(ids.TICKETS_NEAR_OVERDUE_GRID, "rowData"),
    Output(ids.TICKETS_NEAR_OVERDUE_COUNT, "children"),
    *[Output(graph, "style") for _, graph in BREAKDOWNS],
)


def register(app: dash.Dash, db: Database) -> None:
    @app.callback(*OUTPUTS, Input(ids.TICKETS_REFRESH, "n_intervals"), State(ids.URL, "search"))
    def refresh(_tick, search):
        return ready_refresh_answer(db, search, len(OUTPUTS), lambda: ticket_outputs(
            ticket_panels(db, search, app.get_relative_path("/tickets"))), "tickets")

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.TICKETS_BY_AREA, "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def drill_into_area(click, search):
        return child_area_search(db, search, clicked_key(click))

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.TICKETS_BY_CATEGORY, "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def drill_into_category(click, search):
        return subcategory_search(db, search, clicked_key(click))


def ticket_outputs(panels: TicketPanels) -> tuple:
    """The refresh callback's outputs, in the order of OUTPUTS: the panels, then each figure's style."""
    return (
        panels.header, panels.notices, panels.tiles, panels.category_path, *panels.figures,
        panels.overdue_rows, panels.overdue_count, panels.near_overdue_rows, panels.near_overdue_count,
        *[graph_style(figure) for figure in panels.figures],
    )


def ticket_panels(db: Database, search: str | None, page_path: str = "/tickets") -> TicketPanels:
    """The tickets view for the URL query `search`; links it draws point to `page_path`."""
    view = scoped_view(db, search, page_path)
    scope, lang, theme = view.scope, view.lang, view.theme
    # Independent questions, asked at once (callbacks/parallel.py): a cold view waits for the slowest, not the sum.
    asked_backlog = {dimension: ask(indicators.backlog_by, db, scope, dimension) for dimension, _ in BREAKDOWNS}
    asked_kpis = ask(indicators.kpis, db, scope)
    asked_overdue = ask(ticket_lists.overdue_tickets, db, scope)
    near_overdue = ticket_lists.near_overdue_tickets(db, scope)
    backlog = {dimension: asked.result() for dimension, asked in asked_backlog.items()}
    backlog["category"] = with_category_names(db, backlog["category"])
    overdue = asked_overdue.result()
    return TicketPanels(
        header=view.header,
        notices=view.notices,
        tiles=_tiles(asked_kpis.result(), near_overdue.total, lang),
        category_path=_category_path(db, scope, view.kept, page_path, lang),
        figures=tuple(
            _backlog_figure(dimension, backlog[dimension], scope, lang, theme) for dimension, _ in BREAKDOWNS
        ),
        overdue_rows=_list_rows(overdue.rows, lang),
        overdue_count=_showing(overdue, lang),
        near_overdue_rows=_list_rows(near_overdue.rows, lang),
        near_overdue_count=" ".join((
            i18n.t("tickets.near_overdue.note", lang, hours=ticket_lists.NEAR_OVERDUE_HOURS),
            _showing(near_overdue, lang),
        )),
    )


def subcategory_search(db: Database, search: str | None, code) -> str:
    """The URL query narrowing `category` to the clicked class, other parameters kept.

    Trusted only if `code` is a known category under the one the URL shows
    (category codes are hierarchical, like area codes), and not that one itself.
    """
    params = query_params(search)
    current = requested_scope.resolve(db, params).scope.category_code
    known = {category_code for category_code, _, _ in reference.categories(db)}
    if not isinstance(code, str) or code not in known or code == current or not code.startswith(current or ""):
        raise PreventUpdate
    return link("", params, category=code)


def _tiles(kpis: dict, near_overdue: int, lang: str) -> list:
    definition = i18n.t("tickets.definition.near_overdue", lang, hours=ticket_lists.NEAR_OVERDUE_HOURS)
    if i18n.is_abbreviated("near_overdue", near_overdue, lang):
        definition += f"\n{i18n.t('overview.exact', lang)}: {near_overdue:,}"
    return [
        html.Div(
            [
                kpi_tile("backlog", kpis["backlog"], lang, headline=True),
                kpi_tile("overdue", kpis["overdue"], lang, headline=True),
                tile("near_overdue", i18n.t("tickets.near_overdue", lang), i18n.format_count(near_overdue, lang),
                     definition, headline=True, missing=False, alert=False),
            ],
            className="kpi-row kpi-row--headline",
        )
    ]


def _backlog_figure(dimension: str, frame: pd.DataFrame, scope: Scope, lang: str, theme: Theme) -> Figure:
    """One backlog breakdown as stacked bars, labelled for its dimension."""
    if dimension == "source":
        return figures.backlog_by_source(frame, lang, theme)
    if dimension == "age":
        labels = [i18n.code_label("age", key, lang) for key in frame["key"]]
        return figures.backlog_stack(frame, labels, lang, theme, ordered=True)
    if dimension == "status":
        lifecycle = {status: i for i, status in enumerate(TICKET_STATUSES)}
        frame = frame.sort_values("key", key=lambda keys: keys.map(lifecycle).fillna(len(lifecycle)),
                                  ignore_index=True)
        labels = [i18n.code_label("status", key, lang) for key in frame["key"]]
        return figures.backlog_stack(frame, labels, lang, theme, ordered=True)
    labels = [
        i18n.t("chart.areas.itself", lang) if dimension == "area" and key == scope.area_code
        else i18n.t("unknown", lang) if pd.isna(key)
        else name
        for key, name in zip(frame["key"], frame["name"])
    ]
    # Departments run to twenty or more: the largest that fit, so the card keeps its axis in view.
    rows = figures.ROWS_THAT_FIT if dimension == "dept" else None
    return figures.backlog_stack(frame, labels, lang, theme, rows=rows)


def _category_path(db: Database, scope: Scope, kept: dict[str, str], page_path: str, lang: str) -> list:
    """Links up the category tree from the chosen class: 全部大类 › 市容环境 › 暴露垃圾."""
    if not scope.category_code:
        return []
    names = {code: name for code, name, _ in reference.categories(db)}
    chosen = scope.category_code
    # Category codes are hierarchical: the classes above are the prefixes that are categories.
    above = [chosen[:n] for n in range(1, len(chosen)) if chosen[:n] in names]
    # A subclass may repeat its class's name (暴露垃圾 under 暴露垃圾): the name is shown once, for the deeper class.
    chain = [None, *(code for code, below in zip(above, [*above[1:], chosen]) if names[code] != names.get(below)),
             chosen]
    crumbs = []
    for category in chain:
        if crumbs:
            crumbs.append(html.Span("›", className="crumbs__sep", **{"aria-hidden": "true"}))
        label = names.get(category, category) if category else i18n.t("tickets.category.all", lang)
        if category == scope.category_code:
            crumbs.append(html.Span(label, className="crumbs__here", **{"aria-current": "page"}))
        else:
            crumbs.append(dcc.Link(label, href=link(page_path, kept, category=category), className="crumbs__link"))
    return crumbs


def _list_rows(rows, lang: str) -> list[dict]:
    hours = "hours_overdue" if "hours_overdue" in rows.columns else "hours_left"
    return grid_rows(
        rows,
        {
            hours: lambda value: i18n.format_duration(value, lang),
            "urgent": lambda urgent: i18n.t("tickets.urgent", lang) if urgent else "",
        },
        labels={
            "source": lambda code: i18n.code_label("source", code, lang),
            "status": lambda code: i18n.code_label("status", code, lang),
        },
    )


def _showing(ticket_list: ticket_lists.TicketList, lang: str) -> str:
    return i18n.t(
        "tickets.list.showing", lang,
        shown=i18n.format_count(len(ticket_list.rows), lang), total=i18n.format_count(ticket_list.total, lang),
    )
