"""The overview's data: the URL's scope -> data_access indicators -> tiles and figures.

The tiles come from `indicators.kpis`, the very function behind the API's
numbers, so the wall and the API can never disagree; the map of child areas
is coloured from `indicators.kpis_by(..., "area")`, the area chart's numbers.
The refresh re-reads the URL each time, so it always asks about the scope on
screen.
"""
from __future__ import annotations

import logging
from typing import NamedTuple

import dash
from dash import Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from plotly.graph_objects import Figure

import i18n
from callbacks import requested_scope
from callbacks.area_map import geometry_update, register_drill_down
from callbacks.url import link, query_params
from components import figures, ids
from components.area_map import MAP_INDICATORS, indicator_choropleth, shapes_message
from components.charts import graph_style
from components.kpi import kpi_tiles
from components.scope_header import notices, scope_header
from components.shell import Link
from components.theme import theme_named
from data_access import DatabaseError, areas, indicators
from data_access.database import Database
from data_access.freshness import newest_data_at
from pages.overview import MAP_IDS

log = logging.getLogger(__name__)


class OverviewPanels(NamedTuple):
    """Everything the overview shows, in the order of the refresh callback's first outputs."""

    header: list
    notices: list
    tiles: list
    trend: Figure
    areas: Figure
    sources: Figure


PANEL_OUTPUTS = (
    Output(ids.OVERVIEW_HEADER, "children"),
    Output(ids.OVERVIEW_NOTICES, "children"),
    Output(ids.KPI_TILES, "children"),
    Output(ids.TREND_CHART, "figure"),
    Output(ids.AREA_CHART, "figure"),
    Output(ids.SOURCE_CHART, "figure"),
    Output(ids.AREA_CHART, "style"),
    Output(ids.SOURCE_CHART, "style"),
)


def register(app: dash.Dash, db: Database) -> None:
    @app.callback(*PANEL_OUTPUTS, Input(ids.OVERVIEW_REFRESH, "n_intervals"), State(ids.URL, "search"))
    def refresh(_tick, search):
        try:
            panels = overview_panels(db, search, app.get_relative_path("/"))
        except DatabaseError:
            # A wall must outlive a database restart: keep the last numbers, say why they are not moving.
            log.exception("overview refresh could not read the database")
            lang = i18n.language(query_params(search).get("lang"))
            outage = notices([i18n.t("notice.database_unavailable", lang)])
            return no_update, outage, *([no_update] * (len(PANEL_OUTPUTS) - 2))
        return *panels, graph_style(panels.areas), graph_style(panels.sources)

    @app.callback(
        Output(ids.URL, "search"),
        Input(ids.AREA_CHART, "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def drill_down(click, search):
        return drill_down_search(click, search)

    @app.callback(
        Output(MAP_IDS.areas, "data"),
        Output(MAP_IDS.tiles, "children"),
        Output(MAP_IDS.map, "viewport"),
        Output(MAP_IDS.loaded, "data"),
        Output(MAP_IDS.areas, "hideout"),
        Output(MAP_IDS.legend, "children"),
        Output(MAP_IDS.message, "children"),
        Input(ids.OVERVIEW_REFRESH, "n_intervals"),
        Input(ids.OVERVIEW_MAP_INDICATOR, "value"),
        State(ids.URL, "search"),
        State(MAP_IDS.loaded, "data"),
    )
    def refresh_map(_tick, indicator, search, loaded):
        try:
            return overview_map(db, search, indicator, loaded)
        except DatabaseError:
            log.exception("overview map could not read the database")  # the panels' refresh says so on screen
            return (no_update,) * 7

    register_drill_down(app, db, MAP_IDS.areas, ids.URL)


def overview_map(db: Database, search: str | None, indicator, loaded: str | None) -> tuple:
    """The map's outputs: the geometry (only when the page does not hold it), then colours, legend, message.

    `indicator` comes from the browser: anything but one of MAP_INDICATORS
    colours by the first.
    """
    params = query_params(search)
    lang = i18n.language(params.get("lang"))
    scope = requested_scope.resolve(db, params).scope
    base = geometry_update(db, scope, loaded)
    indicator = indicator if indicator in MAP_INDICATORS else MAP_INDICATORS[0]
    hideout, legend = indicator_choropleth(
        base.shapes, indicators.kpis_by(db, scope, "area"), indicator, lang, theme_named(params.get("theme")),
        drillable=base.drillable,
    )
    return base.data, base.tiles, base.viewport, base.loaded, hideout, legend, shapes_message(base.shapes, lang)


def overview_panels(db: Database, search: str | None, page_path: str = "/") -> OverviewPanels:
    """The overview for the URL query `search`; links it draws point to `page_path`."""
    params = query_params(search)
    lang = i18n.language(params.get("lang"))
    theme = theme_named(params.get("theme"))
    requested = requested_scope.resolve(db, params)
    scope = requested.scope
    # Links keep what the user asked for, minus what could not be used.
    kept = {name: value for name, value in params.items() if name not in {p.param for p in requested.problems}}
    breadcrumb = [
        Link(link(page_path, kept, area=area.code), area.name, area.code == scope.area_code)
        for area in areas.area_path(db, scope.area_code)
    ]
    header = scope_header(
        area_name=requested_scope.area_title(requested.area, lang),
        level_label=requested_scope.level_label(requested.area, lang),
        breadcrumb=breadcrumb,
        breadcrumb_label=i18n.t("overview.breadcrumb", lang),
        period=i18n.t("overview.period", lang, start=scope.period_from, end=scope.period_to),
        as_of=i18n.t("overview.as_of", lang, moment=i18n.format_moment(scope.as_of, lang)),
        newest=i18n.t("overview.newest", lang, moment=i18n.format_moment(newest_data_at(db, scope), lang)),
        history_label=None if scope.live else i18n.t("overview.as_of.history", lang),
        filters=_filter_texts(scope, lang),
    )
    return OverviewPanels(
        header=header,
        notices=notices(requested_scope.notice_texts(requested, lang)),
        tiles=kpi_tiles(indicators.kpis(db, scope), lang),
        trend=figures.ticket_trend(
            indicators.kpis_by(db, scope, "day"), scope.period_from, scope.period_to, lang, theme
        ),
        areas=figures.closure_rate_by_area(indicators.kpis_by(db, scope, "area"), scope.area_code, lang, theme),
        sources=figures.backlog_by_source(indicators.backlog_by(db, scope, "source"), lang, theme),
    )


def drill_down_search(click: dict | None, search: str | None) -> str:
    """The URL query that shows the clicked area (the bar's customdata carries its code)."""
    points = (click or {}).get("points") or []
    if not points or not points[0].get("customdata"):
        raise PreventUpdate
    params = query_params(search)
    code = points[0]["customdata"][0]
    if code == params.get("area"):
        raise PreventUpdate
    return link("", params, area=code)


def _filter_texts(scope, lang: str) -> list[str]:
    filters = []
    if scope.sources:
        separator = i18n.t("list.separator", lang)
        filters.append(("source", separator.join(i18n.code_label("source", s, lang) for s in scope.sources)))
    if scope.category_code:
        filters.append(("category", scope.category_code))
    if scope.dept_code:
        filters.append(("dept", scope.dept_code))
    return [
        i18n.t("overview.filter", lang, name=i18n.t(f"overview.filter.{name}", lang), values=values)
        for name, values in filters
    ]
