"""The tickets view (工单): the backlog six ways (area, category, age, status, source, department), overdue lists.

The layout is a skeleton that `callbacks/tickets.py` fills from the URL's
scope and refills every REFRESH_SECONDS, like the overview. The category
chart drills into the category tree (the chosen class is the URL's
`category`, so the drill is a shareable link); the area chart drills into a
sub-area.
"""
from __future__ import annotations

from dash import dcc, html

from components import ids
from components.charts import chart_card
from components.grids import MOMENT_WIDTH, column, data_grid, grid_card
from components.theme import Theme
from i18n import t
from pages.overview import REFRESH_SECONDS

# An urgent ticket (ticket.urgent) stands out in either list.
URGENT_ROW = {"grid-row--urgent": "params.data.urgent === true"}


def layout(lang: str, theme: Theme) -> html.Div:
    category_note = [
        t("tickets.by_category.note", lang), " ",
        html.Span(id=ids.TICKETS_CATEGORY_PATH, className="category-path",
                  **{"aria-label": t("tickets.category.path", lang)}),
    ]
    return html.Div(
        [
            dcc.Interval(id=ids.TICKETS_REFRESH, interval=REFRESH_SECONDS * 1000),
            html.Section(id=ids.TICKETS_HEADER, className="scope"),
            html.Div(id=ids.TICKETS_NOTICES, className="notices"),
            html.Section(id=ids.TICKETS_TILES, className="kpi-grid", **{"aria-label": t("tickets.kpis", lang)}),
            html.Div(
                [
                    chart_card(ids.TICKETS_BY_AREA, t("tickets.by_area.title", lang), t("chart.areas.note", lang),
                               theme, scrolls=True),
                    chart_card(ids.TICKETS_BY_CATEGORY, t("tickets.by_category.title", lang), category_note, theme,
                               scrolls=True),
                    chart_card(ids.TICKETS_BY_AGE, t("tickets.by_age.title", lang), None, theme),
                    chart_card(ids.TICKETS_BY_STATUS, t("tickets.by_status.title", lang), None, theme),
                    chart_card(ids.TICKETS_BY_SOURCE, t("chart.sources.title", lang), None, theme, scrolls=True),
                    chart_card(ids.TICKETS_BY_DEPT, t("tickets.by_dept.title", lang), None, theme),
                ],
                className="charts charts--backlog",
            ),
            grid_card(
                data_grid(ids.TICKETS_OVERDUE_GRID, ticket_columns("hours_overdue", lang), lang,
                          row_id="ticket_id", row_class_rules=URGENT_ROW),
                t("tickets.overdue.title", lang), t("tickets.overdue.note", lang),
                caption_id=ids.TICKETS_OVERDUE_COUNT, tall=True,
            ),
            grid_card(
                data_grid(ids.TICKETS_NEAR_OVERDUE_GRID, ticket_columns("hours_left", lang), lang,
                          row_id="ticket_id", row_class_rules=URGENT_ROW),
                # The note states the near-overdue window (data_access.ticket_lists): the callback writes it.
                t("tickets.near_overdue.title", lang),
                caption_id=ids.TICKETS_NEAR_OVERDUE_COUNT, tall=True,
            ),
        ],
        className="tickets",
    )


def ticket_columns(hours: str, lang: str) -> list[dict]:
    """The list's columns; `hours` is hours_overdue or hours_left (data_access.ticket_lists)."""

    def header(field: str) -> str:
        return t(f"tickets.column.{field}", lang)

    return [
        column("ticket_id", header("ticket_id"), minWidth=130),
        column("title", header("title"), minWidth=200, flex=2, tooltipField="title"),
        column("source", header("source")),
        column("category_name", header("category_name")),
        column("area_name", header("area_name"), minWidth=190),
        column("dept_name", header("dept_name")),
        column("status", header("status")),
        column("reported_at", header("reported_at"), minWidth=MOMENT_WIDTH),
        column("due_at", header("due_at"), minWidth=MOMENT_WIDTH),
        column(hours, t(f"tickets.heading.{hours}", lang), tooltip=t(f"tickets.tooltip.{hours}", lang),
               formatted=True, numeric=True, minWidth=130),
        # As text, not the checkbox AG Grid draws for a boolean.
        column("urgent", header("urgent"), formatted=True, cellDataType="text", minWidth=100, maxWidth=120),
        column("reporter_phone", header("reporter_phone"), tooltip=t("tickets.tooltip.reporter_phone", lang),
               minWidth=140),
    ]
