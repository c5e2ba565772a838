"""The micro-fund view (民生微基金): budget, spent, pending and burn rate per workstation, spend by kind, items.

`callbacks/funds.py` fills this skeleton from the URL's scope and refills it
every REFRESH_SECONDS. The fund year is the calendar year of the as-of
moment (data_access/funds.py). An account's row, clicked, drills into the
sub-area it lies in.
"""
from __future__ import annotations

from dash import dcc, html

from components import ids
from components.charts import chart_card
from components.grids import column, data_grid, grid_card
from components.theme import Theme
from i18n import t
from pages.overview import REFRESH_SECONDS

# The amounts of an account, in reading order (data_access.funds.AMOUNTS, with the count and the burn rate).
ACCOUNT_FIGURES = ("budget", "spent", "pending", "rejected", "expenses", "burn_rate")
# An account spending faster than the year goes by stands out; one over its budget stands out more.
FAST_BURN_ROW = {
    "grid-row--alert": "params.data.burning_fast === true",
    "grid-row--over-budget": "params.data.over_budget === true",
}


def layout(lang: str, theme: Theme) -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=ids.FUNDS_REFRESH, interval=REFRESH_SECONDS * 1000),
            html.Section(id=ids.FUNDS_HEADER, className="scope"),
            html.Div(id=ids.FUNDS_NOTICES, className="notices"),
            html.Section(id=ids.FUNDS_TILES, className="kpi-grid"),
            html.Div(
                [
                    grid_card(
                        data_grid(ids.FUNDS_ACCOUNTS_GRID, account_columns(lang), lang, row_id="account_id",
                                  row_class_rules=FAST_BURN_ROW),
                        t("funds.accounts.title", lang),
                        # The note names the share of the year gone, known once the scope is.
                        caption_id=ids.FUNDS_ACCOUNTS_NOTE,
                    ),
                    chart_card(ids.FUNDS_BY_KIND, t("funds.by_kind.title", lang), None, theme),
                ],
                className="grid-pair grid-pair--wide-first",
            ),
            grid_card(
                data_grid(ids.FUNDS_ITEMS_GRID, item_columns(lang), lang, row_id="expense_id"),
                t("funds.items.title", lang),
                caption_id=ids.FUNDS_ITEMS_COUNT,
                tall=True,
            ),
        ],
        className="funds",
    )


def account_columns(lang: str) -> list[dict]:
    return [
        column("area_name", t("funds.column.area_name", lang), minWidth=150, flex=2),
        *[
            column(name, t(f"funds.{name}", lang), tooltip=t(f"funds.definition.{name}", lang),
                   formatted=True, numeric=True)
            for name in ACCOUNT_FIGURES
        ],
    ]


def item_columns(lang: str) -> list[dict]:
    def header(field: str) -> str:
        return t(f"funds.column.{field}", lang)

    ticket_tooltip = t("funds.tooltip.ticket", lang)
    return [
        column("spent_at", header("spent_at"), minWidth=190),
        column("item", header("item"), minWidth=200, flex=2, tooltipField="item"),
        column("kind", header("kind")),
        column("amount", header("amount"), formatted=True, numeric=True),
        column("approval", header("approval")),
        column("area_name", header("area_name"), minWidth=140),
        column("ticket_id", header("ticket_id"), tooltip=ticket_tooltip, minWidth=130),
        column("ticket_title", header("ticket_title"), tooltip=ticket_tooltip, minWidth=180, flex=2,
               tooltipField="ticket_title"),
        column("ticket_status", header("ticket_status")),
        column("ticket_closed_at", header("ticket_closed_at"), minWidth=190),
    ]
