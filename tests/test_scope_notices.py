"""A link's parameters that cannot be used are named on screen, in the interface language, and never silently dropped.

A typo in a shared link (`dept=NOPE`) must not show every department as if
it were filtered: each unknown code, theme or language is said in a notice,
with what is shown instead, and the API refuses the same codes by name.
"""
from __future__ import annotations

import re

import pytest

from app import create_app
from callbacks import requested_scope
from callbacks.closure import closure_panels
from callbacks.scoped_view import scoped_view
from callbacks.wall import wall_refresh
from components.theme import DESK, WALL
from data_access import indicators
from tests.support import settings_for, signed_in
from tests.test_app_shell import as_json, tiles_by_indicator
from tests.test_view_closure import city_url, db  # noqa: F401 (fixtures: the closure view's city)


def test_an_unknown_department_and_category_are_named_and_nothing_is_filtered(db):
    panels = closure_panels(db, "?dept=NOPE&category=xyz")
    notices = as_json(panels.notices)
    assert "没有编码为「NOPE」的部门，已显示全部部门。" in notices
    assert "没有编码为「xyz」的类别，已显示全部类别。" in notices
    unfiltered = indicators.kpis(db, requested_scope.resolve(db, {}).scope)
    assert tiles_by_indicator(panels.tiles)["due"]["value"] == str(unfiltered["due"])
    assert "NOPE" not in as_json(panels.header) and "部门：" not in as_json(panels.header)


def test_a_known_department_still_filters_and_keeps_its_name(db):
    panels = closure_panels(db, "?dept=ZJJ")
    assert panels.notices == []
    assert "部门：住建局" in as_json(panels.header)


def test_an_unknown_theme_and_language_are_named_and_the_defaults_used(db):
    view = scoped_view(db, "?theme=purple&lang=fr", "/closure")
    notices = as_json(view.notices)
    assert view.theme is WALL and view.lang == "zh"
    assert "没有名为「purple」的主题，已使用深色大屏。" in notices
    assert "不支持语言「fr」，已使用中文。" in notices
    assert "theme" not in view.kept and "lang" not in view.kept
    assert scoped_view(db, "?theme=light&lang=en", "/closure").notices == []
    assert scoped_view(db, "?theme=light", "/closure").theme is DESK


def test_the_wall_names_an_unknown_department_too(db):
    notices = as_json(wall_refresh(db, "?dept=NOPE&lang=en", 16.0).common[1])
    assert "There is no department with code “NOPE”; showing every department." in notices


@pytest.mark.parametrize("query, param", [("dept=NOPE", "dept"), ("category=xyz", "category")])
def test_the_api_refuses_an_unknown_department_or_category_by_name(city_url, query, param):
    client = signed_in(create_app(settings_for(city_url)))
    for path in ("/api/v1/kpis", "/api/v1/breakdown", "/export/kpis.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert response.get_json()["error"]["param"] == param
    assert client.get("/api/v1/kpis?dept=ZJJ&category=01").status_code == 200


BAD_LINKS = {
    "area=R'01": ("R'01",),
    "from=2026-13-40": ("2026-13-40",),
    "from=2026-11-20&to=2026-11-01": ("2026-11-20", "2026-11-01"),
    "from=2026-11-10&to=2026-11-30&as_of=2026-11-01": ("2026-11-10", "2026-11-30", "2026-11-01"),
    "to=1900-01-01": ("1900-01-01",),
    "as_of=yesterday": ("yesterday",),
    "as_of=2026-11-20T10:00:00%2B08:00": (),
    "as_of=2300-01-01": (),
    "source=DROP TABLE": ("DROP TABLE",),
    "dept=a'b": ("a'b",),
    "category=x%20y%27": ("x y'",),
    "area=R99": ("R99",),
    "dept=NOPE&category=xyz&theme=purple&lang=fr": ("NOPE", "xyz", "purple", "fr"),
}


@pytest.mark.parametrize("query", BAD_LINKS)
def test_every_chinese_notice_is_chinese_but_for_what_the_user_typed(db, query):
    view = scoped_view(db, f"?{query}", "/closure")
    assert view.notices, query
    # What the user typed (values and parameter names) and the codes the hints give as examples.
    typed = [*BAD_LINKS[query], *re.findall(r"([a-z_]+)=", query), "hotline_12345"]
    for notice in view.notices:
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", "", notice.children)
        for value in sorted(typed, key=len, reverse=True):
            text = text.replace(value, "")
        # Digits and dates are fine (2026-11-01, 32); Latin letters would be English leaking through.
        assert not re.search(r"[A-Za-z]", text), notice.children


def test_english_notices_say_why_in_english(db):
    notice = as_json(scoped_view(db, "?from=2026-13-40&lang=en", "/closure").notices)
    assert "“2026-13-40” is not a date" in notice and "Showing the default scope" in notice
    chinese = as_json(scoped_view(db, "?from=2026-13-40", "/closure").notices)
    assert "「2026-13-40」不是日期" in chinese
