"""Figures that stand on their own in a document: a chart framed with its title, scope, source and definitions.

Pure functions, figure in and figure out, like components/figures.py: a chart
pasted into a leader's report must say what it shows, for which area and
period, as of when, from which data, and how each indicator is counted,
without the dashboard around it. Tables (a view's grid) become a plotly
table, so every card of a view can be an image. The report's title page
and KPI page are figures too, so one renderer makes every page of a PDF.
"""
from __future__ import annotations

import math
import unicodedata
from typing import NamedTuple

import plotly.graph_objects as go

from api.exports import Column, Export, Note, is_na, plain_value
from components.theme import FONT_STACK, Theme
from i18n import format_hours, format_rate, t

# A chart alone: 16:9 at a size that reads on a slide; a report page: A4 landscape at 96 dpi (297 x 210 mm).
CHART_SIZE = (1280, 720)
A4_LANDSCAPE = (1123, 794)
# A table image lists at most this many rows; the file exports hold them all.
TABLE_IMAGE_ROWS = 30
# On an A4 report page, under the title and above a footnote of six lines, this many rows fit.
REPORT_TABLE_ROWS = (A4_LANDSCAPE[1] - 112 - 200 - 34) // 30
_TITLE_PX = 26
_NOTE_PX = 13
_TOP_PX = 112
_AXIS_PX = 56  # room under the plot for the x axis' tick labels, above the footnote
_LINE_PX = 19
_TABLE_ROW_PX = 28
# Latin text and digits in DejaVu first: Chromium's PDF gives Noto CJK's Latin glyphs no text
# mapping, so "2026-11-20" drawn in it could not be searched or copied from the PDF.
EXPORT_FONTS = f'"DejaVu Sans", {FONT_STACK}'
_CELL_PX = 13
_WRAP_PX = 17  # each more line of a wrapped cell
_WIDEST = 26  # characters
_LATIN = 0.62  # the width of a Latin character or digit in EXPORT_FONTS, in CJK characters


class Framing(NamedTuple):
    """What a framed figure says around the chart: all of it already in the reader's language."""

    title: str
    scope: str  # area · period · as of
    filters: str | None
    source: str
    definitions: list[str]  # "结案率：结案数 ÷ 应结案数 …", one per indicator shown
    note: str | None = None  # e.g. "the first 30 of 1,204 rows"


def framed(figure: go.Figure, framing: Framing, theme: Theme, size: tuple[int, int] = CHART_SIZE,
           *, fit: bool = False) -> tuple[go.Figure, int, int]:
    """`figure` with its title and scope on top and its source and definitions underneath.

    Returns the figure and the pixel size to render it at: `size`, taller
    when the chart asks for more height than fits (one bar per area), unless
    `fit` (a report page keeps its page size).
    """
    width, height = size
    footer = _footer_lines(framing, width)
    bottom = _AXIS_PX + _LINE_PX * len(footer) + 16
    wanted = figure.layout.height
    if wanted and not fit:
        height = max(height, int(wanted) + _TOP_PX + bottom)
    out = go.Figure(figure)
    out.update_layout(
        template=theme.template,
        width=width,
        height=height,
        paper_bgcolor=theme.surface,
        font_family=EXPORT_FONTS,
        title=dict(
            text=f"<b>{_escaped(framing.title)}</b>",
            subtitle=dict(text=_escaped(framing.scope), font=dict(size=15, color=theme.muted)),
            x=0.012, xanchor="left", y=1 - 18 / height, yanchor="top", yref="container",
            font=dict(size=_TITLE_PX, color=theme.text),
        ),
        margin=dict(l=28, r=48, t=_TOP_PX, b=bottom),
        # Top right, clear of the subtitle on the left.
        legend=dict(y=1.02, yanchor="bottom", x=1, xanchor="right"),
    )
    out.add_annotation(
        text="<br>".join(_escaped(line) for line in footer),
        xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top", yshift=-_AXIS_PX,
        align="left", showarrow=False, font=dict(size=_NOTE_PX, color=theme.muted),
    )
    return out, width, height


def table_figure(data: Export, lang: str, theme: Theme, limit: int = TABLE_IMAGE_ROWS,
                 width: int = CHART_SIZE[0]) -> tuple[go.Figure, int]:
    """A table export's first `limit` rows as a plotly table, and how many data rows the export held in all.

    Reads the rows one by one, so a long ticket list is never in memory
    whole: what is past `limit` is only counted.
    """
    shown: list[list[str]] = []
    notes: list[str] = []
    count = 0
    for row in data.rows:
        if isinstance(row, Note):
            notes.append(row.text)
            continue
        count += 1
        if len(shown) < limit:
            shown.append([_cell_text(value, column, lang) for column, value in zip(data.columns, row)])
    headers = [f"<b>{_escaped(column.label or column.name)}</b>" for column in data.columns]
    if not shown:
        shown = [[notes[0] if notes else t("no_data", lang), *[""] * (len(headers) - 1)]]
    numeric = [c.kind in ("count", "rate", "hours", "yuan") for c in data.columns]
    # Each column as wide as its longest text, header included (up to _WIDEST), so names are not cut.
    widths = [
        min(max(_text_width(column.label or column.name), *(_text_width(row[i]) for row in shown)) + 1, _WIDEST)
        for i, column in enumerate(data.columns)
    ]
    # Plotly narrows every column alike when they do not fit `width`; a cell longer than its column wraps.
    # The estimate is rough either way, so a line of slack every ten rows keeps the last row from being cut.
    shrink = min(1.0, (width - 80) / _CELL_PX / sum(widths))
    lines = [max(1, *(math.ceil(_text_width(cell) / (widths[i] * shrink) - 0.15) for i, cell in enumerate(row)))
             for row in shown]
    slack = _WRAP_PX * math.ceil(len(shown) / 10)
    figure = go.Figure(
        go.Table(
            columnwidth=widths,
            header=dict(values=headers, fill_color=theme.page, line_color=theme.border,
                        font=dict(color=theme.text, size=14), align=["right" if n else "left" for n in numeric],
                        height=34),
            cells=dict(values=[list(col) for col in zip(*shown)], fill_color=theme.surface, line_color=theme.border,
                       font=dict(color=theme.text, size=_CELL_PX), align=["right" if n else "left" for n in numeric],
                       height=_TABLE_ROW_PX),
        )
    )
    figure.update_layout(template=theme.template,
                         height=60 + sum(_TABLE_ROW_PX + _WRAP_PX * (n - 1) for n in lines) + slack)
    return figure, count


