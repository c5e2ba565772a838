"""The wall's compact pieces: a panel of tiles and cards, a card holding one graph, a plain-number tile, the alert table.

A wall is read from across a room and never touched: no mode bar on its
graphs, every size in `em` of the wall's own viewport-derived type
(assets/wall.css), and each number still carries its definition on hover
for the leader who walks up to it with a mouse.
"""
from __future__ import annotations

from datetime import date, datetime

from dash import dcc, html

from components.charts import GRAPH_CONFIG
from components.figures import blank
from components.theme import Theme
from i18n import format_moment, t

# Nobody clicks a wall: no mode bar to cover the chart.
WALL_GRAPH_CONFIG = {**GRAPH_CONFIG, "displayModeBar": False}


def panel(view: str, title: str, tiles_id: str, cards: list[html.Section]) -> html.Section:
    """One rotating panel: its name, a row of tiles, and its cards side by side."""
    return html.Section(
        [
            html.Div(id=tiles_id, className="wall-panel__tiles"),
            html.Div(cards, className=f"wall-panel__cards wall-panel__cards--{len(cards)}"),
        ],
        className=f"wall-panel wall-panel--{view}",
        **{"aria-label": title, "data-view": view},
    )


def graph_card(graph_id: str, title: str, theme: Theme) -> html.Section:
    """A card whose graph fills it; the figure comes with every refresh (blank in the theme's colours until then)."""
    return html.Section(
        [
            html.H2(title, className="wall-card__title"),
            html.Div(
                dcc.Graph(id=graph_id, figure=blank(theme), config=WALL_GRAPH_CONFIG, className="wall-card__graph"),
                className="wall-card__body",
            ),
        ],
        className="wall-card",
    )


def content_card(content_id: str, title: str) -> html.Section:
    """A card of plain content (a table) that the refresh fills."""
    return html.Section(
        [html.H2(title, className="wall-card__title"), html.Div(id=content_id, className="wall-card__body")],
        className="wall-card",
    )


def stat_tile(key: str, label: str, value: str, definition: str, *, alert: bool = False,
              note: str | None = None) -> html.Div:
    """A tile for a number that is not a ticket indicator (workers online, zones over capacity, fund spent).

    It wears the KPI tile's classes (components/kpi.py), so every tile on the
    wall reads alike; `note` is a second, smaller line (e.g. the share of the
    year gone by, to read a burn rate against).
    """
    classes = "kpi kpi--headline kpi--alert" if alert else "kpi kpi--headline"
    children = [html.Div(label, className="kpi__label"), html.Div(value, className="kpi__value")]
    if note:
        children.append(html.Div(note, className="kpi__note"))
    return html.Div(children, className=classes, title=definition, **{"data-stat": key})


def alert_table(rows: list[tuple[str, ...]], headings: tuple[str, ...], empty_text: str,
                more_text: str | None = None):
    """The zones over capacity now: (zone name, people / capacity, since, acknowledged by) per row, or a calm
    sentence.

    `more_text` says how many rows were left out when the caller cut the list to fit the card.
    """
    if not rows:
        return html.P(empty_text, className="wall-alerts__none")
    table = html.Table(
        [
            html.Thead(html.Tr([html.Th(heading) for heading in headings])),
            html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
        ],
        className="wall-alerts",
    )
    return [table, html.P(more_text, className="wall-alerts__more")] if more_text else table


def wall_moment(moment: datetime | None, today: date, lang: str) -> str:
    """A moment as the wall writes it: HH:MM:SS when it is today, with its date when older; none as "no data"."""
    if moment is None:
        return t("no_data", lang)
    return moment.strftime("%H:%M:%S") if moment.date() == today else format_moment(moment, lang)
