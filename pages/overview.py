"""The overview (总览): the scope header, all ticket indicators as tiles, three charts and a map of child areas.

The layout is a skeleton; `callbacks/overview.py` fills it from the URL's
scope and refills it every REFRESH_SECONDS, so a wall left on the overview
stays current without anyone touching it.
"""
from __future__ import annotations

from dash import dcc, html

from components import ids
from components.area_map import AreaMapIds, area_map, indicator_dropdown, map_card
from components.charts import chart_card
from components.theme import Theme
from i18n import t

# Twice the live cache window (ONESCREEN_LIVE_CACHE_SECONDS, 15 s by default):
# each refresh finds a fresh answer, and a hundred screens cost one query per window.
REFRESH_SECONDS = 30
MAP_IDS = AreaMapIds(
    ids.OVERVIEW_MAP, ids.OVERVIEW_MAP_TILES, ids.OVERVIEW_MAP_AREAS, ids.OVERVIEW_MAP_LEGEND,
    ids.OVERVIEW_MAP_MESSAGE, ids.OVERVIEW_MAP_LOADED,
)


def layout(lang: str, theme: Theme) -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=ids.OVERVIEW_REFRESH, interval=REFRESH_SECONDS * 1000),
            html.Section(id=ids.OVERVIEW_HEADER, className="scope"),
            html.Div(id=ids.OVERVIEW_NOTICES, className="notices"),
            html.Section(id=ids.KPI_TILES, className="kpi-grid", **{"aria-label": t("overview.kpis", lang)}),
            html.Div(
                [
                    chart_card(ids.TREND_CHART, t("chart.trend.title", lang), t("chart.trend.note", lang), theme),
                    chart_card(ids.AREA_CHART, t("chart.areas.title", lang), t("chart.areas.note", lang), theme),
                    chart_card(ids.SOURCE_CHART, t("chart.sources.title", lang), None, theme, scrolls=True),
                    map_card(
                        t("map.areas.title", lang), t("map.areas.note", lang), area_map(MAP_IDS, theme),
                        controls=indicator_dropdown(ids.OVERVIEW_MAP_INDICATOR, lang), wide=True,
                    ),
                ],
                className="charts",
            ),
        ],
        className="overview",
    )