def title_page(title: str, lines: list[str], contents: list[str], theme: Theme, lang: str) -> go.Figure:
    """The report's first page: the view's name, the scope, and the list of what follows."""
    figure = go.Figure()
    figure.update_layout(template=theme.template, paper_bgcolor=theme.surface, plot_bgcolor=theme.surface,
                         font_family=EXPORT_FONTS, width=A4_LANDSCAPE[0], height=A4_LANDSCAPE[1],
                         margin=dict(l=80, r=80, t=80, b=60))
    figure.update_xaxes(visible=False, range=[0, 1])
    figure.update_yaxes(visible=False, range=[0, 1])
    figure.add_annotation(text=f"<b>{_escaped(title)}</b>", x=0, y=0.97, xanchor="left", yanchor="top",
                          showarrow=False, font=dict(size=40, color=theme.text), xref="paper", yref="paper")
    body = "<br>".join(_escaped(line) for line in lines)
    figure.add_annotation(text=body, x=0, y=0.8, xanchor="left", yanchor="top", align="left", showarrow=False,
                          font=dict(size=18, color=theme.text), xref="paper", yref="paper")
    listed = "<br>".join(f"{i}. {_escaped(item)}" for i, item in enumerate(contents, start=1))
    figure.add_annotation(
        text=f"<b>{_escaped(t('export.report.contents', lang))}</b><br>{listed}", x=0, y=0.48, xanchor="left",
        yanchor="top", align="left", showarrow=False, font=dict(size=15, color=theme.muted),
        xref="paper", yref="paper",
    )
    return figure


def kpi_table(tiles: list, lang: str, theme: Theme) -> go.Figure:
    """The view's KPI tiles as a table: indicator, value as the screen shows it, definition."""
    columns = [Column("indicator", "text", t("export.report.indicator", lang)),
               Column("value", "text", t("export.report.value", lang)),
               Column("definition", "text", t("export.definition", lang))]
    rows = [[tile.label, tile.text, " ".join(tile.definition.split())] for tile in tiles]
    figure, _ = table_figure(Export("kpis", "", columns, iter(rows)), lang, theme, limit=len(rows) or 1)
    figure.data[0].columnwidth = [2, 1.4, 8]
    figure.data[0].cells.height = 40
    return figure


def _cell_text(value, column: Column, lang: str) -> str:
    value = plain_value(value)
    if is_na(value):
        return ""
    if isinstance(value, str):  # already written as the screen writes it (2.16万, 93.4%)
        return _escaped(value)
    if column.kind == "rate":
        return format_rate(float(value), lang)
    if column.kind == "hours":
        return format_hours(float(value), lang)
    if column.kind == "yuan":
        return f"{float(value):,.2f}"
    if column.kind == "count" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return _escaped(str(value))


def _text_width(text: str) -> float:
    """How many CJK characters wide `text` is: a Latin character (DejaVu Sans) counts about 0.62."""
    return sum(_char_width(c) for c in str(text))


def _char_width(char: str) -> float:
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else _LATIN


def _footer_lines(framing: Framing, width: int) -> list[str]:
    """Source, filters, the note and each definition, wrapped to the figure's width."""
    paragraphs = [framing.source]
    if framing.filters:
        paragraphs.append(framing.filters)
    if framing.note:
        paragraphs.append(framing.note)
    paragraphs.extend(framing.definitions)
    # The footnote's font is _NOTE_PX; a CJK character is about that wide, a Latin one _LATIN of it.
    room = (width - 80) / _NOTE_PX
    return [line for paragraph in paragraphs for line in _wrapped(" ".join(paragraph.split()), room)]


def _wrapped(text: str, room: float) -> list[str]:
    lines, line, used = [], "", 0.0
    for char in text:
        cost = _char_width(char)
        if used + cost > room and line:
            cut = line.rfind(" ")
            if cut > len(line) * 0.6:  # break Latin text at a space, CJK anywhere
                lines.append(line[:cut])
                line = line[cut + 1:]
                used = _text_width(line)
            else:
                lines.append(line)
                line, used = "", 0.0
        line += char
        used += cost
    if line:
        lines.append(line)
    return lines


def _escaped(text: str) -> str:
    """Plotly reads a subset of HTML in text: data must not be taken for tags."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
