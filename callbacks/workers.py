"""The grid-workers view's data: the URL's scope -> data_access.workers -> map layers, tiles, chart, list.

A city holds far more workers than a map can send or show: Chengdu has
160,000. When more than POINT_LIMIT active workers are in scope, the map
gets one dot per child area at its centre, sized by its workers
(workers_by_area, aggregated in the database); only a scope of at most
POINT_LIMIT workers (a street or below in Chengdu, about 600 workers) sends
each worker's last position. So the point set is bounded at any scale:
Chengdu's city-wide refresh (twenty district outlines, twenty dots, the
lists) measured 129 KB, a street of 1,500 Gusu workers 309 KB.

At city scale each of the view's three questions (states per area,
patrol coverage, the unpatrolled list) is a pass over 100,000 workers or
grids; they are independent, so they are asked at once on separate
connections (callbacks/parallel.py), and the view waits for the slowest instead of the sum.

A chosen worker (from the list or a clicked dot) is untrusted input: the id
must be a short string and the worker must be in the scope
(workers.worker_in_scope) before a track is drawn; the gate also returns
an empty track for anyone outside it. Who a worker is and where one went are
personal data, decided in data_access (data_access.masking): without the
principal's personal_data the dots come without names or ids, nobody can be
chosen, and a track asked for anyway is a line saying it needs that permission.
"""
from __future__ import annotations

import logging
from typing import NamedTuple

import dash
import pandas as pd
from dash import Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate
from plotly.graph_objects import Figure

from callbacks import requested_scope
from callbacks.area_map import clicked_code, geometry_update, holds_geometry, register_drill_down
from callbacks.parallel import ask
from callbacks.scoped_view import child_area_search, ready_refresh_answer, scoped_view
from callbacks.url import query_params
from components import ids
from components.area_map import (
    aggregate_legend,
    coverage_choropleth,
    legend_sections,
    shapes_message,
    state_legend,
    track_layer,
    worker_aggregates,
    worker_hideout,
    worker_points,
)
from components.grids import grid_rows
from components.kpi import tile
from components.theme import theme_named
from components.wall_figures import workers_by_area as workers_by_area_figure
from data_access import DatabaseError, geo, workers
from data_access.masking import PersonalDataRequired, identified
from data_access.database import Database
from i18n import format_count, format_moment, language, t
from pages.workers import MAP_IDS

log = logging.getLogger(__name__)
# Most workers whose own positions a map is sent; more, and it gets per-area counts.
POINT_LIMIT = 3000
# Most unpatrolled grids listed by name; the count is always complete.
UNPATROLLED_LISTED = 200
WORKER_ID_MAX = 40


class WorkersPanels(NamedTuple):
    """Everything the refresh draws, in the order of OUTPUTS."""

    header: list
    notices: list
    tiles: list
    areas_data: object
    map_tiles: object
    viewport: object
    loaded: object
    areas_hideout: dict
    message: str | None
    positions: dict
    positions_hideout: dict
    legend: list
    note: str
    picker_options: list[dict]
    picker_placeholder: str
    picker_disabled: bool
    by_area: Figure
    unpatrolled: list[dict]
    unpatrolled_caption: str


OUTPUTS = (
    Output(ids.WORKERS_HEADER, "children"),
    Output(ids.WORKERS_NOTICES, "children"),
    Output(ids.WORKERS_TILES, "children"),
    Output(MAP_IDS.areas, "data"),
    Output(MAP_IDS.tiles, "children"),
    Output(MAP_IDS.map, "viewport"),
    Output(MAP_IDS.loaded, "data"),
    Output(MAP_IDS.areas, "hideout"),
    Output(MAP_IDS.message, "children"),
    Output(ids.WORKERS_POSITIONS, "data"),
    Output(ids.WORKERS_POSITIONS, "hideout"),
    Output(MAP_IDS.legend, "children"),
    Output(ids.WORKERS_MAP_NOTE, "children"),
    Output(ids.WORKERS_PICKER, "options"),
    Output(ids.WORKERS_PICKER, "placeholder"),
    Output(ids.WORKERS_PICKER, "disabled"),
    Output(ids.WORKERS_BY_AREA, "figure"),
    Output(ids.WORKERS_UNPATROLLED_GRID, "rowData"),
    Output(ids.WORKERS_UNPATROLLED_COUNT, "children"),
)


