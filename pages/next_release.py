"""The views not built yet: an honest message and what they will show, never placeholder numbers.

A command centre must never mistake a mock-up for the city's data.
"""
from __future__ import annotations

from dash import html

from components.theme import Theme
from i18n import t


def layout(name: str, lang: str, theme: Theme) -> html.Section:
    """`theme` is unused: the message has no chart to colour, but every view takes the same arguments."""
    return html.Section(
        [
            html.H1(t(f"nav.{name}", lang), className="placeholder__title"),
            html.P(t("next_release.message", lang), className="placeholder__message"),
            html.P(t(f"view.{name}.summary", lang), className="placeholder__summary"),
            html.P(t("next_release.meanwhile", lang), className="placeholder__summary"),
        ],
        className="placeholder",
    )
