"""Tables in OneScreen's look: dash-ag-grid cards, themed from the page's colours, cells formatted by the catalogue.

dash-ag-grid 35 styles its grids with AG Grid's Theming API: a theme object
whose CSS the grid injects itself. The legacy class themes
(`ag-theme-alpine-dark`) would need AG Grid's CSS files, which dash-ag-grid
only links from a CDN, and a command centre is offline. GRID_THEME takes its
colours from the page's CSS variables (components/theme.py), so one grid
follows the dark wall and the light desk, and the font is the page's own.

Cells show text formatted in Python by the catalogue (2.16万, 93.4%, 无数据)
while sorting uses the raw value: a formatted column carries
"<field>_text" next to its value in every row (`grid_rows`).
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import dash_ag_grid as dag
import pandas as pd
from dash import html

from i18n import t

GRID_THEME = {
    "function": (
        "themeAlpine.withParams({"
        "backgroundColor: 'var(--surface)', foregroundColor: 'var(--text)', borderColor: 'var(--border)', "
        "accentColor: 'var(--accent)', headerBackgroundColor: 'var(--page)', "
        "oddRowBackgroundColor: 'var(--page)', "
        "fontFamily: 'inherit', fontSize: 'var(--grid-font-size)', dataFontSize: 'var(--grid-font-size)', "
        "headerFontSize: 'var(--grid-font-size)', "
        "rowHeight: 'calc(2.3 * var(--grid-font-size))', headerHeight: 'calc(2.5 * var(--grid-font-size))'"
        "})"
    )
}


# A column of moments (2026-11-20 12:00:00) at this width shows them whole, never cut to 2026-11-2….
MOMENT_WIDTH = 190
# A place's name (十全街, 观前街步行街) at this width is read whole beside a moment column, not cut to 十….
NAME_WIDTH = 130


def column(field: str, header: str, *, tooltip: str | None = None, formatted: bool = False,
           numeric: bool = False, **options) -> dict:
    """A column definition: `formatted` shows the row's "<field>_text"; `numeric` aligns right."""
    definition = {"field": field, "headerName": header, **options}
    if tooltip:
        definition["headerTooltip"] = tooltip
    if formatted:
        definition["valueFormatter"] = {"function": f"params.data.{field}_text"}
    if numeric:
        definition["type"] = "rightAligned"
    return definition


def data_grid(grid_id: str, columns: list[dict], lang: str, *, row_id: str | None = None,
              row_class_rules: Mapping[str, str] | None = None, fits_rows: bool = False) -> dag.AgGrid:
    """An empty grid (its callback fills rowData); `row_id` names the field a clicked row reports as its id.

    `fits_rows`: the grid grows to show every row rather than scrolling, for
    short tables such as a league of a dozen sub-areas.
    """
    options = {
        "theme": GRID_THEME,
        "localeText": {"noRowsToShow": t("empty", lang), "loadingOoo": "…"},
        "tooltipShowDelay": 300,
        "enableCellTextSelection": True,
        "suppressCellFocus": True,
        "animateRows": False,
    }
    if fits_rows:
        options["domLayout"] = "autoHeight"
    props = {}
    if row_id:
        props["getRowId"] = f"params.data.{row_id}"
    if row_class_rules:
        props["rowClassRules"] = dict(row_class_rules)
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=[],
        # Long headers (平均处置时长(小时)) wrap rather than being cut off.
        defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True, "minWidth": 70,
                       "wrapHeaderText": True, "autoHeaderHeight": True},
        columnSize="responsiveSizeToFit",
        dashGridOptions=options,
        className="grid",
        # dash-ag-grid's default is 400 px tall; the grid fills its card instead (assets/tables.css).
        style={"height": "auto" if fits_rows else "100%", "width": "100%"},
        **props,
    )


def grid_card(grid, title: str, note: str | None = None, *, caption_id: str | None = None,
              tall: bool = False) -> html.Section:
    """A grid on a card like chart_card's: title, note, and a caption the callback writes (e.g. "showing 500 of N")."""
    heading = [html.H2(title, className="card__title")]
    if note:
        heading.append(html.P(note, className="card__note"))
    if caption_id:
        heading.append(html.P(id=caption_id, className="card__note grid-caption"))
    body = ["grid-card__body"]
    if tall:
        body.append("grid-card__body--tall")
    if grid.dashGridOptions.get("domLayout") == "autoHeight":
        body.append("grid-card__body--fits")
    return html.Section(
        [html.Div(heading, className="card__heading"), html.Div(grid, className=" ".join(body))],
        className="card grid-card",
    )


def grid_rows(frame: pd.DataFrame, formats: Mapping[str, Callable[[object], str]] | None = None, *,
              labels: Mapping[str, Callable[[object], str]] | None = None) -> list[dict]:
    """The frame's rows as JSON-safe dicts (NaN -> None, timestamps as text): every column is sent, so pick them first.

    `formats` add "<field>_text" next to a value that sorts as a number
    (columns made with formatted=True show it); `labels` replace a code by
    its label in place (a status sorts by the name the reader sees).
    """
    rows = []
    for record in frame.to_dict("records"):
        row = {name: _json_value(value) for name, value in record.items()}
        for field, label in (labels or {}).items():
            row[field] = label(row[field])
        for field, format_value in (formats or {}).items():
            row[f"{field}_text"] = format_value(row[field])
        rows.append(row)
    return rows


def _json_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().isoformat(sep=" ")
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return value
