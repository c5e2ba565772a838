"""What the tickets, closure and funds views need before their own numbers: the URL's scope, its header, drill-down.

Each of these views reads its scope from the URL exactly as the overview does
(callbacks/requested_scope.resolve: a bad parameter becomes a notice and the
default scope), says what it shows in the same header, and narrows the scope
to a child area when one is clicked. Keeping that here means the three views
cannot drift apart on what a URL means.
"""
from __future__ import annotations

import logging
from typing import Callable, NamedTuple, Sequence

import pandas as pd
from dash import no_update
from dash.exceptions import PreventUpdate

import i18n
from callbacks import requested_scope
from callbacks.url import link, query_params
from components.freshness_badge import newest_record, replica_lag
from components.scope_header import notices, scope_header
from components.shell import Link
from components.theme import Theme, theme_named
from data_access import DatabaseError, areas, reference
from data_access.cache import watch_staleness
from data_access.database import Database
from data_access.freshness import shown_newest_data_at, shown_replica_lag_s
from data_access.scope import Scope

log = logging.getLogger(__name__)

class ScopedView(NamedTuple):
    """The scope a URL asks for, with what a view draws around its numbers."""

    scope: Scope
    lang: str
    theme: Theme
    kept: dict[str, str]  # the URL's parameters minus those that could not be used
    header: list
    notices: list


def scoped_view(db: Database, search: str | None, page_path: str) -> ScopedView:
    """Resolve the URL query `search`; the breadcrumb links point to `page_path`."""
    params = query_params(search)
    lang = i18n.language(params.get("lang"))
    requested = requested_scope.resolve(db, params)
    scope = requested.scope
    kept = {name: value for name, value in params.items() if name not in {p.param for p in requested.problems}}
    breadcrumb = [
        # Areas above the principal's own are named (the breadcrumb is not data) but lead nowhere: their numbers are
        # not the principal's to see.
        Link(link(page_path, kept, area=area.code) if scope.permits(area.code) else "", area.name,
             area.code == scope.area_code)
        for area in areas.area_path(db, scope.area_code)
    ]
    header = scope_header(
        area_name=requested_scope.area_title(requested.area, lang),
        level_label=requested_scope.level_label(requested.area, lang),
        breadcrumb=breadcrumb,
        breadcrumb_label=i18n.t("overview.breadcrumb", lang),
        period=i18n.t("overview.period", lang, start=scope.period_from, end=scope.period_to),
        as_of=i18n.t("overview.as_of", lang, moment=i18n.format_moment(scope.as_of, lang)),
        newest=newest_record(shown_newest_data_at(db, scope), scope.as_of, lang),
        history_label=None if scope.live else i18n.t("overview.as_of.history", lang),
        filters=filter_texts(db, scope, lang),
        replica=replica_lag(shown_replica_lag_s(db, scope), lang),
    )
    return ScopedView(
        scope=scope,
        lang=lang,
        theme=theme_named(params.get("theme")),
        kept=kept,
        header=header,
        notices=notices(requested_scope.notice_texts(requested, lang)),
    )


def filter_texts(db: Database, scope: Scope, lang: str) -> list[str]:
    """The ticket filters in force, one sentence each ("来源：12345热线、数字城管"), by name where the database has one."""
    filters = []
    if scope.sources:
        separator = i18n.t("list.separator", lang)
        filters.append(("source", separator.join(i18n.code_label("source", s, lang) for s in scope.sources)))
    if scope.category_code:
        names = {code: name for code, name, _ in reference.categories(db)}
        filters.append(("category", names.get(scope.category_code, scope.category_code)))
    if scope.dept_code:
        filters.append(("dept", dict(reference.departments(db)).get(scope.dept_code, scope.dept_code)))
    return [
        i18n.t("overview.filter", lang, name=i18n.t(f"overview.filter.{name}", lang), values=values)
        for name, values in filters
    ]


def outage_notices(search: str | None) -> list:
    """The notice a view shows, keeping its last numbers, when the database does not answer."""
    lang = i18n.language(query_params(search).get("lang"))
    return notices([i18n.t("notice.database_unavailable", lang)])


def outage_answer(search: str | None, outputs: int) -> tuple:
    """A view refresh's answer when the database does not answer: the notice (always the second
    output) and no change anywhere else, so a wall keeps its last numbers through a restart."""
    return (no_update, outage_notices(search), *([no_update] * (outputs - 2)))


def refresh_answer(search: str | None, outputs: int, build: Callable[[], Sequence], view: str) -> tuple:
    """A view refresh's outputs from `build()`; when the database does not answer, the last good answers
    with a notice saying how old they are, or (none cached) `outage_answer`.

    The notice is the second output, added to the view's own; it is said once the data is a minute old or the
    database failed, not for the seconds a fresh answer takes to replace one just past its freshness.
    """
    try:
        with watch_staleness() as staleness:
            answer = tuple(build())
    except DatabaseError:
        log.exception("%s view could not read the database", view)
        return outage_answer(search, outputs)
    if not (staleness.database_failed or staleness.age_s >= 60):
        return answer
    lang = i18n.language(query_params(search).get("lang"))
    aged = notices([i18n.t("notice.last_good_answer", lang, age=i18n.format_age(staleness.age_s, lang))])
    return (answer[0], [*answer[1], *aged], *answer[2:])


def child_area_search(db: Database, search: str | None, code) -> str:
    """The URL query narrowing the scope to the child area `code`, other parameters kept.

    `code` comes from the browser (a clicked bar or row), so it is trusted
    only if it is one of the children of the area the URL shows that the
    principal may open; anything else changes nothing.
    """
    params = query_params(search)
    if not isinstance(code, str) or code not in requested_scope.drillable_children(db, params):
        raise PreventUpdate
    return link("", params, area=code)


def with_category_names(db: Database, by_category: pd.DataFrame) -> pd.DataFrame:
    """A breakdown by category with every known code named, the chosen class's own too.

    `kpis_by` / `backlog_by` name the subclasses of the chosen class; tickets
    filed on the class itself come back under its own code, which deserves
    its name rather than the bare code.
    """
    names = {code: name for code, name, _ in reference.categories(db)}
    # As objects: with no code named, map() gives a float column that pandas will not fill with text.
    return by_category.assign(name=by_category["key"].map(names).astype(object).fillna(by_category["name"]))


def clicked_key(click: dict | None):
    """The key a clicked bar carries in its customdata (None: a click on nothing drillable)."""
    points = (click or {}).get("points") or []
    return points[0].get("customdata") if points else None
