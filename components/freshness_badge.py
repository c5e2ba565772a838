"""The wall's "数据截至 HH:MM:SS" badge, and when it turns amber and red.

A stalled feed looks exactly like a quiet city, so the wall says how old its
newest data is, and says it louder as it ages. The age is the server's now
minus the newest record in scope (data_access.freshness.newest_data_at) at
the last refresh, plus the seconds the browser has counted since that
refresh arrived (assets/wall.js, every second): if the server itself stops
answering, the badge still turns red.
"""
from __future__ import annotations

from datetime import datetime

from dash import html

from components.wall_panel import wall_moment
from i18n import t

# After this long without new data the badge turns amber: the live feed
# writes a crowd snapshot every few seconds and workers ping every ten
# minutes, so two silent minutes already mean something upstream stalled.
AMBER_AFTER_S = 120
# After this long it turns red: the wall no longer shows the city as it is.
RED_AFTER_S = 600


def freshness_badge(badge_id: str, time_id: str, age_id: str, lang: str) -> html.Div:
    """The badge as first drawn; the wall's clock (assets/wall.js) fills it every second.

    Its modifier is pending until the first answer, then fresh, amber or red
    by age (the thresholds above travel with `freshness_data`), or history
    when a past moment was asked for, where age means nothing.
    """
    return html.Div(
        [html.Span(id=time_id, className="freshness-badge__time"),
         html.Span(id=age_id, className="freshness-badge__age")],
        id=badge_id,
        className="freshness-badge freshness-badge--pending",
        title=t("wall.freshness.definition", lang, amber=AMBER_AFTER_S // 60, red=RED_AFTER_S // 60),
        role="status",
    )


def freshness_data(newest: datetime | None, now: datetime, live: bool, lang: str) -> dict:
    """What the browser needs to age the badge between refreshes, all text already in `lang`.

    `age_s` is measured on the server's clock, so a wall PC whose own clock
    is wrong still shows the right age; `now_s` (seconds since midnight of the
    server's day) runs the wall's clock on the same time.
    """
    text = t("overview.as_of", lang, moment=wall_moment(newest, now.date(), lang))
    if not live:
        text = f"{t('wall.freshness.history', lang)} {text}"
    return {
        "text": text,
        "age_s": None if newest is None else max(0.0, (now - newest).total_seconds()),
        "live": live,
        "now_s": now.hour * 3600 + now.minute * 60 + now.second,
        "amber_after_s": AMBER_AFTER_S,
        "red_after_s": RED_AFTER_S,
        # {minutes} is filled in by the browser as the age grows.
        "stale_text": t("wall.freshness.stale", lang, minutes="{minutes}"),
    }
