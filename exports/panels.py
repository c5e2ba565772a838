"""What each view can export: its cards (a chart or a table), the data behind each, its KPI tiles.

An export must show exactly what the screen shows, so nothing here asks the
database its own questions: a view's export calls the very function that
fills the view (callbacks/<view>.py, `*_panels(db, search)`), with the same
URL query, and takes the card's figure or grid rows from its answer. The
card's title and a table's column headers are read from the view's own
layout (pages/<view>.py), found by the component id the card shows. So the
scope, the masking of personal data and every number are the screen's.

The data behind a chart is the API's table of the same numbers where one
exists (`api.exports` tables such as backlog-source); a grid's data is its
rows, except the ticket lists, which stream whole from the database.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import dash_ag_grid as dag
import pandas as pd
from dash import html
from plotly.graph_objects import Figure

from api.exports import EXPORT_ROW_LIMIT
from callbacks.closure import closure_panels
from callbacks.crowd import crowd_panels
from callbacks.funds import fund_panels
from callbacks.overview import overview_panels
from callbacks.tickets import BREAKDOWNS, ticket_panels
from callbacks.workers import UNPATROLLED_LISTED, workers_panels
from components.export_menu import PANELS, components_in, exportable_cards
from components.theme import DESK
from data_access import funds, ticket_lists, workers
from data_access.database import Database
from data_access.scope import Scope
from exports.framing import TABLE_IMAGE_ROWS
from i18n import code_label, format_count, t
from pages import closure as closure_page
from pages import crowd as crowd_page
from pages import funds as funds_page
from pages import overview as overview_page
from pages import tickets as tickets_page
from pages import workers as workers_page

# The api.exports tables that are ticket lists: their data export streams the whole list.
LIST_TABLES = tuple(which.replace("_", "-") for which in ticket_lists.LISTS)
# The header of a table export, in the interface language: (column name, label key, kind).
FrameColumns = list[tuple[str, str, str]]


class Panel(NamedTuple):
    """One exportable card of a view.

    `shown` picks what the card shows from the view's answer: a Figure, or a
    grid's rows. `table` names the api.exports table holding the whole data
    behind it; `frame` gives the data (and its header) where no such table
    exists; with neither, a grid's rows are its data. `definitions` are the
    catalogue keys of what the footnote defines. `total` is the whole length
    of a grid that lists only its first rows.
    """

    name: str
    shown: Callable[[Any], Any]
    table: str | None = None
    frame: Callable[[Database, Scope, str], tuple[pd.DataFrame, FrameColumns]] | None = None
    definitions: tuple[str, ...] = ()
    total: Callable[[Database, Scope], int] | None = None
    listed: int | None = None  # how many rows the screen lists, for a grid whose data export holds only those


class ViewExports(NamedTuple):
    name: str
    answer: Callable[[Database, str], Any]  # the view's own builder: (db, URL query) -> its panels
    layout: Callable  # the view's layout(lang, theme): card titles and grid headers
    source: str  # catalogue key naming the contract tables the view reads
    panels: tuple[Panel, ...]

    def panel(self, name: str) -> Panel | None:
        return next((panel for panel in self.panels if panel.name == name), None)

    def component_id(self, panel: Panel) -> str:
        return next(cid for cid, named in PANELS.items() if named == (self.name, panel.name))


def _definitions(*names: str) -> tuple[str, ...]:
    return tuple(f"definition.{name}" for name in names)


_CLOSURE = _definitions("closure_rate", "on_time_closure_rate", "rework_rate", "satisfaction_rate",
                        "avg_handle_hours")
_BACKLOG = _definitions("backlog", "overdue")


def _workers_by_area(db: Database, scope: Scope, lang: str):
    columns = [("key", "export.key", "text"), ("name", "export.name", "text"),
               *[(state, f"wall.stat.{state}", "count") for state in ("online", "stale", "offline")],
               ("total", "workers.total", "count")]
    return workers.workers_by_area(db, scope), columns


def _spend_by_kind(db: Database, scope: Scope, lang: str):
    columns = [("kind", "export.key", "text"), ("kind_name", "funds.column.kind", "text"),
               ("spent", "funds.spent", "yuan"), ("expenses", "funds.expenses", "count")]
    kinds = funds.spend_by_kind(db, scope)
    # Named as the chart names them (wall_figures.spend_by_kind).
    return kinds.assign(kind_name=[code_label("wall.fund_kind", kind, lang) for kind in kinds["kind"]]), columns


VIEWS: dict[str, ViewExports] = {
    view.name: view
    for view in (
        ViewExports("overview", overview_panels, overview_page.layout, "export.source.ticket", (
            Panel("trend", lambda p: p.trend, table="breakdown-day", definitions=_definitions("reported", "closed")),
            Panel("areas", lambda p: p.areas, table="breakdown-area", definitions=_CLOSURE[:1] + _BACKLOG[:1]),
            Panel("sources", lambda p: p.sources, table="backlog-source", definitions=_BACKLOG),
        )),
        ViewExports("crowd", crowd_panels, crowd_page.layout, "export.source.crowd", (
            Panel("zones", lambda p: p.zones, definitions=("crowd.definition.people", "crowd.definition.capacity",
                                                           "crowd.definition.load")),
            Panel("alerts", lambda p: p.alerts, definitions=("crowd.definition.load", "crowd.definition.since")),
        )),
        ViewExports("tickets", ticket_panels, tickets_page.layout, "export.source.ticket", (
            *(
                Panel(f"by-{dimension}", lambda p, i=i: p.figures[i], table=f"backlog-{dimension}",
                      definitions=_BACKLOG)
                for i, (dimension, _) in enumerate(BREAKDOWNS)
            ),
            Panel("overdue", lambda p: p.overdue_rows, table="overdue", definitions=_BACKLOG[1:],
                  total=lambda db, scope: ticket_lists.overdue_tickets(db, scope).total),
            Panel("near-overdue", lambda p: p.near_overdue_rows, table="near-overdue",
                  definitions=("tickets.definition.near_overdue",),
                  total=lambda db, scope: ticket_lists.near_overdue_tickets(db, scope).total),
        )),
        ViewExports("workers", workers_panels, workers_page.layout, "export.source.workers", (
            Panel("by-area", lambda p: p.by_area, frame=_workers_by_area,
                  definitions=("workers.definition.online", "workers.definition.stale",
                               "workers.definition.offline")),
            Panel("unpatrolled", lambda p: p.unpatrolled, definitions=("workers.definition.unpatrolled",),
                  total=lambda db, scope: int(workers.patrol_coverage_by_area(db, scope)["unpatrolled"].sum()),
                  listed=UNPATROLLED_LISTED),
        )),
        ViewExports("closure", closure_panels, closure_page.layout, "export.source.ticket", (
            Panel("league", lambda p: p.league_rows, definitions=_CLOSURE),
            Panel("by-dept", lambda p: p.dept_rows, definitions=_CLOSURE),
            Panel("by-category", lambda p: p.category_rows, definitions=_CLOSURE),
        )),
        ViewExports("funds", fund_panels, funds_page.layout, "export.source.funds", (
            Panel("accounts", lambda p: p.accounts_rows,
                  definitions=("funds.definition.budget", "funds.definition.spent", "funds.definition.burn_rate")),
            Panel("by-kind", lambda p: p.by_kind, frame=_spend_by_kind, definitions=("funds.definition.spent",)),
            Panel("items", lambda p: p.items_rows, total=lambda db, scope: funds.fund_items(db, scope).total,
                  listed=funds.ITEM_LIMIT),
        )),
    )
}


def menu_notes(lang: str) -> dict[str, str]:
    """What a card's export menu says about row limits, by component id: nothing is cut without saying so."""
    notes = {}
    for view in VIEWS.values():
        for panel in view.panels:
            if panel.table in LIST_TABLES:
                text = t("export.note.whole_list", lang, limit=format_count(EXPORT_ROW_LIMIT, lang))
            elif panel.listed:
                text = t("export.note.listed", lang, limit=panel.listed)
            else:
                continue
            notes[view.component_id(panel)] = f"{text} {t('export.note.image_rows', lang, rows=TABLE_IMAGE_ROWS)}"
    return notes


