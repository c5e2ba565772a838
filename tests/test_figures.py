"""The figure builders shared by every view: pure functions from a frame to a figure, tested with hand-made frames."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from components import figures
from components.theme import DEFAULT_THEME


def days_frame(*days: str) -> pd.DataFrame:
    return pd.DataFrame({"key": list(days), "reported": [3] * len(days), "closed": [1] * len(days)})


@pytest.mark.parametrize("period", [
    (date(2026, 4, 30), date(2026, 4, 30)),
    (date(2026, 4, 30), date(2026, 5, 2)),
])
def test_a_short_period_ticks_each_day_once(period):
    # plotly alone ticks a two-day axis every twelve hours, written 04-30 04-30 05-01.
    start, end = period
    days = [d.date().isoformat() for d in pd.date_range(start, end, freq="D")]
    figure = figures.ticket_trend(days_frame(*days), start, end, "zh", DEFAULT_THEME)
    ticks = [pd.Timestamp(tick).date().isoformat() for tick in figure.layout.xaxis.tickvals]
    assert ticks == days


def test_a_long_period_leaves_the_ticks_to_plotly_at_whole_days():
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    figure = figures.ticket_trend(days_frame("2026-01-05"), start, end, "zh", DEFAULT_THEME)
    assert figure.layout.xaxis.tickvals is None
    assert figure.layout.xaxis.tickformat == "%m-%d"


def test_the_overview_shows_the_lowest_closure_rates_that_fit_and_says_of_how_many(tmp_path):
    # 19 sub-areas: the card shows the lowest that fit without scrolling, and says it left some out.
    from callbacks.overview import overview_panels
    from data_access.database import Database
    from tests.support import create_contract, fresh_database_url, insert_rows, settings_for
    from tests.test_view_tickets import NOW, D

    children = [{"area_code": f"R{i:02d}", "parent_code": "R", "level": "street", "name": f"第{i}街道"}
                for i in range(19)]
    # Area R<i> closes i of its 20 tickets: R00 is the worst.
    tickets = [
        {"ticket_id": f"T{i}-{n}", "source": "hotline_12345", "area_code": f"R{i:02d}",
         "status": "closed" if n < i else "dispatched", "reported_at": NOW - 2 * D,
         "closed_at": NOW - D if n < i else None, "due_at": NOW - 1.5 * D}
        for i in range(19) for n in range(20)
    ]
    url = fresh_database_url("sqlite", "overview_many_areas", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": [{"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
                               *children], "ticket": tickets})
    figure = overview_panels(Database.from_settings(settings_for(url)), "").areas
    shown = list(figure.data[0].y)
    assert len(shown) == 12 and "R00" in shown and "R18" not in shown
    assert [a.text for a in figure.layout.annotations] == ["显示结案率最低的 12 个（共 19 个）"]
    assert figure.layout.height is None  # it fills its card: nothing hides below a scroll


def test_the_overview_area_card_does_not_scroll():
    from components import ids
    from pages.overview import layout

    def bodies(node):
        children = getattr(node, "children", None)
        if children is None or isinstance(children, str):
            return
        children = children if isinstance(children, list) else [children]
        if any(getattr(child, "id", None) == ids.AREA_CHART for child in children):
            yield node
        for child in children:
            yield from bodies(child)

    [body] = bodies(layout("zh", DEFAULT_THEME))
    assert body.className == "card__body"
