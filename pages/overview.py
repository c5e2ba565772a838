"""The overview (总览): the scope header, all ticket indicators as tiles, and three charts.

The layout is a skeleton; `callbacks/overview.py` fills it from the URL's
scope and refills it every REFRESH_SECONDS, so a wall left on the overview
stays current without anyone touching it.
"""
from __future__ import annotations

from dash import dcc, html

from components import ids
from components.charts import chart_card
from components.theme import Theme
from i18n import t

# Twice the live cache window (ONESCREEN_LIVE_CACHE_SECONDS, 15 s by default):
# each refresh finds a fresh answer, and a hundred screens cost one query per window.
REFRESH_SECONDS = 30


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
                    chart_card(
                        ids.AREA_CHART, t("chart.areas.title", lang), t("chart.areas.note", lang), theme,
                        scrolls=True,
                    ),
                    chart_card(ids.SOURCE_CHART, t("chart.sources.title", lang), None, theme, scrolls=True),
                ],
                className="charts",
            ),
        ],
        className="overview",
    )
