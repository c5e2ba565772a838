"""The crowd view's data: the URL's scope -> data_access.crowd -> map layers, tiles, alert and zone lists.

The heat map is drawn as cells: the snapshot's readings are summed in the
database over square cells sized for the map (crowd.heat_cells) and drawn
as coloured squares by dash-leaflet (assets/maps.js heatCell). dash-leaflet
has no heat-map layer; a plotly density map was the other offline choice,
but it is a second map engine beside the area map (no shared drill-down,
tooltips or GCJ-02 shift), and its smoothed blobs make a count per place
unreadable, where a cell says "this square holds 1,200 people" on hover.
Cells also bound what is sent whatever the feed's density: a city-wide
phone-signal feed is still a few thousand cells.

The slider replays as_of's day: its value is the moment (seconds since
midnight) a user dragged it to, validated here; the snapshot shown is the
newest one at or before it. Replaying asks the very same queries with
as_of moved to that snapshot, so a past moment is counted exactly as the
live one was. At the slider's right end the view follows the newest
snapshot on every refresh.
"""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import NamedTuple

import dash
import pandas as pd
from dash import Input, Output, State, html, no_update

from callbacks.area_map import geometry_update, holds_geometry, register_drill_down
from callbacks.scoped_view import ready_refresh_answer, scoped_view
from components import ids
from components.area_map import (
    heat_cells_per_degree,
    heat_layer,
    labels_permanent,
    legend_sections,
    load_class,
    neutral_hideout,
    shape_features,
    shapes_message,
    viewport,
    zone_hideout,
    zone_legend,
)
from components.grids import grid_rows
from components.kpi import tile
from data_access import crowd, geo
from data_access.database import Database
from data_access.scope import Scope
from i18n import format_count, format_moment, format_rate, t
from pages.crowd import MAP_IDS

DAY_SECONDS = 24 * 3600


class Replay(NamedTuple):
    """The snapshot to show and the slider around it. `live`: the newest snapshot, followed on refresh."""

    snapshot: datetime | None
    live: bool
    minimum: int
    maximum: int
    value: object
    marks: dict | None
    disabled: bool


class CrowdPanels(NamedTuple):
    """Everything the crowd view shows, in the order of OUTPUTS."""

    header: list
    notices: list
    tiles: list
    areas_data: object
    map_tiles: object
    viewport: object
    loaded: object
    areas_hideout: dict
    message: str | None
    zones_data: object
    zones_hideout: dict
    heat_data: dict
    heat_hideout: dict
    legend: list
    replay_min: int
    replay_max: int
    replay_value: object
    replay_marks: dict | None
    replay_disabled: bool
    replay_label: str
    replay_label_class: str
    alerts: list[dict]
    zones: list[dict]


OUTPUTS = (
    Output(ids.CROWD_HEADER, "children"),
    Output(ids.CROWD_NOTICES, "children"),
    Output(ids.CROWD_TILES, "children"),
    Output(MAP_IDS.areas, "data"),
    Output(MAP_IDS.tiles, "children"),
    Output(MAP_IDS.map, "viewport"),
    Output(MAP_IDS.loaded, "data"),
    Output(MAP_IDS.areas, "hideout"),
    Output(MAP_IDS.message, "children"),
    Output(ids.CROWD_ZONES, "data"),
    Output(ids.CROWD_ZONES, "hideout"),
    Output(ids.CROWD_HEAT, "data"),
    Output(ids.CROWD_HEAT, "hideout"),
    Output(MAP_IDS.legend, "children"),
    Output(ids.CROWD_REPLAY, "min"),
    Output(ids.CROWD_REPLAY, "max"),
    Output(ids.CROWD_REPLAY, "value"),
    Output(ids.CROWD_REPLAY, "marks"),
    Output(ids.CROWD_REPLAY, "disabled"),
    Output(ids.CROWD_REPLAY_LABEL, "children"),
    Output(ids.CROWD_REPLAY_LABEL, "className"),
    Output(ids.CROWD_ALERTS_GRID, "rowData"),
    Output(ids.CROWD_ZONES_GRID, "rowData"),
)


