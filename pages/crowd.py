"""The crowd view (人流): heat of the latest snapshot, zones coloured by load, alerts, and a replay of the day.

The map is the area map (child areas as the basemap) with two layers of
its own: heat cells and the crowd zones. The slider under it replays the
day's snapshots. Everything is filled by `callbacks/crowd.py` from the
URL's scope and refreshed every REFRESH_SECONDS, following the newest
snapshot unless someone has dragged the slider back in time.
"""
from __future__ import annotations

import dash_leaflet as dl
from dash import dcc, html

from components import ids
from components.area_map import EMPTY, MAPS, AreaMapIds, area_map, map_card
from components.grids import MOMENT_WIDTH, NAME_WIDTH, column, data_grid, grid_card
from components.theme import Theme
from i18n import t
from pages.overview import REFRESH_SECONDS

MAP_IDS = AreaMapIds(
    ids.CROWD_MAP, ids.CROWD_MAP_TILES, ids.CROWD_MAP_AREAS, ids.CROWD_MAP_LEGEND, ids.CROWD_MAP_MESSAGE,
    ids.CROWD_MAP_LOADED,
)


def layout(lang: str, theme: Theme) -> html.Div:
    heat = dl.GeoJSON(
        id=ids.CROWD_HEAT, data=EMPTY, pointToLayer=MAPS("heatCell"), onEachFeature=MAPS("textTooltip"),
        bubblingMouseEvents=False,
    )
    zones = dl.GeoJSON(
        id=ids.CROWD_ZONES, data=EMPTY, style=MAPS("zoneStyle"), pointToLayer=MAPS("zonePoint"),
        onEachFeature=MAPS("zoneTooltip"), bubblingMouseEvents=False,
    )
    replay = html.Div(
        [
            html.Div(id=ids.CROWD_REPLAY_LABEL, className="replay__label"),
            html.Div(
                dcc.Slider(
                    id=ids.CROWD_REPLAY, min=0, max=1, step=60, value=None, marks=None, disabled=True,
                    allow_direct_input=False, updatemode="mouseup",
                    tooltip={"placement": "top", "transform": "clockOfSeconds"},
                ),
                className="replay__slider",
                title=t("crowd.replay.note", lang),
                **{"aria-label": t("crowd.replay.label", lang)},
            ),
        ],
        className="replay",
    )
    alerts = data_grid(
        ids.CROWD_ALERTS_GRID,
        [
            column("name", t("crowd.zone", lang), minWidth=NAME_WIDTH),
            column("people", t("crowd.people", lang), tooltip=t("crowd.definition.people", lang),
                   formatted=True, numeric=True),
            column("capacity", t("crowd.capacity", lang), tooltip=t("crowd.definition.capacity", lang),
                   formatted=True, numeric=True),
            column("load", t("crowd.load", lang), tooltip=t("crowd.definition.load", lang), formatted=True,
                   numeric=True, sort="desc"),
            column("since", t("crowd.since", lang), tooltip=t("crowd.definition.since", lang),
                   minWidth=MOMENT_WIDTH),
        ],
        lang,
        row_id="zone_id",
    )
    zone_loads = data_grid(
        ids.CROWD_ZONES_GRID,
        [
            column("name", t("crowd.zone", lang), minWidth=NAME_WIDTH),
            column("people", t("crowd.people", lang), tooltip=t("crowd.definition.people", lang),
                   formatted=True, numeric=True),
            column("capacity", t("crowd.capacity", lang), tooltip=t("crowd.definition.capacity", lang),
                   formatted=True, numeric=True),
            column("load", t("crowd.load", lang), tooltip=t("crowd.definition.load", lang), formatted=True,
                   numeric=True, sort="desc"),
        ],
        lang,
        row_id="zone_id",
        row_class_rules={"grid-row--alert": "params.data.over", "grid-row--warning": "params.data.high"},
    )
    # An empty list here is news, not missing data: say which.
    when_empty(alerts, t("crowd.alerts.none", lang))
    when_empty(zone_loads, t("crowd.zones.none", lang))
    return html.Div(
        [
            dcc.Interval(id=ids.CROWD_REFRESH, interval=REFRESH_SECONDS * 1000),
            html.Section(id=ids.CROWD_HEADER, className="scope"),
            html.Div(id=ids.CROWD_NOTICES, className="notices"),
            html.Section(id=ids.CROWD_TILES, className="kpi-grid", **{"aria-label": t("crowd.kpis", lang)}),
            html.Div(
                [
                    map_card(
                        t("crowd.map.title", lang), t("crowd.map.note", lang),
                        # Heat above the zones' light fill: where in a zone the people are stays visible.
                        [area_map(MAP_IDS, theme, overlays=[zones, heat]), replay],
                    ),
                    html.Div(
                        [
                            grid_card(alerts, t("crowd.alerts.title", lang)),
                            grid_card(zone_loads, t("crowd.zones.title", lang)),
                        ],
                        className="map-view__side",
                    ),
                ],
                className="map-view",
            ),
        ],
        className="crowd",
    )


def when_empty(grid, text: str) -> None:
    """What `grid` says in place of rows when it has none."""
    grid.dashGridOptions["localeText"]["noRowsToShow"] = text
