"""Figure builders: pure functions from a tidy frame (as data_access returns it) to a plotly figure.

No I/O and no database here: a builder can be tested with a hand-made frame,
and the same builder serves the screen and, later, the chart export. Labels
come from the catalogue in the reader's language; colours from the theme.
An empty frame gives a figure that says "no data" in place, never an error.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from components.theme import Theme
from i18n import code_label, format_count, format_rate, indicator_label, separates_thousands, t

# A bar chart of up to this many rows fills its card; a longer one (fifty
# workstations under a street) gets this many pixels a row and the card
# scrolls, rather than squeezing the names until they overlap.
ROWS_THAT_FIT = 12
_BAR_ROW_PX = 34
# Up to this count plotly would tick a count axis at fractions (0.5); one tick per unit instead.
_SMALL_COUNT = 5
# Up to this many days a day axis ticks every day itself: left alone, plotly ticks a short period
# every twelve hours, and a date written as month-day then repeats (04-30 04-30 05-01).
# A longer period has room for plotly's own ticks, which are whole days by then.
_DAYS_TICKED_EACH = 14
# The name of the note on a cut chart (noting_rows), by which the wall sizes it.
ROWS_NOTE = "rows-shown"


def blank(theme: Theme) -> go.Figure:
    """An empty figure in the theme's colours, shown until the first data arrives (no white flash on a dark wall)."""
    figure = go.Figure()
    figure.update_layout(template=theme.template)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def no_data(lang: str, theme: Theme) -> go.Figure:
    """An empty chart: nothing in scope."""
    return _message(t("empty", lang), theme)


def _message(text: str, theme: Theme) -> go.Figure:
    """A figure that says `text` where the chart would be."""
    figure = blank(theme)
    figure.add_annotation(
        text=text,
        xref="paper", yref="paper", x=0.5, y=0.5,
        showarrow=False, font=dict(size=22, color=theme.muted),
    )
    return figure


def ticket_trend(days: pd.DataFrame, period_from: date, period_to: date, lang: str, theme: Theme) -> go.Figure:
    """Reported (bars) and closed (line) per reporting day, from `kpis_by(..., "day")`.

    Days of the period without tickets are drawn as zero rather than skipped,
    so a quiet day is not mistaken for a gap in the data.
    """
    if days.empty:
        return no_data(lang, theme)
    period = pd.date_range(period_from, period_to, freq="D")
    daily = (
        days.dropna(subset=["key"])
        .assign(day=lambda frame: pd.to_datetime(frame["key"]))
        .set_index("day")[["reported", "closed"]]
        .reindex(period, fill_value=0)
    )
    figure = go.Figure(
        [
            go.Bar(
                x=daily.index, y=daily["reported"], name=indicator_label("reported", lang),
                marker_color=theme.series[0],
            ),
            go.Scatter(
                x=daily.index, y=daily["closed"], name=indicator_label("closed", lang),
                mode="lines+markers", line=dict(color=theme.series[1], width=3),
            ),
        ]
    )
    figure.update_layout(template=theme.template, hovermode="x unified", bargap=0.3)
    figure.update_xaxes(_day_axis(period))
    figure.update_yaxes(_count_axis(lang, daily["reported"].max()))
    return figure


def closure_rate_by_area(areas: pd.DataFrame, parent_code: str, lang: str, theme: Theme) -> go.Figure:
    """Closure rate per child area of `parent_code` (`kpis_by(..., "area")`), best at the top, n/a ones last.

    Tickets filed on the parent itself, under none of its children, come
    back keyed by the parent's own code: they get a row of their own, named
    as such; a parent with no children at all has no chart. Each bar carries
    its area code in customdata, which is what a click drills down to.
    """
    if areas.empty:
        return no_data(lang, theme)
    itself = areas["key"] == parent_code
    if itself.all():
        return _message(t("chart.areas.none", lang), theme)
    areas = areas.assign(name=areas["name"].where(~itself, t("chart.areas.itself", lang)))
    # Plotly draws the first row at the bottom: sort worst first so the best lead the chart.
    frame = areas.assign(rated=areas["closure_rate"].notna()).sort_values(
        ["rated", "closure_rate"], ascending=True, ignore_index=True
    )
    # An area with backlog but no tickets in the period has NaN here: n/a, like a None rate.
    rate_text = [format_rate(rate if rated else None, lang) for rate, rated in zip(frame["closure_rate"], frame["rated"])]
    backlog_text = [format_count(int(count), lang) for count in frame["backlog"]]
    figure = go.Figure(
        go.Bar(
            x=[rate if rated else 0 for rate, rated in zip(frame["closure_rate"], frame["rated"])],
            y=frame["key"],
            orientation="h",
            marker_color=[theme.series[1] if rated else theme.muted for rated in frame["rated"]],
            text=rate_text,
            textposition="outside",
            cliponaxis=False,
            customdata=list(zip(frame["key"], frame["name"], backlog_text)),
            hovertemplate=(
                f"%{{customdata[1]}}<br>{indicator_label('closure_rate', lang)}: %{{text}}"
                f"<br>{indicator_label('backlog', lang)}: %{{customdata[2]}}<extra></extra>"
            ),
        )
    )
    figure.update_layout(
        template=theme.template,
        height=_bar_chart_height(len(frame)),
        showlegend=False,
    )
    figure.update_xaxes(range=[0, 1.18], tickformat=".0%", fixedrange=True)
    # Area codes are text even when they look like numbers (Chengdu's "510104"): a category axis, never a numeric one.
    figure.update_yaxes(type="category", tickvals=frame["key"], ticktext=frame["name"], fixedrange=True)
    return figure