def register(app: dash.Dash, db: Database) -> None:
    @app.callback(
        *OUTPUTS,
        Input(ids.CROWD_REFRESH, "n_intervals"),
        Input(ids.CROWD_REPLAY, "value"),
        State(ids.URL, "search"),
        State(MAP_IDS.loaded, "data"),
        State(ids.CROWD_REPLAY, "max"),
    )
    def refresh(_tick, replay_value, search, loaded, replay_max):
        # The live view (the slider at its right end) is the same for everyone asking alike: served ready-made;
        # a moment of the day replayed is answered afresh.
        return ready_refresh_answer(
            search=search, db=db, outputs=len(OUTPUTS),
            build=lambda: crowd_panels(db, search, loaded, replay_value, replay_max, app.get_relative_path("/crowd")),
            view="crowd",
            shown_as=lambda scope: (holds_geometry(db, scope, loaded),) if asks_live(replay_value, replay_max) else None,
        )

    register_drill_down(app, db, MAP_IDS.areas, ids.URL)


def crowd_panels(
    db: Database, search: str | None, loaded: str | None = None, replay_value=None, replay_max=None,
    page_path: str = "/crowd",
) -> CrowdPanels:
    """The crowd view for the URL query `search`, at the slider's moment (None: the newest snapshot).

    `loaded` is whose geometry the page already holds (none is resent);
    `replay_value` and `replay_max` come from the browser's slider.
    """
    view = scoped_view(db, search, page_path)
    scope, lang, theme = view.scope, view.lang, view.theme
    base = geometry_update(db, scope, loaded)
    zone_shapes = geo.zone_shapes(db, scope)
    zone_bounds = geo.bounds(zone_shapes)
    first_load = base.loaded is not no_update
    replay = replay_of_day(db, scope, replay_value, replay_max)
    at = scope if replay.live else replace(scope, as_of=replay.snapshot, live=False)
    loads = crowd.zone_load(db, at)
    alerts = crowd.crowd_alerts(db, at)
    per_degree = heat_cells_per_degree(zone_bounds or geo.bounds(base.shapes))
    cells = (
        crowd.heat_cells(db, scope, replay.snapshot, per_degree) if replay.snapshot
        else pd.DataFrame({"lat": [], "lon": [], "people": []})
    )
    heat_data, heat_hideout, heat_legend = heat_layer(
        geo.drawn_points(cells, db.settings.tile_crs), per_degree, lang, theme
    )
    label, label_class = _replay_label(replay, lang)
    return CrowdPanels(
        header=view.header,
        notices=view.notices,
        tiles=_tiles(loads, replay.snapshot, scope.as_of, lang),
        areas_data=base.data,
        map_tiles=base.tiles,
        # Crowds gather in a few places: the view opens on the zones, not on the whole area.
        viewport=(viewport(zone_bounds) or base.viewport) if first_load else no_update,
        loaded=base.loaded,
        areas_hideout=neutral_hideout(
            theme, hint=t("map.click_to_drill", lang) if base.drillable else None,
            permanent=labels_permanent(base.shapes),
        ),
        message=_map_message(base.shapes, zone_shapes, lang),
        zones_data=shape_features(zone_shapes, "zone_id", with_centres=True) if first_load else no_update,
        zones_hideout=zone_hideout(loads, lang, theme),
        heat_data=heat_data,
        heat_hideout=heat_hideout,
        legend=legend_sections(zone_legend(lang, theme) if len(loads) else [], heat_legend),
        replay_min=replay.minimum,
        replay_max=replay.maximum,
        replay_value=replay.value,
        replay_marks=replay.marks,
        replay_disabled=replay.disabled,
        replay_label=label,
        replay_label_class=label_class,
        alerts=_alert_rows(alerts, lang),
        zones=_zone_rows(loads, lang),
    )


