"""The filter bar under the top bar: period, source, category, department, shared by every desk view.

The bar only edits the URL (callbacks/filters.py); the views read their scope
from the URL. So a filter change is a new link that can be copied, and the
browser's back button undoes it.
"""
from __future__ import annotations

from typing import NamedTuple

from dash import dcc, html

from components import ids


class FilterValues(NamedTuple):
    period_from: str
    period_to: str
    sources: list[str]
    category: str | None
    dept: str | None


class FilterOptions(NamedTuple):
    """Each a list of {"label", "value"} for a dropdown."""

    sources: list[dict]
    categories: list[dict]
    departments: list[dict]


class FilterLabels(NamedTuple):
    period: str
    source: str
    category: str
    dept: str
    any_value: str
    reset: str
    display_format: str


def filter_bar(values: FilterValues, options: FilterOptions, labels: FilterLabels, reset_href: str) -> list:
    return [
        _field(labels.period, dcc.DatePickerRange(
            id=ids.FILTER_PERIOD,
            start_date=values.period_from,
            end_date=values.period_to,
            display_format=labels.display_format,
            first_day_of_week=1,
            minimum_nights=0,
            updatemode="bothdates",
            className="filters__period",
        )),
        _field(labels.source, dcc.Dropdown(
            id=ids.FILTER_SOURCE, options=options.sources, value=values.sources, multi=True,
            placeholder=labels.any_value, className="filters__dropdown",
        )),
        _field(labels.category, dcc.Dropdown(
            id=ids.FILTER_CATEGORY, options=options.categories, value=values.category,
            placeholder=labels.any_value, className="filters__dropdown", optionHeight=32,
        )),
        _field(labels.dept, dcc.Dropdown(
            id=ids.FILTER_DEPT, options=options.departments, value=values.dept,
            placeholder=labels.any_value, className="filters__dropdown",
        )),
        dcc.Link(labels.reset, href=reset_href, className="filters__reset", id=ids.FILTER_RESET),
    ]


def _field(label: str, control) -> html.Label:
    return html.Label([html.Span(label, className="filters__label"), control], className="filters__field")
