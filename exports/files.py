"""The files a view exports: a card as an image (PNG, SVG, PDF) or as data (CSV, XLSX), and the whole-view report.

Every file is built from the view's own answer for the URL's query (see
exports/panels.py), always in the light desk theme, since paper is white.
An image is the card's figure framed to stand alone (exports/framing.py)
and drawn by the process's one renderer (exports/renderer.py). The report
is an XLSX with a KPI sheet, a sheet per card and a definitions sheet, or
an A4-landscape PDF: a title page, the KPI table, then a page per card.
"""
from __future__ import annotations

import io
from typing import NamedTuple
from urllib.parse import urlencode

from pypdf import PdfReader, PdfWriter

import i18n
from api.exports import Column, Export, Note, frame_export, grid_export, scope_area_name, table_export
from callbacks.scoped_view import filter_texts
from components.theme import DESK
from data_access import indicators, ticket_lists, workers
from data_access.database import Database
from data_access.scope import Scope
from exports.framing import (
    A4_LANDSCAPE, CHART_SIZE, REPORT_TABLE_ROWS, TABLE_IMAGE_ROWS, Framing, framed, kpi_table, table_figure, title_page,
)
from exports.panels import Panel, ViewExports, card_of, is_figure, tiles_of
from exports.renderer import ChartRenderer

# Numbers some definitions quote ("last ping within {online} minutes"), as the screens fill them in.
_DEFINITION_VALUES = {
    "online": workers.ONLINE_MINUTES,
    "stale": workers.STALE_MINUTES,
    "hours": ticket_lists.NEAR_OVERDUE_HOURS,
}


class Request(NamedTuple):
    """One export's question: the view, the validated scope, the URL's parameters, the reader's language."""

    db: Database
    view: ViewExports
    scope: Scope
    params: dict[str, str]
    lang: str

    def answer(self):
        """The view's own answer for this URL, drawn in the desk theme."""
        return self.view.answer(self.db, "?" + urlencode({**self.params, "theme": DESK.name}))


class Image(NamedTuple):
    content: bytes
    label: str  # what the file holds, for its name


def panel_image(request: Request, panel: Panel, renderer: ChartRenderer, fmt: str, scale: float = 1) -> Image:
    """The card as a standalone image, `scale` times CHART_SIZE (PNG)."""
    figure, width, height, title = _framed_panel(request, panel, request.answer(), CHART_SIZE, fit=False)
    return Image(renderer.render(figure, fmt, width, height, scale), title)


def panel_data(request: Request, panel: Panel, answer=None) -> Export:
    """The data behind the card: the API's table of it, the view's frame, or the grid's rows."""
    db, scope, lang = request.db, request.scope, request.lang
    card = card_of(request.view, panel, lang)
    if panel.table:
        data = table_export(db, scope, panel.table, lang)
        return data._replace(table=f"{request.view.name}-{panel.name}", label=card.title)
    if panel.frame:
        frame, columns = panel.frame(db, scope, lang)
        typed = [Column(name, kind, i18n.t(label, lang)) for name, label, kind in columns]
        return frame_export(f"{request.view.name}-{panel.name}", card.title, frame, typed, lang)
    rows = panel.shown(answer or request.answer())
    total = panel.total(db, scope) if panel.total else None
    return grid_export(f"{request.view.name}-{panel.name}", card.title, card.columns, rows, lang, total)


def report_sheets(request: Request) -> list[Export]:
    """The whole-view workbook's sheets: the KPI tiles, then each card's data in the order of the view."""
    answer = request.answer()
    lang = request.lang
    tiles = tiles_of(answer)
    # The exact number behind an indicator's tile ("3.14万" is 31,390), from the query that drew it.
    exact = indicators.kpis(request.db, request.scope) if any(t.name in indicators.INDICATORS for t in tiles) else {}
    columns = [Column("indicator", "text", i18n.t("export.report.indicator", lang)),
               Column("shown", "text", i18n.t("export.report.value", lang)),
               Column("value", "number", i18n.t("export.report.exact", lang)),
               Column("definition", "text", i18n.t("export.definition", lang))]
    rows = [[tile.label, tile.text, exact.get(tile.name), " ".join(tile.definition.split())] for tile in tiles]
    kpis = Export(f"{request.view.name}-kpis", i18n.t("export.report.kpis", lang), columns,
                  iter(rows or [Note(i18n.t("export.no_data", lang))]))
    return [kpis, *(panel_data(request, panel, answer) for panel in request.view.panels)]


