"""The closure view (结案): closure indicators, the league table of sub-areas (红黑榜), and by department and category.

`callbacks/closure.py` fills this skeleton from the URL's scope and refills
it every REFRESH_SECONDS. A league row, clicked, drills into that area.
"""
from __future__ import annotations

from dash import dcc, html

from components import ids
from components.grids import column, data_grid, grid_card
from components.theme import Theme
from i18n import indicator_definition, indicator_label, t
from pages.overview import REFRESH_SECONDS

# The indicators of every closure table, in reading order.
CLOSURE_INDICATORS = (
    "closure_rate", "on_time_closure_rate", "rework_rate", "satisfaction_rate", "avg_handle_hours", "due", "closed",
)
# The league's top and bottom rows are the red and black boards; the colour of a rank change says which way it moved.
LEAGUE_ROWS = {
    "grid-row--red-board": "params.data.board === 'red'",
    "grid-row--black-board": "params.data.board === 'black'",
}
RANK_CHANGE_CELLS = {"rank-change--up": "params.value > 0", "rank-change--down": "params.value < 0"}


def layout(lang: str, theme: Theme) -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=ids.CLOSURE_REFRESH, interval=REFRESH_SECONDS * 1000),
            html.Section(id=ids.CLOSURE_HEADER, className="scope"),
            html.Div(id=ids.CLOSURE_NOTICES, className="notices"),
            html.Section(id=ids.CLOSURE_TILES, className="kpi-grid", **{"aria-label": t("closure.kpis", lang)}),
            grid_card(
                data_grid(ids.CLOSURE_LEAGUE_GRID, league_columns(lang), lang, row_id="key",
                          row_class_rules=LEAGUE_ROWS, fits_rows=True),
                t("closure.league.title", lang),
                # The note names the previous period, known only once the scope is: the callback writes it.
                caption_id=ids.CLOSURE_LEAGUE_NOTE,
            ),
            html.Div(
                [
                    grid_card(data_grid(ids.CLOSURE_BY_DEPT_GRID, indicator_columns("dept", lang), lang),
                              t("closure.by_dept.title", lang)),
                    grid_card(data_grid(ids.CLOSURE_BY_CATEGORY_GRID, indicator_columns("category", lang), lang),
                              t("closure.by_category.title", lang)),
                ],
                className="grid-pair",
            ),
        ],
        className="closure",
    )


def indicator_columns(group: str, lang: str) -> list[dict]:
    """The group's name, then CLOSURE_INDICATORS with their SCHEMA.md definitions on the headers."""
    return [
        column("name", t(f"closure.column.{group}", lang), minWidth=140, flex=2),
        *[
            column(name, indicator_label(name, lang), tooltip=indicator_definition(name, lang), formatted=True,
                   numeric=True)
            for name in CLOSURE_INDICATORS
        ],
    ]


def league_columns(lang: str) -> list[dict]:
    return [
        column("rank", t("closure.column.rank", lang), formatted=True, numeric=True, maxWidth=110),
        column("rank_change", t("closure.column.rank_change", lang), tooltip=t("closure.tooltip.rank_change", lang),
               formatted=True, numeric=True, maxWidth=130, cellClassRules=RANK_CHANGE_CELLS),
        column("board", t("closure.column.board", lang), formatted=True, maxWidth=110),
        *indicator_columns("area", lang),
        column("previous_rank", t("closure.column.previous_rank", lang), formatted=True, numeric=True, maxWidth=130,
               tooltipField="previous_rank_hint"),
    ]
