"""The scope a URL asks for, made safe to show: parsed, the area checked, every problem kept for the user.

A view never fails on a bad link: an unusable parameter or an unknown area
is reported as a notice and the default scope is shown instead. Every view
resolves its scope here, so they all agree on what a URL means.
"""
from __future__ import annotations

from typing import NamedTuple

from data_access import areas
from data_access.areas import Area
from data_access.database import Database
from data_access.scope import Scope, ScopeError, parse_scope
from i18n import code_label, t


class ScopeProblem(NamedTuple):
    """kind: invalid_parameter or unknown_area (the catalogue's notice.<kind>); detail: why, or the unknown code."""

    kind: str
    param: str
    detail: str


class RequestedScope(NamedTuple):
    scope: Scope
    area: Area | None  # None: the whole database (several roots, or no areas at all)
    problems: tuple[ScopeProblem, ...]


def resolve(db: Database, params: dict[str, str]) -> RequestedScope:
    settings = db.settings
    default_area = areas.root_area_code(db)

    def parse(given: dict[str, str]) -> Scope:
        # Live answers are floored to the cache window, so screens and the API share them.
        return parse_scope(
            given, now=settings.now(), default_area=default_area, live_granularity_s=settings.live_cache_seconds
        )

    problems = []
    try:
        scope = parse(params)
    except ScopeError as error:
        problems.append(ScopeProblem("invalid_parameter", error.param, error.message))
        scope = parse({})
    area = _area_of(db, scope.area_code)
    if scope.area_code != areas.WHOLE_DATABASE and area is None:
        problems.append(ScopeProblem("unknown_area", "area", scope.area_code))
        scope = scope.with_area(default_area)
        area = _area_of(db, default_area)
    return RequestedScope(scope, area, tuple(problems))


def area_title(area: Area | None, lang: str) -> str:
    return area.name if area else t("area.whole_database", lang)


def level_label(area: Area | None, lang: str) -> str | None:
    return code_label("level", area.level, lang) if area else None


def notice_texts(requested: RequestedScope, lang: str) -> list[str]:
    """Each problem as a sentence in `lang`: which parameter, why, and what is shown instead."""
    texts = []
    for problem in requested.problems:
        if problem.kind == "unknown_area":
            texts.append(t("notice.unknown_area", lang, code=problem.detail,
                           fallback=area_title(requested.area, lang)))
        else:
            texts.append(t("notice.invalid_parameter", lang, param=problem.param, detail=problem.detail,
                           hint=t(f"hint.{problem.param}", lang)))
    return texts


def _area_of(db: Database, code: str) -> Area | None:
    return None if code == areas.WHOLE_DATABASE else areas.find_area(db, code)
