"""The wall (大屏): a 4K or ultra-wide LED wall in the command centre that nobody touches, running for weeks.

What the URL sets up (callbacks/wall.py checks it and says what it could not use):
- `views=overview,crowd,workers` the panels to rotate through, `rotate=60` seconds each (WALL_VIEWS, ROTATE_S);
- `refresh=30` seconds between data refreshes (REFRESH_S);
- `sound=1` a short local beep when a new crowd alert appears. Browsers refuse
  sound before a user gesture, and nobody touches a wall: start its browser
  with `--autoplay-policy=no-user-gesture-required` (the beep is skipped silently otherwise);
- the scope parameters every view takes (area, from, to, as_of, filters), lang and theme.

The layout is a fixed skeleton: every panel and graph exists from the start
and only their contents change, and rotation only flips which panel is on
top (assets/wall.js), so weeks of refreshes never pile up components.
"""
from __future__ import annotations

from typing import NamedTuple

from dash import dcc, html

from components import ids
from components.freshness_badge import freshness_badge
from components.theme import Theme
from components.wall_panel import content_card, graph_card, panel
from i18n import t


class Seconds(NamedTuple):
    """A wall timing parameter: its default and the range a URL may set it to."""

    default: int
    low: int
    high: int


# What each view becomes on the wall; ?views= picks from these, in this order by default.
WALL_VIEWS = ("overview", "crowd", "workers", "tickets", "closure", "funds")
ROTATE_S = Seconds(default=60, low=10, high=3600)
# Twice the live cache window (ONESCREEN_LIVE_CACHE_SECONDS, 15 s), as on the overview;
# below 5 s a wall would only ask the cache the same question again.
REFRESH_S = Seconds(default=30, low=5, high=600)
# The wall's clock: ages the freshness badge between refreshes.
CLOCK_MS = 1000


def layout(lang: str, theme: Theme) -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=ids.WALL_REFRESH, interval=REFRESH_S.default * 1000),
            dcc.Interval(id=ids.WALL_ROTATE, interval=ROTATE_S.default * 1000, disabled=True),
            dcc.Interval(id=ids.WALL_CLOCK, interval=CLOCK_MS),
            dcc.Store(id=ids.WALL_CONFIG),
            dcc.Store(id=ids.WALL_VIEWPORT),
            dcc.Store(id=ids.WALL_FRESHNESS),
            dcc.Store(id=ids.WALL_FRESHNESS_SEEN),
            dcc.Store(id=ids.WALL_ALERTS),
            # The placards open on this display survive a reload; who acknowledged what is the server's record
            # (callbacks/wall_acknowledgement.py), seen by every wall of the area.
            dcc.Store(id=ids.WALL_PLACARDS, storage_type="local"),
            dcc.Store(id=ids.WALL_ACK_SENT),
            dcc.Store(id=ids.WALL_ACKNOWLEDGED),
            html.Header(
                [
                    html.Div(
                        [html.Span(t("product.name", lang), className="wall__brand"),
                         html.Div(id=ids.WALL_TITLE, className="wall__title")],
                        className="wall__heading",
                    ),
                    html.Nav(id=ids.WALL_ROTATION, className="wall-rotation",
                             **{"aria-label": t("wall.rotation", lang)}),
                    freshness_badge(ids.WALL_BADGE, ids.WALL_BADGE_TIME, ids.WALL_BADGE_AGE, lang),
                    html.Div(id=ids.WALL_CLOCK_TEXT, className="wall__clock", title=t("wall.clock.definition", lang)),
                ],
                className="wall__header",
            ),
            html.Div(id=ids.WALL_SETUP_NOTICES, className="notices wall__notices"),
            html.Div(id=ids.WALL_NOTICES, className="notices wall__notices"),
            html.Div(_panels(lang, theme), className="wall__panels"),
            html.Div(id=ids.WALL_PLACARD_STACK, className="alert-stack",
                     **{"aria-live": "assertive", "aria-label": t("wall.alerts.label", lang)}),
        ],
        id=ids.WALL,
        className="wall",
        **{"data-active": WALL_VIEWS[0]},
    )


def _panels(lang: str, theme: Theme) -> list[html.Section]:
    def titled(view: str) -> str:
        return t(f"nav.{view}", lang)

    return [
        panel("overview", titled("overview"), ids.WALL_OVERVIEW_TILES, [
            graph_card(ids.WALL_OVERVIEW_TREND, t("chart.trend.title", lang), theme),
            graph_card(ids.WALL_OVERVIEW_AREAS, t("chart.areas.title", lang), theme),
        ]),
        panel("crowd", titled("crowd"), ids.WALL_CROWD_TILES, [
            graph_card(ids.WALL_CROWD_LOADS, t("wall.crowd.loads", lang), theme),
            content_card(ids.WALL_CROWD_ALERTS, t("wall.crowd.alerts", lang)),
        ]),
        panel("workers", titled("workers"), ids.WALL_WORKERS_TILES, [
            graph_card(ids.WALL_WORKERS_AREAS, t("wall.workers.areas", lang), theme),
        ]),
        panel("tickets", titled("tickets"), ids.WALL_TICKETS_TILES, [
            graph_card(ids.WALL_TICKETS_SOURCES, t("chart.sources.title", lang), theme),
            graph_card(ids.WALL_TICKETS_AGES, t("wall.tickets.ages", lang), theme),
        ]),
        panel("closure", titled("closure"), ids.WALL_CLOSURE_TILES, [
            graph_card(ids.WALL_CLOSURE_DEPTS, t("wall.closure.depts", lang), theme),
        ]),
        panel("funds", titled("funds"), ids.WALL_FUNDS_TILES, [
            graph_card(ids.WALL_FUNDS_KINDS, t("wall.funds.kinds", lang), theme),
        ]),
    ]
