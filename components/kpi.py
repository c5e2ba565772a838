"""KPI tiles: one indicator each, its value in the reader's language and its definition on hover.

The definition is SCHEMA.md's, from the catalogue: a leader who doubts a
number can see how it is counted without asking anyone.
"""
from __future__ import annotations

from typing import Mapping

from dash import html

from i18n import format_indicator, indicator_definition, indicator_label, is_abbreviated, t

# What a director looks at first (DESIGN.md "Overview"): drawn larger, ahead of the rest.
HEADLINE = ("reported", "backlog", "overdue", "closure_rate", "on_time_closure_rate", "satisfaction_rate")


def kpi_tiles(values: Mapping[str, object], lang: str) -> list[html.Div]:
    """A tile for every indicator in `values`: a row of the headline ones, then a row of the others in their order."""
    headline = [name for name in HEADLINE if name in values]
    others = [name for name in values if name not in HEADLINE]
    return [
        html.Div([kpi_tile(name, values[name], lang, headline=True) for name in headline],
                 className="kpi-row kpi-row--headline"),
        html.Div([kpi_tile(name, values[name], lang, headline=False) for name in others], className="kpi-row"),
    ]


def kpi_tile(name: str, value, lang: str, *, headline: bool) -> html.Div:
    tooltip = indicator_definition(name, lang)
    if is_abbreviated(name, value, lang):
        tooltip += f"\n{t('overview.exact', lang)}: {value:,}"
    return tile(
        name, indicator_label(name, lang), format_indicator(name, value, lang), tooltip,
        headline=headline, missing=value is None, alert=name == "overdue" and bool(value),
    )


def tile(name: str, label: str, text: str, tooltip: str, *, headline: bool, missing: bool, alert: bool) -> html.Div:
    """A tile of any number (an indicator, a fund amount): its label, its text, its definition on hover."""
    classes = ["kpi"]
    if headline:
        classes.append("kpi--headline")
    if missing:
        classes.append("kpi--missing")
    elif alert:
        classes.append("kpi--alert")
    return html.Div(
        [html.Div(label, className="kpi__label"), html.Div(text, className="kpi__value")],
        className=" ".join(classes),
        title=tooltip,
        **{"data-indicator": name},
    )
