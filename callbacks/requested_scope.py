"""The scope a URL asks for, made safe to show: parsed, the area and filters checked, every problem kept for the user.

A view never fails on a bad link: an unusable parameter, an unknown area,
department, category, theme or language is reported as a notice, in the
interface language, and the default is shown instead. Every view resolves
its scope here, so they all agree on what a URL means. Here too the
principal asking narrows the scope (access.area_scope.narrow): an area it may
not see is a notice, and its own area is shown instead.
"""
from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from access.area_scope import AreaRefused, home_area, narrow
from access.guard import current_principal
from components.theme import DEFAULT_THEME, THEMES
from data_access import areas, reference
from data_access.areas import Area
from data_access.database import Database
from data_access.scope import Scope, ScopeError, parse_scope
from i18n import LANGUAGES, code_label, t

# The Scope field each checked filter parameter sets, dropped when its code is unknown.
_FILTER_FIELDS = {"dept": "dept_code", "category": "category_code"}
# Parameters that are not the scope but choose how it is shown, and the values they may take.
_DISPLAY_CHOICES = {"theme": THEMES, "lang": LANGUAGES}


class ScopeProblem(NamedTuple):
    """A parameter that could not be used, said by the catalogue's notice.<kind>.

    kind: invalid_parameter (then `reason` is the catalogue's scope_error.<reason>,
    or None when the parser gave none) or unknown_<param> (area, dept, category,
    theme, lang; values["code"] is what the link gave). values fill the text.
    """

    kind: str
    param: str
    values: dict
    reason: str | None = None


class RequestedScope(NamedTuple):
    scope: Scope
    area: Area | None  # None: the whole database (several roots, or no areas at all)
    problems: tuple[ScopeProblem, ...]


def resolve(db: Database, params: dict[str, str]) -> RequestedScope:
    principal = current_principal()
    default_area = areas.root_area_code(db)
    if principal is not None:
        default_area = home_area(principal, default_area)

    def parse(given: dict[str, str]) -> Scope:
        return _parse(db, given, default_area)

    problems = []
    try:
        scope = parse(params)
    except ScopeError as error:
        problems.append(ScopeProblem("invalid_parameter", error.param, error.values, error.reason))
        scope = parse({})
    area = _area_of(db, scope.area_code)
    if scope.area_code != areas.WHOLE_DATABASE and area is None:
        problems.append(ScopeProblem("unknown_area", "area", {"code": scope.area_code}))
        scope = scope.with_area(default_area)
        area = _area_of(db, default_area)
    if principal is not None:
        try:
            scope = narrow(principal, scope)
        except AreaRefused as refused:
            scope = narrow(principal, scope.with_area(default_area))
            area = _area_of(db, default_area)
            problems.append(ScopeProblem("area_refused", "area", {"code": refused.area_code}))
        if not principal.areas:
            problems.append(ScopeProblem("no_area", "area", {}))
    for param, code in reference.unknown_filters(db, scope).items():
        problems.append(ScopeProblem(f"unknown_{param}", param, {"code": code}))
        scope = replace(scope, **{_FILTER_FIELDS[param]: None})
    for param, known in _DISPLAY_CHOICES.items():
        value = params.get(param)
        if value and value not in known:
            problems.append(ScopeProblem(f"unknown_{param}", param, {"code": value[:40]}))
    return RequestedScope(scope, area, tuple(problems))


class Narrowing(NamedTuple):
    """What resolving a URL for a principal fixed in its scope, beyond what the URL and the clock say: replayed as
    is, it asks the same question in a later window without the principal, never widened."""

    area_code: str
    category_code: str | None
    dept_code: str | None
    permitted_areas: tuple[str, ...] | None
    personal_data: bool

    @classmethod
    def of(cls, scope: Scope) -> "Narrowing":
        return cls(scope.area_code, scope.category_code, scope.dept_code, scope.permitted_areas, scope.personal_data)

    def replayed(self, db: Database, params: dict[str, str], problems: tuple[ScopeProblem, ...]) -> Scope:
        """The scope `params` resolved to (with `problems`), now: the live moment and period move on as they would
        for the URL; the area, the filters and the principal's narrowing stay."""
        unusable = any(problem.kind == "invalid_parameter" for problem in problems)
        return replace(_parse(db, {} if unusable else params, self.area_code), **self._asdict())


