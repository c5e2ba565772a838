"""Figures for the wall: type sized from the wall's viewport, and the few charts only the wall draws.

plotly sizes text in pixels, so a chart built for a 1080p desk is unreadable
on a 4K wall. `wall_sized` takes a figure from components/figures.py or from
here and sets every text size from `font_px`, the wall's own type size as
the browser measured it (assets/wall.js reads it from assets/wall.css, which
derives it from the viewport): one rule for the page and its charts.

A wall cannot scroll, so a chart of many rows shows the WALL_ROWS that
matter most (the lowest closure rates, the fullest zones, ...) and says how
many it left out.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components import figures
from components.theme import Theme
from i18n import code_label, format_count, format_rate, t

# Rows a bar chart shows on the wall; at 1080p each is then still two lines of type tall.
WALL_ROWS = 15
# A zone this full is drawn in the warning colour before it tips over capacity.
NEAR_CAPACITY = 0.8


def wall_sized(figure: go.Figure, font_px: float) -> go.Figure:
    """`figure` with every text `font_px` tall, margins to match, and its height left to its card."""
    noted = any(annotation.name == figures.ROWS_NOTE for annotation in figure.layout.annotations)
    figure.update_layout(
        font_size=font_px,
        legend_font_size=font_px,
        hoverlabel_font_size=font_px,
        height=None,
        # A note on left-out rows sits above the plot: room for it there.
        margin=dict(l=font_px / 2, r=font_px * 1.5, t=font_px * (1.6 if noted else 0.5), b=font_px / 2),
        uniformtext_minsize=font_px * 0.8,
    )
    # The "no data" message stands for a whole chart; the note on left-out rows is an aside.
    figure.update_annotations(font_size=font_px * 1.3)
    figure.update_annotations(selector=dict(name=figures.ROWS_NOTE), font_size=font_px * 0.8)
    figure.update_traces(textfont_size=font_px, selector=dict(type="bar"))
    figure.update_traces(line_width=max(3.0, font_px / 6), marker_size=font_px / 2, selector=dict(type="scatter"))
    return figure


def closure_rates(groups: pd.DataFrame, parent_code: str | None, lang: str, theme: Theme) -> go.Figure:
    """Closure rate per group (`kpis_by` by area or department), the WALL_ROWS lowest when there are more."""
    return figures.lowest_closure_rates(groups, parent_code, lang, theme, rows=WALL_ROWS)


def zone_loads(zones: pd.DataFrame, lang: str, theme: Theme) -> go.Figure:
    """Headcount against capacity per crowd zone (`crowd.zone_load`), fullest on top, capacity marked at 100 %."""
    if zones.empty:
        return figures.no_data(lang, theme)
    fullest = zones.sort_values("load", ascending=False, na_position="last").head(WALL_ROWS)
    frame = fullest.iloc[::-1]  # plotly draws the first row at the bottom
    load = frame["load"].fillna(0)
    colours = [
        theme.alert if over else theme.warning if share >= NEAR_CAPACITY else theme.series[1]
        for over, share in zip(frame["over"], load)
    ]
    figure = go.Figure(
        go.Bar(
            x=load,
            y=frame["zone_id"],
            orientation="h",
            marker_color=colours,
            text=[format_rate(share if pd.notna(share) else None, lang) for share in frame["load"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[
                (name, format_count(int(people), lang), format_count(int(capacity), lang))
                for name, people, capacity in zip(frame["name"], frame["people"], frame["capacity"])
            ],
            hovertemplate=(
                "%{customdata[0]}<br>"
                + t("wall.alert.people", lang, people="%{customdata[1]}", capacity="%{customdata[2]}")
                + "<extra></extra>"
            ),
        )
    )
    figure.add_vline(x=1, line_dash="dash", line_color=theme.alert, line_width=2)
    figure.update_layout(template=theme.template, showlegend=False)
    figure.update_xaxes(range=[0, max(1.25, float(load.max()) * 1.2)], tickformat=".0%", fixedrange=True)
    figure.update_yaxes(type="category", tickvals=frame["zone_id"], ticktext=frame["name"], fixedrange=True)
    return figures.noting_rows(figure, "fullest", len(fullest), len(zones), lang)


def workers_by_area(areas: pd.DataFrame, lang: str, theme: Theme) -> go.Figure:
    """Active workers per child area (`workers.workers_by_area`), online / stale / offline stacked.

    With more areas than fit, the WALL_ROWS with the most workers offline are shown.
    """
    if areas.empty:
        return figures.no_data(lang, theme)
    shown = areas.sort_values(["offline", "key"], ascending=[False, True]).head(WALL_ROWS).iloc[::-1]
    states = (("online", theme.series[1]), ("stale", theme.warning), ("offline", theme.muted))
    figure = go.Figure(
        [
            go.Bar(
                x=shown[state], y=shown["key"], orientation="h", name=t(f"wall.stat.{state}", lang),
                marker_color=colour,
                customdata=shown["name"],
                hovertemplate=f"%{{customdata}}<br>{t(f'wall.stat.{state}', lang)}: %{{x}}<extra></extra>",
            )
            for state, colour in states
        ]
    )
    # The whole of each area at the end of its stack; the bars carry the numbers, so the axis has none.
    figure.data[-1].update(text=[format_count(int(total), lang) for total in shown["total"]],
                           textposition="outside", cliponaxis=False)
    figure.update_layout(template=theme.template, barmode="stack", legend_traceorder="normal")
    figure.update_xaxes(showticklabels=False, range=[0, float(shown["total"].max()) * 1.15 or 1], fixedrange=True)
    # Area codes are text even when they look like numbers: a category axis, never a numeric one.
    figure.update_yaxes(type="category", tickvals=shown["key"], ticktext=shown["name"], fixedrange=True)
    return figures.noting_rows(figure, "most_offline", len(shown), len(areas), lang)


def spend_by_kind(kinds: pd.DataFrame, lang: str, theme: Theme) -> go.Figure:
    """Micro-fund spend this year per kind of expense (`funds.spend_by_kind`), largest on top."""
    if kinds.empty:
        return figures.no_data(lang, theme)
    frame = kinds.sort_values("spent", ignore_index=True)
    labels = [code_label("wall.fund_kind", kind, lang) for kind in frame["kind"]]
    figure = go.Figure(
        go.Bar(
            x=frame["spent"], y=labels, orientation="h", marker_color=theme.series[0],
            text=[yuan(amount, lang) for amount in frame["spent"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(template=theme.template, showlegend=False)
    # Each bar is labelled with its amount in the reader's style (万元); axis numbers would only repeat it the other way.
    figure.update_xaxes(showticklabels=False, range=[0, float(frame["spent"].max()) * 1.3 or 1], fixedrange=True)
    figure.update_yaxes(fixedrange=True)
    return figure


def yuan(amount: float | None, lang: str) -> str:
    """An amount of money as the wall writes it: 323.9万元 in Chinese, ¥3,239,000 in English."""
    if amount is None:
        return t("no_data", lang)
    return t("wall.yuan", lang, amount=format_count(round(amount), lang))