def register(app: dash.Dash, db: Database) -> None:
    @app.callback(
        *OUTPUTS,
        Input(ids.WORKERS_REFRESH, "n_intervals"),
        State(ids.URL, "search"),
        State(MAP_IDS.loaded, "data"),
    )
    def refresh(_tick, search, loaded):
        return ready_refresh_answer(db, search, len(OUTPUTS),
                                    lambda: workers_panels(db, search, loaded, app.get_relative_path("/workers")),
                                    "workers", lambda scope: (holds_geometry(db, scope, loaded),))

    @app.callback(
        Output(ids.WORKERS_TRACK, "children"),
        Output(ids.WORKERS_TRACK_INFO, "children"),
        Input(ids.WORKERS_PICKER, "value"),
        Input(ids.WORKERS_REFRESH, "n_intervals"),
        State(ids.URL, "search"),
    )
    def track(worker_id, _tick, search):
        try:
            return worker_track(db, search, worker_id)
        except DatabaseError:
            log.exception("workers view could not read a track")
            return no_update, no_update

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.WORKERS_PICKER, "value"),
        Input(ids.WORKERS_POSITIONS, "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def clicked_position(feature, search):
        return position_click(db, feature, search)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.WORKERS_BY_AREA, "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def clicked_bar(click, search):
        # The bars of workers_by_area are keyed by the area code on the y axis.
        points = (click or {}).get("points") or []
        return child_area_search(db, search, points[0].get("y") if points else None)

    register_drill_down(app, db, MAP_IDS.areas, ids.URL)


def workers_panels(
    db: Database, search: str | None, loaded: str | None = None, page_path: str = "/workers"
) -> WorkersPanels:
    """The workers view for the URL query `search`; `loaded` is whose geometry the page already holds."""
    view = scoped_view(db, search, page_path)
    scope, lang, theme = view.scope, view.lang, view.theme
    asked = (
        ask(workers.workers_by_area, db, scope),
        ask(workers.patrol_coverage_by_area, db, scope),
        ask(workers.unpatrolled_grids, db, scope, UNPATROLLED_LISTED),
    )
    base = geometry_update(db, scope, loaded)
    by_area, coverage, unpatrolled = (question.result() for question in asked)
    states = workers.worker_states(db, scope)  # the sums of by_area, now cached
    areas_hideout, coverage_key = coverage_choropleth(base.shapes, coverage, lang, theme, drillable=base.drillable)
    minutes = {"online_minutes": workers.ONLINE_MINUTES, "stale_minutes": workers.STALE_MINUTES}
    if states["total"] <= POINT_LIMIT:
        roster = workers.worker_roster(db, scope, POINT_LIMIT)
        positions = worker_points(geo.drawn_points(roster, db.settings.tile_crs), scope.as_of, lang)
        workers_key = state_legend(lang, theme, **minutes)
        # Without personal data the roster has no names or ids (data_access decided): nobody to choose.
        named = identified(scope)
        note = t("workers.map.note.points" if named else "access.personal_data.map_note", lang)
        options = [
            {"label": f"{name}  {worker}", "value": worker} for name, worker in zip(roster["name"], roster["worker_id"])
        ] if named else []
        if roster.empty:
            placeholder = t("workers.picker.none", lang)
        else:
            placeholder = t("workers.picker" if named else "access.personal_data.picker", lang)
    else:
        positions = worker_aggregates(base.shapes, by_area, lang)
        workers_key = aggregate_legend(int(by_area["total"].max()), lang, theme)
        note = t("workers.map.note.aggregate", lang, limit=format_count(POINT_LIMIT, lang))
        options, placeholder = [], t("workers.picker.too_many", lang)
    return WorkersPanels(
        header=view.header,
        notices=view.notices,
        tiles=_tiles(states, coverage, lang),
        areas_data=base.data,
        map_tiles=base.tiles,
        viewport=base.viewport,
        loaded=base.loaded,
        areas_hideout=areas_hideout,
        message=shapes_message(base.shapes, lang),
        positions=positions,
        positions_hideout=worker_hideout(theme, lang, aggregated=states["total"] > POINT_LIMIT),
        legend=legend_sections(coverage_key, workers_key),
        note=note,
        picker_options=options,
        picker_placeholder=placeholder,
        picker_disabled=not options,
        by_area=_states_chart(by_area, lang, theme),
        unpatrolled=grid_rows(unpatrolled[["area_code", "name", "workers"]]),
        unpatrolled_caption=_unpatrolled_caption(
            int(coverage["grids"].sum()), int(coverage["unpatrolled"].sum()), len(unpatrolled), lang
        ),
    )


def worker_track(db: Database, search: str | None, worker_id) -> tuple[list, str | None]:
    """(the track layer's children, the line under the map) for the chosen worker, validated against the scope."""
    if worker_id is None:
        return [], None
    params = query_params(search)
    lang = language(params.get("lang"))
    if not isinstance(worker_id, str) or not 0 < len(worker_id) <= WORKER_ID_MAX:
        return [], t("workers.track.not_in_scope", lang, worker=str(worker_id)[:WORKER_ID_MAX])
    scope = requested_scope.resolve(db, params).scope
    try:
        worker = workers.worker_in_scope(db, scope, worker_id)
    except PersonalDataRequired:
        return [], t("access.personal_data.track", lang)
    if worker is None:
        return [], t("workers.track.not_in_scope", lang, worker=worker_id)
    track = workers.patrol_track(db, scope, worker_id)
    who = {"name": worker["name"], "worker": worker["worker_id"], "role": _role(worker["role"], lang)}
    if track.empty:
        return [], t("workers.track.none", lang, **who)
    info = t(
        "workers.track.summary", lang, **who, pings=format_count(len(track), lang),
        first=format_moment(track["recorded_at"].iloc[0], lang),
        last=format_moment(track["recorded_at"].iloc[-1], lang),
    )
    drawn = geo.drawn_points(track, db.settings.tile_crs)
    return track_layer(drawn, lang, theme_named(params.get("theme"))), info


def position_click(db: Database, feature, search: str | None) -> tuple:
    """A clicked dot: a per-area count drills down to its area; a worker's dot chooses that worker."""
    code = clicked_code(feature, "code")
    if code is not None:
        return child_area_search(db, search, code), no_update
    worker_id = clicked_code(feature, "id")
    if worker_id is None:
        raise PreventUpdate
    return no_update, worker_id


def _states_chart(by_area: pd.DataFrame, lang: str, theme) -> Figure:
    """The wall's chart of states per area, its rows kept as categories.

    Area codes look like numbers (510104): left to plotly, the rows would be
    placed on a numeric axis, bunched where the codes are close.
    """
    figure = workers_by_area_figure(by_area, lang, theme)
    figure.update_yaxes(type="category")
    return figure


def _role(role: str | None, lang: str) -> str:
    key = f"workers.role.{role}"
    try:
        return t(key, lang)
    except KeyError:  # a city's own role code is shown as it is
        return role or t("unknown", lang)


def _tiles(states: dict, coverage: pd.DataFrame, lang: str) -> list:
    minutes = {"online": workers.ONLINE_MINUTES, "stale": workers.STALE_MINUTES}
    grids, unpatrolled = int(coverage["grids"].sum()), int(coverage["unpatrolled"].sum())
    state_tiles = [
        tile(state, t(f"workers.state.{state}", lang), format_count(states[state], lang),
             t(f"workers.definition.{state}", lang, **minutes), headline=True, missing=False, alert=False)
        for state in workers.WORKER_STATES
    ]
    return [
        html.Div(
            [
                tile("total", t("workers.total", lang), format_count(states["total"], lang),
                     t("workers.definition.total", lang), headline=True, missing=False, alert=False),
                *state_tiles,
                tile("unpatrolled", t("workers.unpatrolled", lang),
                     t("workers.unpatrolled.of", lang, count=format_count(unpatrolled, lang),
                       grids=format_count(grids, lang)) if grids else t("no_data", lang),
                     t("workers.definition.unpatrolled", lang), headline=True, missing=not grids,
                     alert=unpatrolled > 0),
            ],
            className="kpi-row kpi-row--headline",
        )
    ]


def _unpatrolled_caption(grids: int, count: int, listed: int, lang: str) -> str:
    if not grids:
        return t("workers.unpatrolled.no_grids", lang)
    if count > listed:
        return t("workers.unpatrolled.caption.partial", lang, count=format_count(count, lang),
                 shown=format_count(listed, lang))
    return t("workers.unpatrolled.caption", lang, count=format_count(count, lang))