def lowest_closure_rates(groups: pd.DataFrame, parent_code: str | None, lang: str, theme: Theme, *,
                         rows: int) -> go.Figure:
    """Closure rate per group (`kpis_by` by area or department), the `rows` lowest when there are more.

    Drawn by closure_rate_by_area, with a note saying it left rows out, so a
    card that does not scroll hides no bad area. `parent_code` names the area
    whose own tickets get a row of their own (None for departments); tickets
    with no department come back keyed None and are named "unknown".
    """
    groups = groups.assign(key=groups["key"].fillna(""), name=groups["name"].fillna(t("unknown", lang)))
    worst = groups.sort_values("closure_rate", na_position="last").head(rows)
    figure = closure_rate_by_area(worst, parent_code, lang, theme)
    return noting_rows(figure, "lowest_closure", len(worst), len(groups), lang)


def noting_rows(figure: go.Figure, which: str, shown: int, total: int, lang: str) -> go.Figure:
    """Say above the plot which rows a cut chart kept and of how many, so it is never read as the whole list."""
    if shown < total:
        figure.add_annotation(
            text=t(f"wall.rows.{which}", lang, shown=shown, total=total),
            xref="paper", yref="paper", x=1, y=1, xanchor="right", yanchor="bottom",
            showarrow=False, opacity=0.7, name=ROWS_NOTE,
        )
        figure.update_layout(margin_t=28)
    return figure


def backlog_by_source(sources: pd.DataFrame, lang: str, theme: Theme) -> go.Figure:
    """Backlog per ticket source (`backlog_by(..., "source")`), overdue and not yet overdue stacked, largest on top."""
    return backlog_stack(sources, [code_label("source", key, lang) for key in sources["key"]], lang, theme)


def backlog_stack(groups: pd.DataFrame, labels: list[str], lang: str, theme: Theme, *,
                  ordered: bool = False, rows: int | None = None) -> go.Figure:
    """Backlog per group of any `backlog_by` frame, overdue and not yet overdue stacked.

    `labels` names the rows of `groups`, in its order. The largest group is on
    top, unless `ordered`: then the frame's own order reads from the top (age
    buckets, youngest first). Each bar carries its group's key in customdata,
    which is what a click drills into. `rows`: only that many largest groups,
    with a note saying so, for a card that does not scroll.
    """
    if groups.empty:
        return no_data(lang, theme)
    frame = groups.assign(label=list(labels))
    total = len(frame)
    if rows is not None:
        frame = frame.sort_values("backlog", ascending=False, kind="stable").head(rows)
    # Plotly draws the first row at the bottom.
    frame = (frame.iloc[::-1] if ordered else frame.sort_values("backlog", kind="stable")).reset_index(drop=True)
    labels = frame["label"]
    in_time = frame["backlog"] - frame["overdue"]
    keys = [None if pd.isna(key) else key for key in frame["key"]]
    figure = go.Figure(
        [
            go.Bar(
                x=frame["overdue"], y=labels, orientation="h", name=indicator_label("overdue", lang),
                marker_color=theme.alert, customdata=keys,
            ),
            go.Bar(
                x=in_time, y=labels, orientation="h", name=t("chart.sources.in_time", lang),
                marker_color=theme.series[2], customdata=keys,
                # The label sits at the end of the stack: the whole backlog of the source.
                text=[format_count(int(count), lang) for count in frame["backlog"]],
                textposition="outside",
                cliponaxis=False,
            ),
        ]
    )
    figure.update_layout(
        template=theme.template,
        barmode="stack",
        height=_bar_chart_height(len(frame)),
        hovermode="y unified",
        legend_traceorder="normal",
    )
    figure.update_xaxes(_count_axis(lang, frame["backlog"].max()), fixedrange=True)
    figure.update_yaxes(fixedrange=True)
    return noting_rows(figure, "most_backlog", len(frame), total, lang)


def _day_axis(days: pd.DatetimeIndex) -> dict:
    """A date axis written month-day, each tick a different day (see _DAYS_TICKED_EACH)."""
    axis = dict(tickformat="%m-%d", hoverformat="%Y-%m-%d")
    if len(days) <= _DAYS_TICKED_EACH:
        axis["tickvals"] = list(days)
    return axis


def _count_axis(lang: str, largest) -> dict:
    """A count axis written as the tiles write counts: no SI suffixes (15k), no fractions (0.5 tickets)."""
    axis = dict(rangemode="tozero", exponentformat="none", separatethousands=separates_thousands(lang))
    if largest <= _SMALL_COUNT:
        axis["dtick"] = 1
    return axis


def _bar_chart_height(rows: int) -> int | None:
    """None (fill the card) when the rows fit, else a height that keeps every row readable."""
    return None if rows <= ROWS_THAT_FIT else _BAR_ROW_PX * rows + 80
