"""A chart on a card: its title, an optional note on how to read it, and the graph.

Every graph uses GRAPH_CONFIG, so none of them offers to send data to a
cloud or links to plotly's site: command centres are offline.
"""
from __future__ import annotations

from dash import dcc, html

from components.figures import blank
from components.theme import Theme

GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    # Selecting points means nothing on these charts. plotly's camera is gone too: it saved a bare
    # "newplot.png"; the card's export menu gives the image with its title, scope and definitions.
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"],
}


def chart_card(graph_id: str, title: str, note: str | None, theme: Theme, *, scrolls: bool = False) -> html.Section:
    """`scrolls`: the graph may grow taller than the card (one bar per area) and the card scrolls."""
    heading = [html.H2(title, className="card__title")]
    if note:
        heading.append(html.P(note, className="card__note"))
    return html.Section(
        [
            html.Div(heading, className="card__heading"),
            html.Div(
                dcc.Graph(id=graph_id, figure=blank(theme), config=GRAPH_CONFIG, className="card__graph"),
                className="card__body card__body--scrolls" if scrolls else "card__body",
            ),
        ],
        className="card",
    )


def graph_style(figure) -> dict:
    """The graph's style for `figure`: the height the figure asks for (a long bar chart), else the card's.

    Dash's responsive graph ignores a figure's own height and fills its
    element, so a tall figure needs its element made tall.
    """
    height = figure.layout.height
    return {"height": f"{height}px"} if height else {}
