"""How fresh the data is, said on every view: the wall's badge, the desk header's newest record, and when they warn.

Two labels, one meaning each: "数据截至 / data as of" is the moment a view
answers for (the scope's as_of), "最新记录 / newest record" the newest
record in the data (data_access.freshness.newest_data_at). A stalled feed
looks exactly like a quiet city, so the newest record turns amber and red
as it falls behind, with the same thresholds on the wall and on the desk.

On the wall the age is the server's now minus the newest record at the
last refresh, plus the seconds the browser has counted since that refresh
arrived (assets/wall.js, every second): if the server itself stops
answering, the badge still turns red. On a desk view it is the as-of
moment minus the newest record, so a past moment is judged as it stood.

Read from a streaming replica that is behind its primary, both also say so
("副本滞后" / "replica behind", data_access.freshness.replica_lag_s), from a
lag of REPLICA_SHOWN_AFTER_S on, coloured by the same thresholds; caught up,
on a primary, on SQLite or MariaDB, or for a past moment, nothing is shown.
"""
from __future__ import annotations

from datetime import datetime

from dash import html

from components.wall_panel import wall_moment
from i18n import format_age, format_moment, t

# After this long without new data the badge turns amber: the live feed
# writes a crowd snapshot every few seconds and workers ping every ten
# minutes, so two silent minutes already mean something upstream stalled.
AMBER_AFTER_S = 120
# After this long it turns red: the wall no longer shows the city as it is.
RED_AFTER_S = 600
# A replica this far behind is said: less is the moment a change takes to apply, which no screen would notice
# (the shortest wall refresh is five seconds).
REPLICA_SHOWN_AFTER_S = 5


def freshness_definition(lang: str) -> str:
    """The hover of every newest-record badge: what it counts and when it warns."""
    return t("freshness.definition", lang, amber=AMBER_AFTER_S // 60, red=RED_AFTER_S // 60)


def staleness(newest: datetime | None, as_of: datetime) -> str:
    """fresh, amber or red: how far the newest record lies behind as_of (no record at all is red)."""
    if newest is None:
        return "red"
    age_s = (as_of - newest).total_seconds()
    return "red" if age_s >= RED_AFTER_S else "amber" if age_s >= AMBER_AFTER_S else "fresh"


def newest_record(newest: datetime | None, as_of: datetime, lang: str) -> html.Span:
    """The desk header's "最新记录 …", with how old it is once it is stale, coloured as the wall's badge."""
    state = staleness(newest, as_of)
    moment = format_moment(newest, lang)
    text = (t("overview.newest.aged", lang, moment=moment, age=format_age((as_of - newest).total_seconds(), lang))
            if newest is not None and state != "fresh" else t("overview.newest", lang, moment=moment))
    return html.Span(text, className=f"scope__newest scope__newest--{state}", title=freshness_definition(lang))


def replica_text(lag_s: float | None, lang: str) -> str | None:
    """"副本滞后：最后同步于 40 秒前" while the replica read is REPLICA_SHOWN_AFTER_S or more behind, else None."""
    if lag_s is None or lag_s < REPLICA_SHOWN_AFTER_S:
        return None
    return t("freshness.replica_lag", lang, age=format_age(lag_s, lang))


def replica_lag(lag_s: float | None, lang: str) -> html.Span | None:
    """The desk header's replica lag (`replica_text`), amber and red as the newest record; None when not shown."""
    shown = replica_text(lag_s, lang)
    if shown is None:
        return None
    state = "red" if lag_s >= RED_AFTER_S else "amber" if lag_s >= AMBER_AFTER_S else "behind"
    return html.Span(shown, className=f"scope__replica scope__replica--{state}",
                     title=t("freshness.replica_lag.definition", lang, after=REPLICA_SHOWN_AFTER_S))


def freshness_badge(badge_id: str, time_id: str, age_id: str, lang: str) -> html.Div:
    """The wall's badge as first drawn; the wall's clock (assets/wall.js) fills it every second.

    Its modifier is pending until the first answer, then fresh, amber or red
    by age (the thresholds above travel with `freshness_data`), or history
    when a past moment was asked for, where the wall's clock means nothing.
    """
    return html.Div(
        [html.Span(id=time_id, className="freshness-badge__time"),
         html.Span(id=age_id, className="freshness-badge__age")],
        id=badge_id,
        className="freshness-badge freshness-badge--pending",
        title=freshness_definition(lang),
        role="status",
    )


def freshness_data(newest: datetime | None, now: datetime, live: bool, lang: str,
                   replica_lag_s: float | None = None) -> dict:
    """What the browser needs to age the wall's badge between refreshes, all text already in `lang`.

    `age_s` is measured on the server's clock, so a wall PC whose own clock
    is wrong still shows the right age; `now_s` (seconds since midnight of the
    server's day) runs the wall's clock on the same time. The browser counts
    a young age in minutes (`stale_text`); past an hour it shows `old_text`,
    the age in the largest whole unit ("3 个月前" for an imported archive).
    A replica's lag (`replica_text`), measured at the refresh, follows the newest record in `text`.
    """
    text = t("overview.newest", lang, moment=wall_moment(newest, now.date(), lang))
    if not live:
        text = f"{t('wall.freshness.history', lang)} {text}"
    behind = replica_text(replica_lag_s, lang)
    if behind is not None:
        text = f"{text} · {behind}"
    age_s = None if newest is None else max(0.0, (now - newest).total_seconds())
    return {
        "text": text,
        "age_s": age_s,
        "live": live,
        "now_s": now.hour * 3600 + now.minute * 60 + now.second,
        "amber_after_s": AMBER_AFTER_S,
        "red_after_s": RED_AFTER_S,
        # {minutes} is filled in by the browser as the age grows.
        "stale_text": t("wall.freshness.stale", lang, minutes="{minutes}"),
        "old_text": None if age_s is None else t("freshness.old", lang, age=format_age(age_s, lang)),
    }
