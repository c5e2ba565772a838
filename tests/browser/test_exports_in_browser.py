"""An analyst exports from the screen: opens a card's export menu or the view's report menu and gets the file.

The menus are plain download links carrying the URL's scope, so the file
holds exactly what the screen shows; the browser must receive it as a
download named for what it holds, and it must not have left the app's origin.
"""
from __future__ import annotations

import io

from pypdf import PdfReader

from tests.browser.harness import screenshot, wait_until_shown


def _card_menu(page, title: str):
    """The export menu of the card titled `title`."""
    return page.locator(".card", has=page.locator(".card__title", has_text=title)).locator(".export-menu")


def test_a_cards_data_is_downloaded_as_a_csv_holding_the_screens_numbers(demo_app, watched_page):
    page, log = watched_page
    page.goto(demo_app.url("/tickets", "area=320508&theme=light"))
    wait_until_shown(page)
    menu = _card_menu(page, "各来源积压工单")
    menu.locator("summary").click()
    screenshot(page, "tickets-export-menu")
    with page.expect_download() as download_info:
        menu.get_by_text("数据 CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("各来源积压工单_姑苏区_")
    assert download.suggested_filename.endswith(".csv")
    data = open(download.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("编码 [key],名称 [name],积压工单 [backlog]")
    api = page.request.get(demo_app.url("/api/v1/backlog", "by=source&area=320508")).json()
    assert len(text.strip().splitlines()) == 1 + len(api["rows"])
    assert log.errors == []
    assert log.foreign_requests(demo_app.origin) == []


def test_a_chart_is_downloaded_as_a_png(demo_app, watched_page):
    page, _ = watched_page
    page.goto(demo_app.url("/"))
    wait_until_shown(page)
    menu = _card_menu(page, "下级区域结案率")
    menu.locator("summary").click()
    with page.expect_download() as download_info:
        menu.get_by_text("图片 PNG（2倍").click()
    download = download_info.value
    assert download.suggested_filename.startswith("下级区域结案率_姑苏区_")
    assert open(download.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_whole_view_report_is_downloaded_as_a_pdf(demo_app, watched_page):
    page, _ = watched_page
    page.goto(demo_app.url("/closure"))
    wait_until_shown(page)
    report = page.locator(".export-menu--report")
    report.locator("summary").click()
    with page.expect_download(timeout=120_000) as download_info:
        report.get_by_text("整页报告 PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("结案报告_姑苏区_")
    reader = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    assert len(reader.pages) == 5  # title, KPIs, the league and the department and category tables


def test_an_open_menu_closes_on_a_click_elsewhere_and_after_a_download(demo_app, watched_page):
    page, log = watched_page
    page.goto(demo_app.url("/tickets"))
    wait_until_shown(page)
    first, second = _card_menu(page, "各来源积压工单"), _card_menu(page, "各状态积压工单")
    first.locator("summary").click()
    assert first.get_attribute("open") is not None
    second.locator("summary").click()
    assert first.get_attribute("open") is None and second.get_attribute("open") is not None
    with page.expect_download():
        second.get_by_text("数据 CSV").click()
    assert second.get_attribute("open") is None
    assert log.errors == []