def report_pdf(request: Request, renderer: ChartRenderer) -> bytes:
    """The A4-landscape report: title page, KPI table, then a page per card, rendered by the one renderer."""
    answer = request.answer()
    lang, theme = request.lang, DESK
    titles = [card_of(request.view, panel, lang).title for panel in request.view.panels]
    kpis = i18n.t("export.report.kpis", lang)
    first = title_page(
        report_title(request),
        [
            _scope_line(request),
            *filter_texts(request.db, request.scope, lang),
            _source_line(request),
        ],
        [kpis, *titles],
        theme,
        lang,
    )
    pages = [(first, *A4_LANDSCAPE)]
    kpi_figure, width, height = framed(kpi_table(tiles_of(answer), lang, theme), _framing(request, kpis, ()),
                                       theme, A4_LANDSCAPE, fit=True)
    pages.append((kpi_figure, width, height))
    for panel in request.view.panels:
        figure, width, height, _ = _framed_panel(request, panel, answer, A4_LANDSCAPE, fit=True)
        pages.append((figure, width, height))
    writer = PdfWriter()
    for page in renderer.render_all(pages, "pdf"):
        writer.append(PdfReader(io.BytesIO(page)))
    writer.add_metadata({"/Title": report_title(request), "/Creator": "OneScreen 一屏观城"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def report_title(request: Request) -> str:
    return i18n.t("export.report.title", request.lang, view=i18n.t(f"nav.{request.view.name}", request.lang))


def _framed_panel(request: Request, panel: Panel, answer, size, *, fit: bool):
    """The card's figure framed; a grid is drawn as a table of its first rows, as listed on screen."""
    lang = request.lang
    card = card_of(request.view, panel, lang)
    shown = panel.shown(answer)
    note = None
    if is_figure(shown):
        figure = shown
    else:
        limit = REPORT_TABLE_ROWS if fit else TABLE_IMAGE_ROWS
        rows = grid_export(panel.name, card.title, card.columns, shown, lang, as_shown=True)
        figure, count = table_figure(rows, lang, DESK, limit, width=size[0])
        total = panel.total(request.db, request.scope) if panel.total else count
        if total > min(count, limit):
            note = i18n.t("export.frame.rows", lang, shown=min(count, limit), total=total)
    framing = _framing(request, card.title, panel.definitions)._replace(note=note)
    out, width, height = framed(figure, framing, DESK, size, fit=fit)
    return out, width, height, card.title


def _framing(request: Request, title: str, definitions) -> Framing:
    filters = filter_texts(request.db, request.scope, request.lang)
    return Framing(
        title=title,
        scope=_scope_line(request),
        filters=i18n.t("export.frame.filters", request.lang, filters="；".join(filters)) if filters else None,
        source=_source_line(request),
        definitions=[_definition_line(key, request.lang) for key in definitions],
    )


def _scope_line(request: Request) -> str:
    scope, lang = request.scope, request.lang
    return i18n.t(
        "export.frame.scope", lang, area=scope_area_name(request.db, scope, lang), start=scope.period_from,
        end=scope.period_to, as_of=i18n.format_moment(scope.as_of, lang),
    )


def _source_line(request: Request) -> str:
    lang = request.lang
    return i18n.t("export.frame.source", lang, source=i18n.t(request.view.source, lang),
                  exported=i18n.format_moment(request.db.settings.now(), lang))


def _definition_line(key: str, lang: str) -> str:
    """`结案率：结案数 ÷ 应结案数…`: the definition under the name the screen gives it."""
    text = i18n.t(key, lang, **_DEFINITION_VALUES)
    if key.startswith("definition."):
        label = i18n.indicator_label(key.removeprefix("definition."), lang)
    else:
        area, _, name = key.partition(".definition.")
        label = next((i18n.t(k, lang) for k in (f"{area}.{name}", f"wall.stat.{name}") if k in i18n.CATALOGUE),
                     None)
    separator = "：" if lang == "zh" else ": "
    return f"{label}{separator}{text}" if label else text
