"""Crowd alert placards: one per zone over capacity, in front of everything, until someone acknowledges it.

A surge can last a minute; a director may be out of the room for ten. So a
placard does not vanish when the crowd thins: it says the zone is back under
capacity and waits for its "确认" button. The browser keeps which placards
are open (assets/wall.js, in local storage); who acknowledged which alert is
the server's record, seen by every wall of the area
(callbacks/wall_acknowledgement.py); this module only draws them.

DOM hooks other code relies on: each placard is `.alert-placard` with
`data-zone-id`, its button `.alert-placard__ack`.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from dash import html

from components import ids
from components.wall_panel import wall_moment
from i18n import format_count, format_rate, t

# More than this many placards would cover the whole wall; the rest are counted in a line below them.
MAX_SHOWN = 4


class Placard(NamedTuple):
    """One zone's alert: its latest headcount, and `ended` once the zone is back under capacity."""

    zone_id: str
    name: str
    people: int
    capacity: int
    since: datetime
    ended: bool


def placard_stack(placards: list[Placard], lang: str, today: date) -> list[html.Div]:
    """The placards newest first, at most MAX_SHOWN of them, then how many more wait."""
    ordered = sorted(placards, key=lambda placard: placard.since, reverse=True)
    shown = [alert_placard(placard, lang, today) for placard in ordered[:MAX_SHOWN]]
    hidden = len(ordered) - MAX_SHOWN
    if hidden > 0:
        shown.append(html.Div(t("wall.alert.more", lang, count=hidden), className="alert-stack__more"))
    return shown


def alert_placard(placard: Placard, lang: str, today: date) -> html.Div:
    """One placard: zone, people against capacity, since when, and the acknowledge button."""
    load = placard.people / placard.capacity if placard.capacity > 0 else None
    people = t("wall.alert.people", lang, people=format_count(placard.people, lang),
               capacity=format_count(placard.capacity, lang))
    classes = "alert-placard alert-placard--ended" if placard.ended else "alert-placard"
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t("wall.alert.title", lang), className="alert-placard__title"),
                    html.Button(
                        t("wall.alert.ack", lang),
                        id={"type": ids.WALL_PLACARD_ACK, "zone": placard.zone_id},
                        className="alert-placard__ack",
                        n_clicks=0,
                    ),
                ],
                className="alert-placard__head",
            ),
            html.Div(placard.name, className="alert-placard__zone"),
            html.Div(
                [html.Span(people), html.Span(format_rate(load, lang), className="alert-placard__load")],
                className="alert-placard__people",
            ),
            html.Div(t("wall.alert.since", lang, moment=wall_moment(placard.since, today, lang)), className="alert-placard__since"),
            html.Div(t("wall.alert.ended", lang), className="alert-placard__ended") if placard.ended else None,
        ],
        className=classes,
        role="alert",
        **{"data-zone-id": placard.zone_id},
    )
