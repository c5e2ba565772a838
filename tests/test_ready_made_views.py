"""The desk views' refreshes are served ready-made as the wall's are: built once per scope, URL and data window, the
same bytes for everyone who may see the same, never shared with a principal who may see other things, and a URL
the view cannot fully use is answered afresh."""
from __future__ import annotations

import pytest

from app import create_app
from callbacks import closure, crowd, funds, tickets, workers
from components import ids
from pages.crowd import MAP_IDS as CROWD_MAP_IDS
from pages.workers import MAP_IDS as WORKERS_MAP_IDS
from tests.support import settings_for, signed_in
from tests.test_app_shell import call_callback, output_key
from tests.test_view_wall import city_url  # noqa: F401 (fixture)

# Each view: its refresh's first output, its builder (module, function), and the inputs and states it is sent.
VIEWS = {
    "tickets": (ids.TICKETS_HEADER, tickets, "ticket_panels", {(ids.TICKETS_REFRESH, "n_intervals"): 0}, {}),
    "closure": (ids.CLOSURE_HEADER, closure, "closure_panels", {(ids.CLOSURE_REFRESH, "n_intervals"): 0}, {}),
    "funds": (ids.FUNDS_HEADER, funds, "fund_panels", {(ids.FUNDS_REFRESH, "n_intervals"): 0}, {}),
    "workers": (ids.WORKERS_HEADER, workers, "workers_panels", {(ids.WORKERS_REFRESH, "n_intervals"): 0},
                {(WORKERS_MAP_IDS.loaded, "data"): None}),
    "crowd": (ids.CROWD_HEADER, crowd, "crowd_panels",
              {(ids.CROWD_REFRESH, "n_intervals"): 0, (ids.CROWD_REPLAY, "value"): None},
              {(CROWD_MAP_IDS.loaded, "data"): None, (ids.CROWD_REPLAY, "max"): None}),
}


@pytest.fixture
def app(city_url):  # noqa: F811
    return create_app(settings_for(city_url))


@pytest.fixture(params=sorted(VIEWS))
def view(request, monkeypatch):
    """The view under test, with a list of the scopes its panels were built for."""
    first_output, module, builder, inputs, states = VIEWS[request.param]
    built = []
    build = getattr(module, builder)

    def counted(db, search, *args, **kwargs):
        built.append(search)
        return build(db, search, *args, **kwargs)

    monkeypatch.setattr(module, builder, counted)
    return first_output, inputs, states, built


def refresh(client, app, view, search="", states: dict | None = None):
    first_output, inputs, view_states, _ = view
    response = call_callback(client, app, output_key(app, first_output), inputs,
                             {(ids.URL, "search"): search, **view_states, **(states or {})})
    assert response.status_code == 200
    return response


def test_a_second_visitor_of_the_same_scope_gets_the_same_bytes_built_once(app, view):
    built = view[3]
    first = refresh(signed_in(app, role="leader"), app, view, "?area=R01")
    second = refresh(signed_in(app, role="analyst", areas=("R",)), app, view, "?area=R01")  # another, alike
    assert second.get_data() == first.get_data()
    assert len(built) == 1
    # Another language, theme or scope is another answer.
    refresh(signed_in(app), app, view, "?area=R01&lang=en")
    refresh(signed_in(app), app, view, "?area=R01&theme=light")
    refresh(signed_in(app), app, view, "?area=R02")
    assert len(built) == 4


def test_principals_of_different_areas_or_personal_data_never_share(app, view):
    built = view[3]
    own = refresh(signed_in(app, role="leader", areas=("R01",)), app, view, "?area=R01")
    other = refresh(signed_in(app, role="leader", areas=("R02",)), app, view, "?area=R01")  # refused: its own area
    assert own.get_data() != other.get_data()
    refresh(signed_in(app, role="admin", personal_data=True), app, view, "?area=R01")
    assert len(built) == 3


def test_a_url_with_a_parameter_the_view_cannot_use_is_answered_afresh_each_time(app, view):
    built = view[3]
    client = signed_in(app)
    for search in ("?area=R01&utm=x", "?area=R01&utm=x", "?area=R01&from=yesterday", "?area=R01&from=yesterday"):
        refresh(client, app, view, search)
    assert len(built) == 4


def test_a_map_s_geometry_the_page_holds_is_left_as_it_is(app):
    workers_view = (ids.WORKERS_HEADER, VIEWS["workers"][3], VIEWS["workers"][4], [])
    client = signed_in(app)
    first = refresh(client, app, workers_view, "?area=R01").get_json()["response"]
    loaded = first[WORKERS_MAP_IDS.loaded]["data"]
    again = refresh(client, app, workers_view, "?area=R01", {(WORKERS_MAP_IDS.loaded, "data"): loaded})
    # Dash leaves out what did not change: the geometry is not sent again, whoever built the answer.
    assert "data" in first[WORKERS_MAP_IDS.areas]
    assert "data" not in again.get_json()["response"][WORKERS_MAP_IDS.areas]
