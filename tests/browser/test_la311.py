"""The LA 311 sample in Chromium: every view draws on real data nobody made for OneScreen, and a leader drills down.

The sample is imported with the committed mapping (importer/mappings/la311.toml)
and served with the clock frozen just after its last request, as `make
demo-la311` does. It has no deadlines, workers, crowd or fund data: those
views must say so, without a console error. A click on a council district's
bar and then on a neighborhood council's takes the overview from the city to
that council, and its tiles show the API's numbers for it.
"""
from __future__ import annotations

import contextlib
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import pytest

from demo.datasets import unpacked
from importer.__main__ import main as import_main
from tests.browser.harness import VIEW_PATHS, ServedApp, screenshot, serve, wait_until_shown
from tests.support import settings_for

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "importer" / "mappings" / "la311.toml"
# Just after the last request (2020-01-03 14:22), as `make demo-la311` serves it.
NOW = datetime(2020, 1, 3, 15, 0)
BARS = "#area-chart g.trace.bars g.point path"
REPORTED_TILE = "#kpi-tiles [data-indicator='reported']"
DISTRICT, COUNCIL = re.compile(r"^LA\d\d$"), re.compile(r"^LA\d{5}$")


@pytest.fixture(scope="module")
def la_app(tmp_path_factory) -> Iterator[ServedApp]:
    unpacked("la311")  # the sample shipped in demo/datasets/la311, where the mapping reads it
    url = f"sqlite:///{tmp_path_factory.mktemp('la311') / 'la311.sqlite'}"
    with contextlib.redirect_stdout(io.StringIO()):
        assert import_main(["csv", "--mapping", str(MAPPING), "--url", url]) == 0
    with serve(settings_for(url, frozen_now=NOW)) as served:
        yield served


@pytest.mark.parametrize("view", VIEW_PATHS)
def test_every_view_draws_the_la_data_without_errors(view, la_app, watched_page):
    page, log = watched_page
    page.goto(la_app.url(VIEW_PATHS[view]))
    wait_until_shown(page)
    screenshot(page, f"la311-{view}")

    assert log.errors == []
    assert log.foreign_requests(la_app.origin) == []
    assert log.callback_requests(), "the page made no Dash callback request"


def test_drill_down_from_the_city_to_a_neighborhood_council(la_app, watched_page):
    page, log = watched_page
    page.goto(la_app.url("/", urlencode({"lang": "en"})))
    wait_until_shown(page, BARS)
    assert page.text_content(".scope__area") == "Los Angeles"

    district, _ = click_area_bar(page, DISTRICT)
    wait_until_shown(page, BARS)
    council, council_name = click_area_bar(page, COUNCIL)
    assert council.startswith(district)
    page.wait_for_function("name => document.querySelector('.scope__area')?.textContent === name", arg=council_name)
    wait_until_shown(page, REPORTED_TILE)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "la311-neighborhood-council")

    shown = page.text_content(f"{REPORTED_TILE} .kpi__value")
    assert shown == str(la_app.api_json("/api/v1/kpis", f"area={council}")["reported"])
    assert log.errors == []


def click_area_bar(page, code: re.Pattern) -> tuple[str, str]:
    """Click, as a person does, the area chart's bar of a child area whose code matches; return its code and name."""
    children = page.evaluate("() => document.querySelector('#area-chart .js-plotly-plot').data[0].customdata")
    index = next(i for i, (child, *_) in enumerate(children) if code.match(child))
    child, name = children[index][:2]
    bar = page.locator(BARS).nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    # At the bar's middle, where plotly's drag layer on top takes the click for the bar.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(rf"[?&]area={child}(&|$)"))
    return child, name