def replay_of_day(db: Database, scope: Scope, value, maximum) -> Replay:
    """The snapshot the slider asks for, validated, and the slider's range over as_of's day.

    A value that is not a moment of the day (not a number, out of range) or
    that sits at the slider's right end means: the newest snapshot.
    """
    day_start = datetime.combine(scope.as_of.date(), time.min)
    moments = pd.to_datetime(crowd.snapshots_of_day(db, scope)["recorded_at"]).drop_duplicates().sort_values()
    times = [moment.to_pydatetime() for moment in moments]
    if not times:
        return Replay(crowd.latest_snapshot_at(db, scope), True, 0, 1, None, None, True)
    first, last = times[0], times[-1]
    minimum = int((first - day_start).total_seconds()) // 60 * 60
    maximum_now = -(-int((last - day_start).total_seconds()) // 60) * 60
    if asks_live(value, maximum):
        return Replay(last, True, minimum, maximum_now, maximum_now, _hour_marks(minimum, maximum_now), False)
    moment = day_start + timedelta(seconds=_seconds_of_day(value))
    snapshot = max((taken for taken in times if taken <= moment), default=first)
    return Replay(snapshot, snapshot == last, minimum, maximum_now, no_update, _hour_marks(minimum, maximum_now), False)


def asks_live(value, maximum) -> bool:
    """Whether the slider (its value and its right end, from the browser) asks for the newest snapshot."""
    asked, previous_end = _seconds_of_day(value), _seconds_of_day(maximum)
    return asked is None or previous_end is None or asked >= previous_end


def _seconds_of_day(value) -> float | None:
    """A slider value from the browser, if it is a moment of the day in seconds; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or not 0 <= value <= DAY_SECONDS:
        return None
    return float(value)


def _hour_marks(minimum: int, maximum: int) -> dict:
    """A mark at every full hour the slider spans (HH:00), plus its ends when the span is under two hours."""
    marks = {hour * 3600: f"{hour:02d}:00" for hour in range(-(-minimum // 3600), maximum // 3600 + 1)}
    if len(marks) < 2:
        for seconds in (minimum, maximum):
            marks[seconds] = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    return marks


def _replay_label(replay: Replay, lang: str) -> tuple[str, str]:
    if replay.snapshot is None:
        return t("crowd.replay.none", lang), "replay__label"
    moment = format_moment(replay.snapshot, lang)
    if replay.live:
        return t("crowd.replay.live", lang, moment=moment), "replay__label"
    return t("crowd.replay.past", lang, moment=moment), "replay__label replay__label--past"


def _clock(moment: datetime | None, as_of: datetime, lang: str) -> str:
    """A snapshot as a tile shows it: the time of day, with the date when it is not as_of's day."""
    if moment is None:
        return t("no_data", lang)
    return moment.strftime("%H:%M" if moment.date() == as_of.date() else "%m-%d %H:%M")


def _tiles(loads: pd.DataFrame, snapshot: datetime | None, as_of: datetime, lang: str) -> list:
    over = int(loads["over"].sum()) if len(loads) else 0
    people = int(loads["people"].sum()) if snapshot else None
    return [
        html.Div([
            tile("snapshot", t("crowd.snapshot", lang), _clock(snapshot, as_of, lang),
                 f"{t('crowd.definition.snapshot', lang)}\n{format_moment(snapshot, lang)}",
                 headline=True, missing=snapshot is None, alert=False),
            tile("zones", t("crowd.zones", lang), format_count(len(loads), lang), t("crowd.definition.zones", lang),
                 headline=True, missing=False, alert=False),
            tile("zones_over", t("crowd.zones_over", lang), format_count(over if snapshot else None, lang),
                 t("crowd.definition.zones_over", lang), headline=True, missing=snapshot is None, alert=over > 0),
            tile("people", t("crowd.people", lang), format_count(people, lang), t("crowd.definition.people", lang),
                 headline=True, missing=people is None, alert=False),
        ], className="kpi-row kpi-row--headline")
    ]


def _zone_rows(loads: pd.DataFrame, lang: str) -> list[dict]:
    kinds = [load_class(p, c, load) for p, c, load in zip(loads["people"], loads["capacity"], loads["load"])]
    frame = loads[["zone_id", "name", "people", "capacity", "load", "over"]].assign(
        over=[kind == "over" for kind in kinds], high=[kind == "high" for kind in kinds]
    )
    return grid_rows(frame, _load_formats(lang))


def _alert_rows(alerts: pd.DataFrame, lang: str) -> list[dict]:
    frame = alerts.assign(
        load=alerts["people"] / alerts["capacity"].where(alerts["capacity"] > 0),
        since=[format_moment(moment, lang) for moment in alerts["since"]],
    )
    return grid_rows(frame[["zone_id", "name", "people", "capacity", "load", "since"]], _load_formats(lang))


def _load_formats(lang: str) -> dict:
    return {
        "people": lambda value: format_count(value, lang),
        "capacity": lambda value: format_count(value, lang),
        "load": lambda value: format_rate(value, lang),
    }


def _map_message(area_shapes: pd.DataFrame, zone_shapes: pd.DataFrame, lang: str) -> str | None:
    messages = [shapes_message(area_shapes, lang)]
    if len(zone_shapes) and zone_shapes["geometry"].isna().all():
        messages.append(t("crowd.no_zone_shapes", lang))
    found = [message for message in messages if message]
    return t("list.separator", lang).join(found) if found else None
