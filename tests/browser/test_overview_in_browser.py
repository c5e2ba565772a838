"""The overview in Chromium: the tiles show the API's numbers, and a click on a sub-area drills down to it.

A leader who reads 87.2% on the screen and pulls /api/v1/kpis for the same
scope must get the same number; after clicking a street's bar, the link in
the address bar must show that street, and the tiles that street's numbers.
Both are asked at the moment the demo city was generated (an explicit
as_of), so the screen and the API answer the very same question.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.browser.harness import ServedApp, wait_until_shown

TILES = "#kpi-tiles [data-indicator]"
NO_DATA = {"无数据", "n/a"}
# Chinese counts from 10,000 up are shown in 万 / 亿 with two decimals.
CHINESE_UNITS = {"万": 10_000, "亿": 100_000_000}


def api_kpis(served: ServedApp, **params: str) -> dict:
    return served.api_json("/api/v1/kpis", urlencode(params))


def shown_tiles(page) -> dict[str, str]:
    """{indicator: the value text on its tile}."""
    return dict(page.eval_on_selector_all(
        TILES, "tiles => tiles.map(t => [t.dataset.indicator, t.querySelector('.kpi__value').textContent])"
    ))


def shows(text: str, value) -> bool:
    """Whether the tile text `text` is the API's `value` at the precision the tile shows."""
    if value is None:
        return text in NO_DATA
    if text in NO_DATA:
        return False
    number = text.replace(",", "")
    if number.endswith("%"):
        return abs(float(number[:-1]) / 100 - value) <= 0.0005 + 1e-9
    unit = CHINESE_UNITS.get(number[-1])
    if unit:
        return abs(float(number[:-1]) * unit - value) <= unit * 0.005
    digits = number.split(".")[1] if "." in number else ""
    return abs(float(number) - value) <= 0.5 * 10 ** -len(digits) + 1e-9


def assert_tiles_show(tiles: dict[str, str], api: dict) -> None:
    assert tiles, "no KPI tile on the page"
    assert set(tiles) <= set(api), f"tiles the API does not answer: {set(tiles) - set(api)}"
    mismatches = {name: (text, api[name]) for name, text in tiles.items() if not shows(text, api[name])}
    assert mismatches == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tiles_show_the_apis_numbers_for_the_same_scope(lang, demo_app, demo_city, watched_page):
    page, log = watched_page
    as_of = demo_city.generated_at.isoformat()
    page.goto(demo_app.url("/", urlencode({"as_of": as_of, "lang": lang})))
    wait_until_shown(page, TILES)

    assert_tiles_show(shown_tiles(page), api_kpis(demo_app, as_of=as_of))
    assert log.errors == []


def test_clicking_a_sub_area_bar_drills_down_to_it(demo_app, demo_city, watched_page):
    page, log = watched_page
    as_of = demo_city.generated_at.isoformat()
    page.goto(demo_app.url("/", urlencode({"as_of": as_of, "lang": "en"})))
    wait_until_shown(page, "#area-chart g.point path")
    city_tiles = shown_tiles(page)

    # The best-rated street: plotly draws it last, on top, and its bar is the widest to click.
    bars = page.locator("#area-chart g.trace.bars g.point path")
    clicked = bars.count() - 1
    code, name = page.evaluate(
        "i => document.querySelector('#area-chart .js-plotly-plot').data[0].customdata[i].slice(0, 2)", clicked
    )
    # As a person clicks: at the bar's middle, where plotly's drag layer on top takes the click for the bar.
    bar = bars.nth(clicked)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    page.wait_for_url(re.compile(rf"[?&]area={re.escape(code)}(&|$)"))
    page.wait_for_function("name => document.querySelector('.scope__area')?.textContent === name", arg=name)
    wait_until_shown(page, TILES)
    query = parse_qs(urlsplit(page.url).query)
    assert query["as_of"] == [as_of] and query["lang"] == ["en"], "the drill-down dropped the rest of the scope"
    street_tiles = shown_tiles(page)
    assert street_tiles != city_tiles
    assert_tiles_show(street_tiles, api_kpis(demo_app, area=code, as_of=as_of))
    assert log.errors == []
