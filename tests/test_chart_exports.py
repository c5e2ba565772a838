"""Exports of what a view shows: a card as PNG, SVG and PDF drawn with no network, its data as CSV and XLSX, the report.

The renderer's Chromium runs in a network namespace of its own
(tests/offline-chromium), so an image that needed anything from outside the
server would fail here. Images are checked as files (size, page count, the
scope's name in the PDF's text); data files are read back and compared with
the API for the same scope.
"""
from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import threading
import time
import unicodedata
import zipfile
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

import pandas as pd
import plotly.graph_objects as go
import pytest
from pypdf import PdfReader

from app import create_app
from components import ids
from components.export_menu import PANELS, REPORT_VIEWS, add_panel_menus, components_in
from components.theme import DESK
from demo.generate import generate
from exports.framing import REPORT_TABLE_ROWS
from exports.panels import VIEWS, menu_notes
from exports.renderer import ChartRenderer
from pages import tickets as tickets_page
from tests.support import create_contract, fresh_database_url, settings_for, unavailable, signed_in
from tests.test_exports import _xlsx_rows

NOW = datetime(2026, 11, 20, 12, 0, 0)
SCOPE = "from=2026-10-22&to=2026-11-20&as_of=2026-11-20T12:00:00"
OFFLINE_CHROMIUM = Path(__file__).resolve().parent / "offline-chromium"
# One chart of each view (the closure and crowd views show tables: they export as table images).
A_CHART_OF_EACH_VIEW = [("overview", "areas"), ("crowd", "zones"), ("tickets", "by-source"),
                        ("workers", "by-area"), ("closure", "league"), ("funds", "by-kind")]
FULL_PHONE = re.compile(r"1\d{10}")


