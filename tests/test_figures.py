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