def asked_record(params: dict[str, str], requested: RequestedScope) -> tuple:
    """A view's question (the URL's parameters its answer depends on, resolved for its principal) as codec data, for
    the cache's registry of what was asked: the same in every data window. `replay_asked` asks it again."""
    scope, area, problems = requested
    return (tuple(sorted(params.items())), tuple(Narrowing.of(scope)), area,
            tuple(tuple(problem) for problem in problems))


def replay_asked(db: Database, record: tuple) -> tuple[dict[str, str], RequestedScope]:
    """The question `asked_record` made, asked again now (without its principal, never widened)."""
    params, narrowing, area, problems = record
    params, problems = dict(params), tuple(ScopeProblem(*problem) for problem in problems)
    return params, RequestedScope(Narrowing(*narrowing).replayed(db, params, problems), area, problems)


def _parse(db: Database, given: dict[str, str], default_area: str) -> Scope:
    # Live answers are floored to the cache window, so screens and the API share them.
    settings = db.settings
    return parse_scope(given, now=settings.now(), default_area=default_area,
                       live_granularity_s=settings.live_cache_seconds)


def drillable_children(db: Database, params: dict[str, str]) -> set[str]:
    """The codes of the URL area's children that the principal asking may open: a click on any other (a hand-made
    one, or a viewer's, who may not go below its own areas) changes nothing rather than leading to a refusal."""
    scope = resolve(db, params).scope
    children = {area.code for area in areas.child_areas(db, scope.area_code)}
    principal = current_principal()
    if principal is None:
        return children
    return {code for code in children if _may_open(principal, scope.with_area(code))}


def _may_open(principal, scope: Scope) -> bool:
    try:
        narrow(principal, scope)
    except AreaRefused:
        return False
    return True


def area_title(area: Area | None, lang: str) -> str:
    return area.name if area else t("area.whole_database", lang)


def level_label(area: Area | None, lang: str) -> str | None:
    return code_label("level", area.level, lang) if area else None


def notice_texts(requested: RequestedScope, lang: str) -> list[str]:
    """Each problem as a sentence in `lang`: which parameter, why, and what is shown instead."""
    texts = []
    for problem in requested.problems:
        if problem.kind == "invalid_parameter":
            texts.append(_invalid_parameter_text(problem, lang))
        elif problem.kind == "unknown_area":
            texts.append(t("notice.unknown_area", lang, **problem.values, fallback=area_title(requested.area, lang)))
        elif problem.kind == "area_refused":
            texts.append(t("access.area_refused", lang, **problem.values, fallback=area_title(requested.area, lang)))
        elif problem.kind == "no_area":
            texts.append(t("access.no_area", lang))
        elif problem.kind == "unknown_theme":
            texts.append(t("notice.unknown_theme", lang, **problem.values,
                           fallback=t(f"switch.theme.{DEFAULT_THEME.name}", lang)))
        else:
            texts.append(t(f"notice.{problem.kind}", lang, **problem.values))
    return texts


def _invalid_parameter_text(problem: ScopeProblem, lang: str) -> str:
    hint = t(f"hint.{problem.param}", lang)
    if problem.reason is None:
        return t("notice.invalid_parameter.bare", lang, param=problem.param, hint=hint)
    detail = t(f"scope_error.{problem.reason}", lang, **problem.values)
    return t("notice.invalid_parameter", lang, param=problem.param, detail=detail, hint=hint)


def _area_of(db: Database, code: str) -> Area | None:
    return None if code == areas.WHOLE_DATABASE else areas.find_area(db, code)