def offline_chromium() -> str:
    """The wrapper, once it is shown that this machine can give a process a network of its own."""
    if shutil.which("chromium") is None:
        unavailable("Chromium", FileNotFoundError("apt-get install chromium"))
    try:
        subprocess.run(["unshare", "--user", "--map-current-user", "--net", "true"], check=True, capture_output=True,
                       timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        unavailable("a network namespace in a user namespace (unshare --user --net)", error)
    return str(OFFLINE_CHROMIUM)


@pytest.fixture(scope="module")
def renderer():
    chart_renderer = ChartRenderer(offline_chromium())
    yield chart_renderer
    chart_renderer.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("chart_exports") / "tiny.sqlite"
    generate(f"sqlite:///{path}", preset="tiny", seed=20261120, now=NOW)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def client(city, renderer):
    return _served(city, renderer)


def _served(url: str, renderer: ChartRenderer):
    """The whole app on `url`; the module's one renderer serves every app of the module (a browser start is seconds)."""
    return signed_in(create_app(settings_for(url, frozen_now=NOW), renderer=renderer))


@pytest.fixture(scope="module")
def empty_client(tmp_path_factory, renderer):
    url = fresh_database_url("sqlite", "empty_export", tmp_path_factory.mktemp("empty_export"))
    create_contract(url)
    return _served(url, renderer)


def _get(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, (path, response.data[:400])
    return response


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    """The pages and their text without spaces, as a reader's search would see it (NFKC: full-width forms folded)."""
    reader = PdfReader(io.BytesIO(data))
    return reader, "".join(_plain_text(page.extract_text()) for page in reader.pages)


def _plain_text(text: str) -> str:
    return re.sub(r"[\s\x00]+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("view, card", A_CHART_OF_EACH_VIEW)
def test_a_card_of_every_view_renders_as_png_svg_and_pdf_without_a_network(client, view, card):
    png = _get(client, f"/export/{view}/{card}.png?{SCOPE}")
    assert png.content_type == "image/png"
    width, height = _png_size(png.data)
    assert width == 1280 and height >= 720

    svg = _get(client, f"/export/{view}/{card}.svg?{SCOPE}")
    root = ElementTree.fromstring(svg.data)
    assert root.tag.endswith("svg") and root.get("width") == "1280"

    pdf = _get(client, f"/export/{view}/{card}.pdf?{SCOPE}")
    reader, text = _pdf_text(pdf.data)
    assert len(reader.pages) == 1
    compact = text
    assert "姑苏区" in compact  # the tiny city's name: the scope travels with the image
    assert "统计期2026-10-22至2026-11-20" in compact
    assert "数据来源" in compact


def test_png_comes_at_two_and_four_times_the_size_for_print(client):
    one = _png_size(_get(client, f"/export/tickets/by-age.png?{SCOPE}").data)
    assert _png_size(_get(client, f"/export/tickets/by-age@2x.png?{SCOPE}").data) == (one[0] * 2, one[1] * 2)
    assert _png_size(_get(client, f"/export/tickets/by-age@4x.png?{SCOPE}").data) == (one[0] * 4, one[1] * 4)


def test_a_chart_pdf_says_how_its_indicator_is_counted(client):
    _, text = _pdf_text(_get(client, f"/export/overview/areas.pdf?{SCOPE}").data)
    assert "结案率=结案数÷应结案数" in text


def test_the_image_file_name_says_what_where_and_when(client):
    disposition = _get(client, f"/export/overview/areas.png?{SCOPE}").headers["Content-Disposition"]
    name = unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))
    assert name == "下级区域结案率_姑苏区_2026-10-22_2026-11-20.png"
    retina = _get(client, f"/export/overview/areas@2x.png?{SCOPE}").headers["Content-Disposition"]
    assert 'filename="overview-areas_320508_2026-10-22_2026-11-20@2x.png"' in retina


def test_chart_data_as_csv_has_a_bom_chinese_headers_and_the_apis_numbers(client):
    response = _get(client, f"/export/tickets/by-source.csv?{SCOPE}")
    assert response.data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
    assert list(frame.columns) == ["编码 [key]", "名称 [name]", "积压工单 [backlog]", "超期工单 [overdue]"]
    exported = frame.set_index("编码 [key]")
    for row in client.get(f"/api/v1/backlog?by=source&{SCOPE}").get_json()["rows"]:
        assert exported.loc[row["key"], "积压工单 [backlog]"] == row["backlog"]
        assert exported.loc[row["key"], "超期工单 [overdue]"] == row["overdue"]


def test_a_table_cards_xlsx_holds_the_screens_rows_as_numbers(client):
    rows = _xlsx_rows(_get(client, f"/export/closure/league.xlsx?{SCOPE}").data)
    headers = rows[0]
    rate = next(i for i, h in enumerate(headers) if h.endswith("[closure_rate]"))
    name = next(i for i, h in enumerate(headers) if h.endswith("[name]"))
    api = {r["name"]: r["closure_rate"] for r in client.get(f"/api/v1/breakdown?by=area&{SCOPE}").get_json()["rows"]}
    league = {row[name]: row[rate] for row in rows[1:] if len(row) > rate}
    assert league and set(league) <= set(api)
    for area, value in league.items():
        assert value == pytest.approx(api[area])


def test_card_exports_mask_the_reporters_phone_as_the_screen_does(client):
    csv_text = _get(client, f"/export/tickets/overdue.csv?{SCOPE}").data.decode("utf-8-sig")
    assert "****" in csv_text and not FULL_PHONE.search(csv_text)
    _, pdf_text = _pdf_text(_get(client, f"/export/tickets/overdue.pdf?{SCOPE}").data)
    assert "****" in pdf_text and not FULL_PHONE.search(pdf_text)


def test_the_whole_view_workbook_has_kpis_a_sheet_per_card_and_definitions(client):
    for view in REPORT_VIEWS:
        data = _get(client, f"/export/{view}.xlsx?{SCOPE}").data
        workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet name="([^"]+)"', workbook)
        assert sheets[0] == "主要指标" and sheets[-1] == "说明", view
        assert len(sheets) == len(VIEWS[view].panels) + 2, (view, sheets)
    kpi_rows = _xlsx_rows(_get(client, f"/export/overview.xlsx?{SCOPE}").data)
    by_label = {row[0]: row for row in kpi_rows[1:]}
    api = client.get(f"/api/v1/kpis?{SCOPE}").get_json()
    assert by_label["结案率"][2] == pytest.approx(api["closure_rate"])  # the exact number beside "99.7%"
    assert by_label["积压工单"][2] == api["backlog"]


def test_the_report_pdf_is_a4_landscape_title_kpis_then_every_card(client):
    reader, text = _pdf_text(_get(client, f"/export/tickets.pdf?{SCOPE}").data)
    assert len(reader.pages) == 2 + len(VIEWS["tickets"].panels)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(842, abs=1)
        assert float(page.mediabox.height) == pytest.approx(595, abs=1.5)
    first = _plain_text(reader.pages[0].extract_text())
    assert "工单报告" in first and "姑苏区" in first and "统计期2026-10-22至2026-11-20" in first
    assert "主要指标" in _plain_text(reader.pages[1].extract_text())


