"""The frame around every view: brand, navigation, language and theme switches, who is logged in, the page.

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


class SignedIn(NamedTuple):
    """Who is logged in, as the header names them, and the doors they have: plain texts, no request objects.

    links: the account page, and the admin pages for an admin. logout: where
    the logout form posts, with `csrf`, the session's token it must carry;
    None for a wall device, which has no session to end.
    """

    who: str
    links: tuple[Link, ...]
    logout: Link | None
    csrf: str = ""


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
    signed_in: SignedIn | None = None,
) -> list:
    """The contents of the root element: the top bar (with the view's report menu and who is logged in), the filter
    bar (desk views), the page. signed_in is None outside a request (tests, in-process callers): no identity shown."""
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
                *([identity(signed_in)] if signed_in is not None else []),
            ],
        ),
        *filters,
        html.Main(page, className="page"),
    ]


def identity(signed_in: SignedIn) -> html.Div:
    """The principal's name and role, their account and admin links, and the logout form.

    Logging out is a POST with the session's CSRF token, a plain form that
    works without any script (access/login.py checks the token).
    """
    children = [html.Span(signed_in.who, className="identity__who")]
    children += [html.A(link.label, href=link.href, className="identity__link") for link in signed_in.links]
    if signed_in.logout is not None:
        children.append(html.Form(
            [dcc.Input(type="hidden", name="csrf", value=signed_in.csrf),
             html.Button(signed_in.logout.label, type="submit", className="identity__logout")],
            action=signed_in.logout.href, method="POST", className="identity__form",
        ))
    return html.Div(children, className="identity")


def _link(link: Link, css_class: str, **props) -> dcc.Link:
    classes = f"{css_class} {css_class}--active" if link.active else css_class
    return dcc.Link(link.label, href=link.href, className=classes, **props)
