"""A path that is no view: say so and offer the way back, instead of an empty page."""
from __future__ import annotations

from dash import dcc, html

from i18n import t


def layout(path: str, lang: str, home_href: str) -> html.Section:
    return html.Section(
        [
            html.H1(t("not_found.message", lang, path=path), className="placeholder__title"),
            dcc.Link(t("not_found.back", lang), href=home_href, className="placeholder__link"),
        ],
        className="placeholder",
    )
