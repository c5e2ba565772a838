"""Every route the server has, Dash's own included, answers nobody: a 401, or a page's redirect to the login.

The routes are read from the Flask url_map, not listed here, so a route added
later without passing the guard fails this test. The only doors open without
a principal are the login pages, a bare /health (up or down, nothing else)
and static files.
"""
from __future__ import annotations

import re

import pytest

from app import create_app
from tests.support import create_contract, fresh_database_url, settings_for, signed_in

OPEN_PATHS = {"/login", "/login/device", "/health", "/_favicon.ico"}
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
# A value for each converter a rule may have.
SAMPLES = {"path": "sample/path", "int": "1", "float": "1.5", "uuid": "00000000-0000-0000-0000-000000000000"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = fresh_database_url("sqlite", "i10_doors_routes", tmp_path_factory.mktemp("routes"))
    create_contract(url)
    return create_app(settings_for(url))


def concrete(rule) -> str:
    """The rule's path with each variable filled by a sample of its converter ("sample" for plain strings)."""
    def fill(match):
        converter, _, name = match.group(1).rpartition(":")
        return SAMPLES.get(converter.split("(")[0], f"sample-{name}")
    return re.sub(r"<([^>]+)>", fill, rule.rule)


def every_request(app) -> list[tuple[str, str]]:
    return sorted({(method, concrete(rule)) for rule in app.server.url_map.iter_rules() for method in rule.methods})


def test_every_route_answers_401_or_the_login_page_without_a_principal(app):
    requests = every_request(app)
    # Dash's own routes are in the map the test reads, the API's and the exports' too.
    paths = {path for _, path in requests}
    assert {"/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/", "/api/v1/kpis",
            "/export/sample-file_name", "/health/details", "/logout"} <= paths, paths
    client = app.server.test_client()
    opened = []
    for method, path in requests:
        if path in OPEN_PATHS or path.startswith(STATIC_PREFIXES):
            continue
        response = client.open(path, method=method)
        redirected = response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
        if not (response.status_code == 401 or redirected):
            opened.append((method, path, response.status_code))
    assert not opened, opened


def test_a_foreign_origin_is_refused_even_for_a_principal(app):
    client = signed_in(app)
    assert client.post("/_dash-update-component", json={}, headers={"Origin": "http://evil.example"}).status_code == 403


def test_the_open_doors_say_nothing_they_should_not(app):
    client = app.server.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/login/device").status_code == 200
    health = client.get("/health")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    assert client.get("/health/details").status_code == 401
    assert client.get("/_favicon.ico").status_code in (200, 404)
    # The details are an administrator's: a leader is refused, an admin reads them.
    assert signed_in(app, role="leader", areas=("R",)).get("/health/details").status_code == 403
    details = signed_in(app).get("/health/details").get_json()
    assert {"newest_data_at", "writable_role", "data_age_seconds"} <= set(details)


def test_the_down_health_check_says_only_down(tmp_path):
    app = create_app(settings_for(f"sqlite:///{tmp_path}/gone.sqlite"))
    response = app.server.test_client().get("/health")
    assert response.status_code == 503 and response.get_json() == {"status": "down"}
