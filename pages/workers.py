"""The grid-workers view (网格员): live positions, a worker's patrol track, unpatrolled grids, workers per area.

The map is the area map (child areas filled by how many of their grids
nobody patrolled today) with the workers on top: each one's last position
when the scope is small enough, else one dot per child area sized by its
workers (see callbacks/workers.py). Choosing a worker, from the list or by
clicking a dot, draws their track for the day. Filled by
`callbacks/workers.py` and refreshed every REFRESH_SECONDS.
"""
from __future__ import annotations

import dash_leaflet as dl
from dash import dcc, html

from components import ids
from components.area_map import EMPTY, MAPS, AreaMapIds, area_map, map_card
from components.charts import chart_card
from components.grids import column, data_grid, grid_card
from components.theme import Theme
from i18n import t
from pages.crowd import when_empty
from pages.overview import REFRESH_SECONDS

MAP_IDS = AreaMapIds(
    ids.WORKERS_MAP, ids.WORKERS_MAP_TILES, ids.WORKERS_MAP_AREAS, ids.WORKERS_MAP_LEGEND,
    ids.WORKERS_MAP_MESSAGE, ids.WORKERS_MAP_LOADED,
)


def layout(lang: str, theme: Theme) -> html.Div:
    positions = dl.GeoJSON(
        id=ids.WORKERS_POSITIONS, data=EMPTY, pointToLayer=MAPS("classMarker"), onEachFeature=MAPS("workerTooltip"),
        bubblingMouseEvents=False,
    )
    picker = dcc.Dropdown(
        id=ids.WORKERS_PICKER, options=[], value=None, placeholder=t("workers.picker", lang),
        className="map-card__dropdown", optionHeight=36,
    )
    unpatrolled = data_grid(
        ids.WORKERS_UNPATROLLED_GRID,
        [
            column("name", t("workers.unpatrolled.grid", lang)),
            column("area_code", t("workers.unpatrolled.code", lang)),
            column("workers", t("workers.unpatrolled.workers", lang), tooltip=t("workers.definition.assigned", lang),
                   numeric=True),
        ],
        lang,
        row_id="area_code",
    )
    when_empty(unpatrolled, t("workers.unpatrolled.none", lang))
    return html.Div(
        [
            dcc.Interval(id=ids.WORKERS_REFRESH, interval=REFRESH_SECONDS * 1000),
            html.Section(id=ids.WORKERS_HEADER, className="scope"),
            html.Div(id=ids.WORKERS_NOTICES, className="notices"),
            html.Section(id=ids.WORKERS_TILES, className="kpi-grid", **{"aria-label": t("workers.kpis", lang)}),
            html.Div(
                [
                    map_card(
                        t("workers.map.title", lang), html.Span(id=ids.WORKERS_MAP_NOTE),
                        [
                            # The track above the dots, so the day's path is never hidden under them.
                            area_map(MAP_IDS, theme, overlays=[positions, dl.LayerGroup(id=ids.WORKERS_TRACK)]),
                            html.Div(id=ids.WORKERS_TRACK_INFO, className="track-info"),
                        ],
                        controls=picker,
                    ),
                    html.Div(
                        [
                            chart_card(ids.WORKERS_BY_AREA, t("workers.by_area.title", lang),
                                       t("workers.by_area.note", lang), theme),
                            grid_card(unpatrolled, t("workers.unpatrolled.title", lang),
                                      caption_id=ids.WORKERS_UNPATROLLED_COUNT),
                        ],
                        className="map-view__side",
                    ),
                ],
                className="map-view",
            ),
        ],
        className="workers",
    )
