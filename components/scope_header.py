"""What a view is showing, said at the top: the area and its path, the period, the as-of moment, filters, problems.

A screen shared by link or left on a wall must say exactly what it counts;
a parameter that could not be used is said out loud, never silently dropped.
"""
from __future__ import annotations

from dash import dcc, html

from components.shell import Link


def scope_header(
    *,
    area_name: str,
    level_label: str | None,
    breadcrumb: list[Link],
    breadcrumb_label: str,
    period: str,
    as_of: str,
    newest: html.Span,
    history_label: str | None,
    filters: list[str],
    replica: html.Span | None = None,
) -> list:
    """The header's contents.

    `as_of` is the moment the indicators are counted at; `newest` the newest
    record the database holds (components.freshness_badge.newest_record),
    which tells a stalled feed from a quiet city; `replica` how far behind the replica read is, when it is
    (components.freshness_badge.replica_lag).
    `history_label` is set when the view shows a past moment rather than now.
    """
    title = [html.H1(area_name, className="scope__area")]
    if level_label:
        title.append(html.Span(level_label, className="scope__level"))
    crumbs = []
    # A path of one (the root itself) would only repeat the title.
    for link in breadcrumb if len(breadcrumb) > 1 else []:
        if crumbs:
            crumbs.append(html.Span("›", className="crumbs__sep", **{"aria-hidden": "true"}))
        crumbs.append(
            html.Span(link.label, className="crumbs__here", **{"aria-current": "page"})
            if link.active
            else dcc.Link(link.label, href=link.href, className="crumbs__link")
            if link.href
            else html.Span(link.label, className="crumbs__above")
        )
    badge = [html.Span(as_of)]
    if history_label:
        badge.insert(0, html.Span(history_label, className="as-of__history"))
    return [
        html.Div(title, className="scope__title"),
        html.Nav(crumbs, className="crumbs", **{"aria-label": breadcrumb_label}),
        html.Div(
            [html.Span(period, className="scope__period"),
             html.Span(badge, className="as-of as-of--history" if history_label else "as-of"),
             newest]
            + ([replica] if replica is not None else [])
            + [html.Span(text, className="scope__filter") for text in filters],
            className="scope__facts",
        ),
    ]


def notices(texts: list[str]) -> list[html.Div]:
    """Visible messages about the scope (a bad parameter, an unknown area, a database outage)."""
    return [html.Div(text, className="notice", role="alert") for text in texts]
