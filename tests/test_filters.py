"""The filter bar edits the URL and nothing else: drawn from the URL, it writes a shareable link back."""
from __future__ import annotations

import json

import pytest

from app import create_app
from callbacks.filters import draw_filter_bar, filtered_params
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database, signed_in
from tests.test_indicator_definitions import AREAS

DEPARTMENTS = [{"dept_code": "D1", "name": "城管委"}, {"dept_code": "D2", "name": "住建局"}]
CATEGORIES = [
    {"category_code": "01", "parent_code": None, "level": 1, "name": "市容环境"},
    {"category_code": "0101", "parent_code": "01", "level": 2, "name": "暴露垃圾"},
]


@pytest.fixture
def db(tmp_path):
    url = fresh_database_url("sqlite", "filters", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "department": DEPARTMENTS, "category": CATEGORIES})
    database = read_only_database(url)
    yield database
    database.engine.dispose()


def test_bar_values_replace_the_filter_parameters_and_keep_the_rest():
    params = {"area": "R01", "lang": "en", "source": "police_110", "dept": "D9"}
    changed = filtered_params(params, "2026-11-01", "2026-11-20T00:00:00", ["city_mgmt", "hotline_12345"], "0101",
                              None)
    assert changed == {"area": "R01", "lang": "en", "from": "2026-11-01", "to": "2026-11-20",
                       "source": "city_mgmt,hotline_12345", "category": "0101"}


def test_values_a_browser_should_never_send_are_left_out_of_the_link():
    changed = filtered_params({}, "not-a-date", {"x": 1}, ["DROP TABLE", 7, "iot_alert"], "a'b", ["D1"])
    assert changed == {"source": "iot_alert"}


def test_bar_is_drawn_from_the_url_with_the_database_s_departments_and_category_tree(db):
    bar = json.dumps(draw_filter_bar(db, {"area": "R01", "from": "2026-11-01", "to": "2026-11-20", "dept": "D2"},
                                     "/tickets"), default=lambda c: c.to_plotly_json(), ensure_ascii=False)
    assert '"start_date": "2026-11-01"' in bar and '"end_date": "2026-11-20"' in bar
    assert '"label": "住建局", "value": "D2"' in bar and '"value": "D2"' in bar
    assert '"label": "\u3000暴露垃圾"' in bar  # the subclass, indented under its class
    assert '"href": "/tickets?area=R01"' in bar  # clearing filters keeps the area


def test_changing_a_filter_pushes_a_new_url(db):
    app = create_app(db.settings)
    client = signed_in(app)
    # Several callbacks may write the URL; Dash tells them apart by a suffix after "@".
    output = next(key for key in app.callback_map if key.startswith("url.search@"))
    payload = {
        "output": output,
        "outputs": {"id": "url", "property": output.split(".", 1)[1]},
        "inputs": [
            {"id": "filter-period", "property": "start_date", "value": "2026-11-01"},
            {"id": "filter-period", "property": "end_date", "value": "2026-11-07"},
            {"id": "filter-source", "property": "value", "value": ["grid_patrol"]},
            {"id": "filter-category", "property": "value", "value": None},
            {"id": "filter-dept", "property": "value", "value": "D1"},
        ],
        "state": [{"id": "url", "property": "search", "value": "?area=R02&lang=en"}],
        "changedPropIds": ["filter-source.value"],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200
    search = response.get_json()["response"]["url"]["search"]
    assert search == "?area=R02&lang=en&from=2026-11-01&to=2026-11-07&source=grid_patrol&dept=D1"


def _has_filter_bar(app, path: str) -> bool:
    from callbacks.navigation import render_frame
    from components import ids
    from tests.test_app_shell import as_json

    return f'"id": "{ids.FILTER_BAR}"' in as_json(render_frame(app, path, "")[0])


def test_the_bar_is_shown_only_on_views_its_period_and_ticket_filters_apply_to(db):
    app = create_app(db.settings)
    # Crowd, workers and funds read the moment (today, the year), never the period or the ticket filters;
    # the wall keeps the scope its URL was set up with.
    shown = {path: _has_filter_bar(app, path) for path in ("/", "/tickets", "/closure", "/crowd", "/workers",
                                                            "/funds", "/wall")}
    assert shown == {"/": True, "/tickets": True, "/closure": True, "/crowd": False, "/workers": False,
                     "/funds": False, "/wall": False}
