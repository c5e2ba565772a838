"""The overview's data: the URL's scope -> data_access indicators -> tiles and figures.

The tiles come from `indicators.kpis`, the very function behind the API's
numbers, so the wall and the API can never disagree; the map of child areas
is coloured from `indicators.kpis_by(..., "area")`, the area chart's numbers.
The refresh re-reads the URL each time, so it always asks about the scope on
screen. Its panels are served ready-made (callbacks/ready_made.py) to every
screen asking alike, as the wall's are, and the background refresher
(callbacks/refresher.py) rebuilds those recently asked each data window, so
an overview left open on a screen refreshes from the cache; without the
database it shows the last good answer with its age, or keeps its numbers.
"""
from __future__ import annotations

import logging
from typing import NamedTuple

import dash
from dash import Input, Output, State, no_update
from plotly.graph_objects import Figure

import i18n
from callbacks import requested_scope
from callbacks.ready_made import ready_made
from callbacks.requested_scope import RequestedScope
from callbacks.scoped_view import (
    ScopedView, child_area_search, clicked_key, refresh_answer, resolved_view, scoped_view,
)
from callbacks.area_map import geometry_update, register_drill_down
from callbacks.url import query_params
from components import figures, ids
from components.area_map import (
    MAP_INDICATORS, indicator_choropleth, indicator_table, nothing_to_draw, shapes_message,
)
from components.charts import graph_style
from components.kpi import kpi_tiles
from components.theme import theme_named
from data_access import DatabaseError, indicators
from data_access.database import Database
from data_access.scope import SCOPE_PARAMETERS
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
# The URL parameters the panels depend on.
ASKED_PARAMETERS = (*SCOPE_PARAMETERS, "lang", "theme")


class OverviewAsk(NamedTuple):
    """One overview's question, the principal already applied; the refresher replays it without the principal."""

    params: dict[str, str]  # the URL's ASKED_PARAMETERS
    requested: RequestedScope
    page_path: str  # where the breadcrumb's links point

    def record(self) -> tuple:
        """As codec data, for the cache's registry of asked overviews: the same in every data window."""
        return (*requested_scope.asked_record(self.params, self.requested), self.page_path)

    @classmethod
    def replayed(cls, db: Database, record: tuple) -> "OverviewAsk":
        *asked, page_path = record
        return cls(*requested_scope.replay_asked(db, tuple(asked)), page_path)


def register(app: dash.Dash, db: Database) -> None:
    refresher = app.server.extensions["onescreen.refresher"]
    # Overviews asked within the registry's lifetime (data_access.cache.ASKED_SECONDS), per city database.
    asked_overviews = f"overviews:{db.cache_namespace}"
    refresher.keep(asked_overviews, lambda record: ready_overview(db, OverviewAsk.replayed(db, record)))

    @app.callback(*PANEL_OUTPUTS, Input(ids.OVERVIEW_REFRESH, "n_intervals"), State(ids.URL, "search"))
    def refresh(_tick, search):
        refresher.start()  # in the serving process, so after gunicorn forked

        def build():
            ask = overview_ask(db, search, app.get_relative_path("/"))
            db.cache.remember(asked_overviews, ask.record())
            return ready_overview(db, ask)

        # A wall must outlive a database restart: the last good answer with its age, or the last numbers kept.
        return refresh_answer(search, len(PANEL_OUTPUTS), build, "overview")

    @app.callback(
        Output(ids.URL, "search"),
        Input(ids.AREA_CHART, "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def drill_down(click, search):
        return drill_down_search(db, click, search)

    @app.callback(
        Output(MAP_IDS.areas, "data"),
        Output(MAP_IDS.tiles, "children"),
        Output(MAP_IDS.map, "viewport"),
        Output(MAP_IDS.loaded, "data"),
        Output(MAP_IDS.areas, "hideout"),
        Output(MAP_IDS.legend, "children"),
        Output(MAP_IDS.message, "children"),
        Output(MAP_IDS.map, "style"),
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
            return (no_update,) * 8

    register_drill_down(app, db, MAP_IDS.areas, ids.URL)


def overview_map(db: Database, search: str | None, indicator, loaded: str | None) -> tuple:
    """The map's outputs: the geometry (only when the page does not hold it), then colours, legend, message,
    and the map's style.

    `indicator` comes from the browser: anything but one of MAP_INDICATORS
    colours by the first. When no area can be drawn, the map is hidden and
    the message holds the table of the numbers it would have shown.
    """
    params = query_params(search)
    lang = i18n.language(params.get("lang"))
    scope = requested_scope.resolve(db, params).scope
    base = geometry_update(db, scope, loaded)
    indicator = indicator if indicator in MAP_INDICATORS else MAP_INDICATORS[0]
    by_area = indicators.kpis_by(db, scope, "area")
    hideout, legend = indicator_choropleth(
        base.shapes, by_area, indicator, lang, theme_named(params.get("theme")), drillable=base.drillable,
    )
    message = shapes_message(base.shapes, lang)
    if nothing_to_draw(base.shapes):
        return (base.data, base.tiles, base.viewport, base.loaded, hideout, [],
                indicator_table(base.shapes, by_area, message, lang), {"display": "none"})
    return base.data, base.tiles, base.viewport, base.loaded, hideout, legend, message, {}


def overview_ask(db: Database, search: str | None, page_path: str) -> OverviewAsk:
    params = query_params(search)
    asked = {name: value for name, value in params.items() if name in ASKED_PARAMETERS}
    return OverviewAsk(asked, requested_scope.resolve(db, params), page_path)


def ready_overview(db: Database, ask: OverviewAsk) -> list:
    """The refresh's PANEL_OUTPUTS for `ask`, built once per scope, display and data window across the cluster.

    The breadcrumb links only the areas the principal may open, so the principal's narrowing is part of the key
    even where the scope's own key would share the answer."""
    scope = ask.requested.scope
    shown_as = (sorted(ask.params.items()), [tuple(p) for p in ask.requested.problems],
                list(requested_scope.Narrowing.of(scope)), ask.page_path)

    def build() -> list:
        panels = _panels(db, resolved_view(db, ask.params, ask.requested, ask.page_path))
        return [*panels, graph_style(panels.areas), graph_style(panels.sources)]

    return ready_made(db, "overview", scope, shown_as, build)


def overview_panels(db: Database, search: str | None, page_path: str = "/") -> OverviewPanels:
    """The overview for the URL query `search`, built anew; links it draws point to `page_path`."""
    return _panels(db, scoped_view(db, search, page_path))


def _panels(db: Database, view: ScopedView) -> OverviewPanels:
    scope, lang, theme = view.scope, view.lang, view.theme
    return OverviewPanels(
        header=view.header,
        notices=view.notices,
        tiles=kpi_tiles(indicators.kpis(db, scope), lang),
        trend=figures.ticket_trend(
            indicators.kpis_by(db, scope, "day"), scope.period_from, scope.period_to, lang, theme
        ),
        areas=figures.lowest_closure_rates(indicators.kpis_by(db, scope, "area"), scope.area_code, lang, theme,
                                           rows=figures.ROWS_THAT_FIT),
        sources=figures.backlog_by_source(indicators.backlog_by(db, scope, "source"), lang, theme),
    )


def drill_down_search(db: Database, click: dict | None, search: str | None) -> str:
    """The URL query that shows the clicked area bar (its customdata starts with the area's code).

    Only a child of the area on screen is accepted (scoped_view.child_area_search):
    a hand-made request cannot jump anywhere else.
    """
    key = clicked_key(click)
    return child_area_search(db, search, key[0] if isinstance(key, list) and key else None)
