"""An identical wall refresh is served ready-made: built once per scope, display, size and data window, and never
shared between principals who may see different things."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from app import create_app
from callbacks import overview, wall
from data_access import DatabaseError
from components import ids
from data_access.cache import refreshing_in_place
from tests.support import insert_rows, settings_for, signed_in
from tests.test_app_shell import as_json, call_callback, output_key
from tests.test_view_wall import NOW, _ticket, city_url  # noqa: F401 (fixture)


@pytest.fixture
def app(city_url):  # noqa: F811
    return create_app(settings_for(city_url))


@pytest.fixture
def builds(monkeypatch) -> list:
    """The scopes each panel build (figures and tiles) was made for."""
    made = []
    build = wall.wall_panels

    def counted(db, ask, acknowledgements):
        made.append(ask.requested.scope)
        return build(db, ask, acknowledgements)

    monkeypatch.setattr(wall, "wall_panels", counted)
    return made


def refresh(client, app, search="?views=overview,tickets", font_px=18):
    response = call_callback(client, app, output_key(app, ids.WALL_TITLE),
                             {(ids.WALL_REFRESH, "n_intervals"): 1, (ids.WALL_VIEWPORT, "data"): {"font_px": font_px}},
                             {(ids.URL, "search"): search})
    assert response.status_code == 200
    return response


def title(response) -> str:
    spans = response.get_json()["response"][ids.WALL_TITLE]["children"]
    return " ".join(str(span["props"]["children"]) for span in spans)


def move_clock(app, seconds: int) -> None:
    db = app.server.extensions["onescreen.refresher"].db
    db.settings = replace(db.settings, frozen_now=db.settings.frozen_now + timedelta(seconds=seconds))


def test_two_walls_of_the_same_scope_get_byte_identical_answers_built_once(app, builds):
    first = refresh(signed_in(app, role="leader"), app)
    second = refresh(signed_in(app, role="viewer"), app)  # another principal, the same areas: the same answer
    assert first.get_data() == second.get_data()
    assert len(builds) == 1
    # A parameter that only sets the browser up (rotation, sound) changes nothing in the answer either.
    assert refresh(signed_in(app), app, "?views=overview,tickets&rotate=60&sound=1").get_data() == first.get_data()
    assert len(builds) == 1
    # Another size class, view, language or theme is another answer.
    refresh(signed_in(app), app, font_px=30)
    refresh(signed_in(app), app, "?views=overview")
    refresh(signed_in(app), app, "?views=overview,tickets&lang=en")
    refresh(signed_in(app), app, "?views=overview,tickets&theme=light")
    assert len(builds) == 5


def test_principals_of_different_areas_asking_the_same_url_never_share(app, builds):
    own = refresh(signed_in(app, role="leader", areas=("R01",)), app, "?views=overview&area=R01")
    other = refresh(signed_in(app, role="leader", areas=("R02",)), app, "?views=overview&area=R01")
    assert "甲区" in title(own)
    assert "乙区" in title(other) and "甲区" not in title(other)  # refused: its own area, never R01's answer
    assert [scope.area_code for scope in builds] == ["R01", "R02"]


def test_a_narrower_permission_on_the_same_area_is_its_own_answer(app, builds):
    # Both may see the whole city's wall; one of them only through two of its districts' rows.
    refresh(signed_in(app, role="leader", areas=("*",)), app, "?views=overview&area=R")
    refresh(signed_in(app, role="leader", areas=("R01",)), app, "?views=overview&area=R01")
    refresh(signed_in(app, role="admin", areas=("R",)), app, "?views=overview&area=R")
    assert [scope.permitted_areas for scope in builds] == [None, ("R01",)]  # "R" covers R alike: shared


def test_a_leader_and_an_admin_with_personal_data_do_not_share(app, builds):
    leader = signed_in(app, role="leader")
    admin = signed_in(app, role="admin", personal_data=True)
    refresh(leader, app, "?views=crowd,workers")
    refresh(admin, app, "?views=crowd,workers")
    assert [scope.personal_data for scope in builds] == [False, True]


def test_a_new_data_window_is_a_new_answer(app, builds, city_url):  # noqa: F811
    client = signed_in(app)
    before = refresh(client, app).get_json()["response"]
    insert_rows(city_url, {"ticket": [_ticket("T-ready", "hotline_12345", "R01", "accepted", NOW - timedelta(minutes=5))]})
    assert refresh(client, app).get_json()["response"] == before  # the same window: the answer already made
    move_clock(app, app.server.extensions["onescreen.refresher"].db.settings.live_cache_seconds)
    with refreshing_in_place():  # computed by this request, not behind it
        after = refresh(client, app).get_json()["response"]
    assert len(builds) == 2
    assert after[ids.WALL_OVERVIEW_TILES] != before[ids.WALL_OVERVIEW_TILES]  # the new ticket is counted


def test_a_wall_built_out_of_last_good_data_while_the_database_fails_is_served_with_the_notice(app, monkeypatch):
    """Found by tests/chaos_suite.py (the replica frozen): this answer's own error could not be made, and every
    such refresh was an HTTP 500 instead of the last good numbers with the notice."""
    client = signed_in(app)
    refresh(client, app)
    move_clock(app, 60)  # a new data window: the ready-made answer is built anew, out of the last good data
    db = app.server.extensions["onescreen.refresher"].db

    def down():
        raise DatabaseError("SELECT 1", None, ConnectionError("the database does not answer"))

    monkeypatch.setattr(db, "connect", down)
    notices = refresh(client, app).get_json()["response"][ids.WALL_NOTICES]["children"]
    assert notices and "notice" in notices[0]["props"]["className"]


# --- The overview: served ready-made as the wall is -----------------------------------------------


@pytest.fixture
def overview_builds(monkeypatch) -> list:
    """The scopes each overview panels build was made for."""
    made = []
    build = overview._panels

    def counted(db, view):
        made.append(view.scope)
        return build(db, view)

    monkeypatch.setattr(overview, "_panels", counted)
    return made


def refresh_overview(client, app, search=""):
    response = call_callback(client, app, output_key(app, ids.OVERVIEW_HEADER),
                             {(ids.OVERVIEW_REFRESH, "n_intervals"): 1}, {(ids.URL, "search"): search})
    assert response.status_code == 200
    return response


def overview_title(response) -> str:
    return json.dumps(response.get_json()["response"][ids.OVERVIEW_HEADER], ensure_ascii=False)


def test_two_overviews_of_the_same_scope_get_byte_identical_answers_built_once(app, overview_builds):
    first = refresh_overview(signed_in(app, role="leader"), app)
    second = refresh_overview(signed_in(app, role="viewer"), app)
    assert first.get_data() == second.get_data()
    assert len(overview_builds) == 1
    assert refresh_overview(signed_in(app), app, "?unknown=1").get_data() == first.get_data()  # not a parameter
    assert len(overview_builds) == 1
    refresh_overview(signed_in(app), app, "?lang=en")
    refresh_overview(signed_in(app), app, "?theme=light")
    refresh_overview(signed_in(app), app, "?area=R01")
    assert len(overview_builds) == 4
    # The answer is the one built anew, panel for panel.
    assert first.get_json()["response"][ids.KPI_TILES]["children"] == json.loads(
        as_json(overview.overview_panels(app.server.extensions["onescreen.refresher"].db, "").tiles))


def test_overviews_of_principals_who_may_see_different_things_never_share(app, overview_builds):
    own = refresh_overview(signed_in(app, role="leader", areas=("R01",)), app, "?area=R01")
    other = refresh_overview(signed_in(app, role="leader", areas=("R02",)), app, "?area=R01")
    assert "甲区" in overview_title(own)
    assert "乙区" in overview_title(other)  # refused: its own area, never R01's answer
    # The same district for the city's admin: the breadcrumb links the city for it, not for the district's leader.
    admin = refresh_overview(signed_in(app, role="admin"), app, "?area=R01")
    assert admin.get_data() != own.get_data()
    assert [(scope.area_code, scope.permitted_areas) for scope in overview_builds] == [
        ("R01", ("R01",)), ("R02", ("R02",)), ("R01", None)]
