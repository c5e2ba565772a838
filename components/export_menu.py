"""The export menus: one on every chart and table card, one per view for the whole-view report.

A menu is a `<details>` of plain download links to the Flask export routes
(exports/routes.py), so a file of any size streams straight from the server
and nothing passes through a callback. The router (callbacks/navigation.py)
adds the menus each time it draws a frame for a URL, with that URL's query
in every link: a link exports exactly what is on screen, and can be copied
into a script.

PANELS names every exportable card by the id of what it shows; exports/panels.py
wires the same names to their data.
"""
from __future__ import annotations

from typing import Mapping

from dash import html

from components import ids
from i18n import t

# component id -> (view, panel name in the export URL /export/<view>/<panel>.<format>)
PANELS: dict[str, tuple[str, str]] = {
    ids.TREND_CHART: ("overview", "trend"),
    ids.AREA_CHART: ("overview", "areas"),
    ids.SOURCE_CHART: ("overview", "sources"),
    ids.CROWD_ZONES_GRID: ("crowd", "zones"),
    ids.CROWD_ALERTS_GRID: ("crowd", "alerts"),
    ids.TICKETS_BY_AREA: ("tickets", "by-area"),
    ids.TICKETS_BY_CATEGORY: ("tickets", "by-category"),
    ids.TICKETS_BY_AGE: ("tickets", "by-age"),
    ids.TICKETS_BY_STATUS: ("tickets", "by-status"),
    ids.TICKETS_BY_SOURCE: ("tickets", "by-source"),
    ids.TICKETS_BY_DEPT: ("tickets", "by-dept"),
    ids.TICKETS_OVERDUE_GRID: ("tickets", "overdue"),
    ids.TICKETS_NEAR_OVERDUE_GRID: ("tickets", "near-overdue"),
    ids.WORKERS_BY_AREA: ("workers", "by-area"),
    ids.WORKERS_UNPATROLLED_GRID: ("workers", "unpatrolled"),
    ids.CLOSURE_LEAGUE_GRID: ("closure", "league"),
    ids.CLOSURE_BY_DEPT_GRID: ("closure", "by-dept"),
    ids.CLOSURE_BY_CATEGORY_GRID: ("closure", "by-category"),
    ids.FUNDS_ACCOUNTS_GRID: ("funds", "accounts"),
    ids.FUNDS_BY_KIND: ("funds", "by-kind"),
    ids.FUNDS_ITEMS_GRID: ("funds", "items"),
}
# The views with a whole-view report: every desk view (the wall is never touched).
REPORT_VIEWS = ("overview", "crowd", "tickets", "workers", "closure", "funds")
# (file suffix, catalogue key of its label), in the menu's order
PANEL_FILES = (
    (".png", "export.menu.png"),
    ("@2x.png", "export.menu.png2"),
    ("@4x.png", "export.menu.png4"),
    (".svg", "export.menu.svg"),
    (".pdf", "export.menu.pdf"),
    (".csv", "export.menu.csv"),
    (".xlsx", "export.menu.xlsx"),
)
REPORT_FILES = ((".xlsx", "export.menu.report_xlsx"), (".pdf", "export.menu.report_pdf"))


def add_panel_menus(page, lang: str, prefix: str, query: str, notes: Mapping[str, str] | None = None) -> None:
    """Put an export menu in the heading of every exportable card of `page` (in place).

    The router calls this on the page it has just laid out, so the pages
    need not know about exports: a card is exportable when it holds a
    component named in PANELS. `prefix` is the app's path prefix
    (app.get_relative_path("/")), `query` the URL's query without "?", which
    every link carries so that it exports exactly what is on screen.
    `notes` (by component id) say in a card's menu what limits its files have.
    """
    for card, shown in exportable_cards(page):
        heading = card.children[0]
        view, panel = PANELS[shown]
        menu = _menu(f"export/{view}/{panel}", PANEL_FILES, t("export.menu", lang), lang, prefix, query,
                     note=(notes or {}).get(shown))
        heading.children = [*_as_list(heading.children), menu]


def exportable_cards(tree):
    """(card, id of what it shows) for every card of `tree` showing a component named in PANELS.

    A card (components/charts.py, components/grids.py) is a section of class
    "card": its heading first, then its body with the graph or grid.
    """
    for card in components_in(tree):
        if "card" not in (getattr(card, "className", None) or "").split():
            continue
        shown = next((c.id for c in components_in(card.children[1:]) if getattr(c, "id", None) in PANELS), None)
        if shown is not None:
            yield card, shown


def report_menu(view: str, lang: str, prefix: str, query: str) -> html.Details | None:
    """The whole-view report menu (XLSX with a sheet per chart, PDF); None for the wall and unknown pages."""
    if view not in REPORT_VIEWS:
        return None
    return _menu(f"export/{view}", REPORT_FILES, t("export.menu.report", lang), lang, prefix, query,
                 extra_class="export-menu--report")


def _menu(route: str, files, label: str, lang: str, prefix: str, query: str, *,
          extra_class: str = "", note: str | None = None) -> html.Details:
    base = prefix.rstrip("/") + "/" + route
    links = [
        html.A(t(key, lang), href=base + suffix + (f"?{query}" if query else ""), download="",
               className="export-menu__link", rel="nofollow")
        for suffix, key in files
    ]
    if note:
        links.append(html.P(note, className="export-menu__note"))
    return html.Details(
        [html.Summary(label, className="export-menu__button", title=t("export.menu.title", lang)),
         html.Div(links, className="export-menu__list")],
        className=f"export-menu {extra_class}".strip(),
    )


def _as_list(children) -> list:
    if children is None:
        return []
    return list(children) if isinstance(children, (list, tuple)) else [children]


def components_in(tree):
    """Every Dash component in `tree` (a component or a list of them), depth first, itself included."""
    if isinstance(tree, (list, tuple)):
        for item in tree:
            yield from components_in(item)
        return
    if tree is None or not hasattr(tree, "_traverse"):
        return
    yield tree
    yield from tree._traverse()
