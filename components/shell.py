"""The frame around every view: brand, navigation, language and theme switches, the page.

The frame is drawn by the router callback rather than fixed at start-up,
because its links carry the current URL parameters (scope, language, theme):
switching view or language keeps exactly what the user is looking at.
"""
from __future__ import annotations

from typing import NamedTuple

from dash import dcc, html

from components import ids
from components.theme import DEFAULT_THEME
from i18n import DEFAULT_LANGUAGE, HTML_LANG


class Link(NamedTuple):
    href: str
    label: str
    active: bool = False


def layout() -> html.Div:
    """The app's static layout: the URL and an empty frame the router fills in."""
    return html.Div(
        [
            # callback-nav: a callback that changes the URL (a drill-down) navigates without a reload.
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            html.Div(id=ids.ROOT, className="shell", style=DEFAULT_THEME.css_variables(),
                     lang=HTML_LANG[DEFAULT_LANGUAGE]),
        ]
    )


def frame(
    *,
    brand: str,
    tagline: str,
    nav_label: str,
    views: list[Link],
    theme_switch: Link,
    language_switch: Link,
    page,
    with_filters: bool,
    report_menu=None,
) -> list:
    """The contents of the root element: the top bar (with the view's report menu), the filter bar (desk views), the page."""
    filters = [html.Div(id=ids.FILTER_BAR, className="filters")] if with_filters else []
    return [
        html.Header(
            className="topbar",
            children=[
                html.Div(
                    className="brand",
                    children=[
                        html.Span(brand, className="brand__name"),
                        html.Span(tagline, className="brand__tagline"),
                    ],
                ),
                html.Nav(
                    [_link(link, "nav__link") for link in views],
                    className="nav",
                    **{"aria-label": nav_label},
                ),
                html.Div(
                    [
                        *([report_menu] if report_menu is not None else []),
                        _link(theme_switch, "switch", id=ids.THEME_LINK),
                        _link(language_switch, "switch", id=ids.LANGUAGE_LINK),
                    ],
                    className="switches",
                ),
            ],
        ),
        *filters,
        html.Main(page, className="page"),
    ]


def _link(link: Link, css_class: str, **props) -> dcc.Link:
    classes = f"{css_class} {css_class}--active" if link.active else css_class
    return dcc.Link(link.label, href=link.href, className=classes, **props)