def test_report_text_is_searchable_for_chinese_words_as_typed(client):
    """Chromium's PDF names some CJK glyphs by their radicals (⼯ U+2F2F for 工); the export names them by the word."""
    reader = PdfReader(io.BytesIO(_get(client, f"/export/overview.pdf?{SCOPE}").data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "工单" in text and "姑苏区" in text
    radicals = sorted({ch for ch in text if 0x2E80 <= ord(ch) <= 0x2FDF})
    assert not radicals, radicals


def test_a_reports_table_page_shows_every_row_it_says_it_lists(client):
    reader, _ = _pdf_text(_get(client, f"/export/closure.pdf?{SCOPE}").data)
    # The department card's page: its title above the scope, and the note saying how many rows it lists.
    page = next(text for text in (_plain_text(page.extract_text()) for page in reader.pages)
                if "各处置部门结案指标姑苏区" in text)
    shown, total = map(int, re.search(r"表中列出前(\d+)行,共(\d+)行", page).groups())
    names = pd.read_csv(io.BytesIO(_get(client, f"/export/closure/by-dept.csv?{SCOPE}").data),
                        encoding="utf-8-sig")["处置部门 [name]"]
    assert (shown, total) == (REPORT_TABLE_ROWS, len(names)) and total > shown
    assert [name for name in names[:shown] if _plain_text(name) not in page] == []


def test_english_exports_speak_english(client):
    _, text = _pdf_text(_get(client, f"/export/overview/trend.pdf?{SCOPE}&lang=en").data)
    assert "Source:" in text and "period2026-10-22to2026-11-20" in text


def test_an_empty_view_exports_valid_files_that_say_no_data(empty_client):
    png = _get(empty_client, "/export/tickets/by-source.png")
    assert _png_size(png.data)[0] == 1280
    assert _get(empty_client, "/export/funds/items.csv").data.decode("utf-8-sig").strip().endswith("无数据")
    reader, text = _pdf_text(_get(empty_client, "/export/closure.pdf").data)
    assert len(reader.pages) == 2 + len(VIEWS["closure"].panels)
    assert "无数据" in text


@pytest.mark.parametrize("path, param", [
    ("/export/weather/trend.png", "panel"), ("/export/overview/rain.png", "panel"),
    ("/export/overview/areas@2x.svg", "panel"), ("/export/overview/areas.gif", "panel"),
    ("/export/wall.pdf", "table"), ("/export/overview/areas.png?area=NOWHERE", "area"),
    ("/export/overview.pdf?from=2026-13-01", "from"),
])
def test_a_bad_export_request_is_a_json_error_naming_what_is_wrong(client, path, param):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert response.get_json()["error"]["param"] == param


def test_every_card_in_the_menus_can_be_exported(client):
    for view, card in PANELS.values():
        assert VIEWS[view].panel(card) is not None, (view, card)
    for view in VIEWS.values():
        for panel in view.panels:
            assert (view.name, panel.name) in PANELS.values()
            assert _get(client, f"/export/{view.name}/{panel.name}.csv?{SCOPE}").data.startswith(b"\xef\xbb\xbf")


def test_the_renderer_reaches_nothing_outside_even_when_a_figure_asks(renderer):
    """A figure pointing at an address is drawn without it: the request never arrives."""
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        figure = go.Figure(go.Bar(x=[1], y=[1]))
        figure.add_layout_image(source=f"http://127.0.0.1:{server.server_port}/tile.png", x=0, y=1,
                                sizex=1, sizey=1, xref="paper", yref="paper")
        assert renderer.render(figure, "png", 400, 300)[:4] == b"\x89PNG"
    finally:
        server.shutdown()
    assert asked == []


def test_without_a_renderer_an_image_is_a_503_saying_so_and_data_still_exports(city, tmp_path):
    broken = ChartRenderer(str(tmp_path / "no-chromium-here"))
    client = _served(city, broken)
    response = client.get(f"/export/overview/areas.png?{SCOPE}")
    assert response.status_code == 503
    assert "图片渲染服务暂不可用" in response.get_json()["error"]["message"]
    assert client.get(f"/export/overview.pdf?{SCOPE}").status_code == 503
    assert client.get(f"/export/overview/areas.csv?{SCOPE}").status_code == 200
    assert client.get(f"/export/overview.xlsx?{SCOPE}").status_code == 200


def test_the_menus_say_what_a_list_export_holds(client):
    page = tickets_page.layout("zh", DESK)
    add_panel_menus(page, "zh", "/", "area=320508", menu_notes("zh"))
    notes = {c.children for c in components_in(page) if getattr(c, "className", None) == "export-menu__note"}
    assert any("含清单全部工单，上限 100万 条" in note for note in notes)
    links = [c.href for c in components_in(page) if getattr(c, "className", None) == "export-menu__link"]
    assert "/export/tickets/overdue.csv?area=320508" in links
    assert ids.TICKETS_OVERDUE_GRID in PANELS


def test_an_idle_renderer_stops_its_browser_and_the_next_export_starts_another():
    idle = ChartRenderer(offline_chromium(), idle_s=1)
    figure = go.Figure(go.Bar(x=[1], y=[1]))
    try:
        assert idle.render(figure, "svg", 300, 200).startswith(b"<svg")
        assert idle.running
        deadline = time.monotonic() + 10
        while idle.running and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not idle.running
        assert idle.render(figure, "png", 300, 200)[:4] == b"\x89PNG"
    finally:
        idle.close()