class Card(NamedTuple):
    """What a card of the layout says about itself: its title, and a grid's columns (field, header)."""

    title: str
    columns: list[tuple[str, str]]


def card_of(view: ViewExports, panel: Panel, lang: str) -> Card:
    """The title and, for a grid, the column headers of `panel`'s card, read from the view's layout."""
    component_id = view.component_id(panel)
    cards = _cards(view.name, lang)
    if component_id not in cards:
        raise LookupError(f"the {view.name} layout has no card showing {component_id}")
    return cards[component_id]


@functools.lru_cache(maxsize=None)
def _cards(view_name: str, lang: str) -> dict[str, Card]:
    """Every exportable card of a view's layout, by the id of what it shows.

    A layout depends only on the language (it holds no data), so it is read
    once per process, not once for each page of a report.
    """
    cards = {}
    for card, component_id in exportable_cards(VIEWS[view_name].layout(lang, DESK)):
        inside = list(components_in(card.children))
        title = next(c.children for c in inside if isinstance(c, html.H2))
        shown = next(c for c in inside if getattr(c, "id", None) == component_id)
        columns = [(c["field"], c["headerName"]) for c in shown.columnDefs] if isinstance(shown, dag.AgGrid) else []
        cards[component_id] = Card(title, columns)
    return cards


def is_figure(shown) -> bool:
    return isinstance(shown, Figure)


class Tile(NamedTuple):
    """A KPI tile as the screen shows it: its indicator's name, label, value as written, definition on hover."""

    name: str
    label: str
    text: str
    definition: str


def tiles_of(answer) -> list[Tile]:
    """The view's KPI tiles, in their order on screen."""
    tiles = []
    for component in components_in(getattr(answer, "tiles", [])):
        if isinstance(component, html.Div) and "kpi" in (component.className or "").split():
            label, value = (child.children for child in component.children)
            definition = getattr(component, "title", "") or ""
            tiles.append(Tile(getattr(component, "data-indicator", ""), label, value, definition))
    return tiles
